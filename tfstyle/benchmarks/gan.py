"""Benchmarks of the adversarial families (pix2pix, CycleGAN, MUNIT).

Training steps are measured against a reference written in this module the way the
TensorFlow tutorials write it (tensorflow.org/tutorials/generative/pix2pix and
/cyclegan): the same networks built from plain Keras layers, every loss and gradient
inside `tf.GradientTape`s of one `tf.function`, float32, no image pool. The ratio of
tfstyle's step to that step, measured in the same run, is the figure that travels
between machines.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from tfstyle.benchmarks.common import time_call
from tfstyle.models.cyclegan import CycleGAN
from tfstyle.models.munit import MUNIT
from tfstyle.models.pix2pix import Pix2Pix
from tfstyle.networks import PatchDiscriminator, ResnetGenerator, UNetGenerator
from tfstyle.optimizers import Adam, LinearDecay
from tfstyle.training.loop import train_step_function


def _images(size, batch=1, seed=0):
    rng = np.random.default_rng(seed)
    return tf.constant(rng.uniform(size=(batch, size, size, 3)).astype(np.float32))


# --- The tutorials' way ---------------------------------------------------------------


def _down(filters, norm=True):
    block = keras.Sequential([layers.Conv2D(filters, 4, 2, "same", use_bias=not norm)])
    if norm:
        block.add(layers.GroupNormalization(groups=-1, epsilon=1e-5))  # instance norm
    block.add(layers.LeakyReLU(0.2))
    return block


def _up(filters, dropout=False):
    block = keras.Sequential(
        [
            layers.Conv2DTranspose(filters, 4, 2, "same", use_bias=False),
            layers.GroupNormalization(groups=-1, epsilon=1e-5),
        ]
    )
    if dropout:
        block.add(layers.Dropout(0.5))
    block.add(layers.ReLU())
    return block


def tutorial_unet(size):
    """The tutorial's `Generator()`: unet_256 with skip connections."""
    inputs = keras.Input((size, size, 3))
    downs = [_down(64, False)] + [_down(f) for f in (128, 256, 512, 512, 512, 512)]
    downs.append(_down(512, False))  # the 1 x 1 bottleneck is not normalised
    ups = [_up(512, True)] * 0 + [
        _up(f, i < 3) for i, f in enumerate((512, 512, 512, 512, 256, 128, 64))
    ]
    x, skips = inputs, []
    for down in downs:
        x = down(x)
        skips.append(x)
    for up, skip in zip(ups, reversed(skips[:-1]), strict=True):
        x = layers.Concatenate()([up(x), skip])
    outputs = layers.Conv2DTranspose(3, 4, 2, "same", activation="tanh")(x)
    return keras.Model(inputs, outputs)


def tutorial_patchgan(size, channels):
    """The tutorial's `Discriminator()`: 70 x 70 PatchGAN."""
    inputs = keras.Input((size, size, channels))
    x = _down(64, False)(inputs)
    x = _down(128)(x)
    x = _down(256)(x)
    x = layers.Conv2D(512, 4, 1, "same", use_bias=False)(x)
    x = layers.GroupNormalization(groups=-1, epsilon=1e-5)(x)
    x = layers.LeakyReLU(0.2)(x)
    return keras.Model(inputs, layers.Conv2D(1, 4, 1, "same")(x))


def _reflect(pad):
    return layers.Lambda(lambda x: tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]], "REFLECT"))


def tutorial_resnet(size, blocks=9):
    """CycleGAN's ResNet generator from plain layers (the paper's, as the tutorials'
    shape of code would write it)."""

    def conv(x, filters, kernel, strides=1, relu=True):
        x = _reflect(kernel // 2)(x) if strides == 1 else x
        x = layers.Conv2D(filters, kernel, strides, "valid" if strides == 1 else "same")(x)
        x = layers.GroupNormalization(groups=-1, epsilon=1e-5)(x)
        return layers.ReLU()(x) if relu else x

    inputs = keras.Input((size, size, 3))
    x = conv(inputs, 64, 7)
    x = conv(x, 128, 3, 2)
    x = conv(x, 256, 3, 2)
    for _ in range(blocks):
        x = layers.Add()([x, conv(conv(x, 256, 3), 256, 3, relu=False)])
    for filters in (128, 64):
        x = layers.Conv2DTranspose(filters, 3, 2, "same")(x)
        x = layers.ReLU()(layers.GroupNormalization(groups=-1, epsilon=1e-5)(x))
    x = layers.Conv2D(3, 7, padding="valid")(_reflect(3)(x))
    return keras.Model(inputs, layers.Activation("tanh")(x))


def reference_pix2pix_step(size=256, repeats=3):
    """Seconds per step of the tutorial's pix2pix `train_step` (float32, batch 1)."""
    keras.mixed_precision.set_global_policy("float32")
    keras.utils.set_random_seed(0)
    generator, discriminator = tutorial_unet(size), tutorial_patchgan(size, 6)
    g_opt, d_opt = keras.optimizers.Adam(2e-4, 0.5), keras.optimizers.Adam(2e-4, 0.5)
    bce = keras.losses.BinaryCrossentropy(from_logits=True)

    @tf.function
    def train_step(input_image, target):
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            gen_output = generator(input_image, training=True)
            disc_real = discriminator(tf.concat([input_image, target], -1), training=True)
            disc_fake = discriminator(tf.concat([input_image, gen_output], -1), training=True)
            gen_loss = bce(tf.ones_like(disc_fake), disc_fake) + 100 * tf.reduce_mean(
                tf.abs(target - gen_output)
            )
            disc_loss = bce(tf.ones_like(disc_real), disc_real) + bce(
                tf.zeros_like(disc_fake), disc_fake
            )
        g_opt.apply(
            gen_tape.gradient(gen_loss, generator.trainable_variables),
            generator.trainable_variables,
        )
        d_opt.apply(
            disc_tape.gradient(disc_loss, discriminator.trainable_variables),
            discriminator.trainable_variables,
        )
        return gen_loss

    a, b = _images(size) * 2 - 1, _images(size, seed=1) * 2 - 1
    return time_call(lambda: train_step(a, b), repeats=repeats, warmup=2)


def reference_cyclegan_step(size=256, repeats=3, blocks=9):
    """Seconds per step of the tutorial's CycleGAN `train_step` (one persistent tape,
    four optimisers, float32, batch 1, no pool) with the paper's networks."""
    keras.mixed_precision.set_global_policy("float32")
    keras.utils.set_random_seed(0)
    g, f = tutorial_resnet(size, blocks), tutorial_resnet(size, blocks)
    dx, dy = tutorial_patchgan(size, 3), tutorial_patchgan(size, 3)
    opts = [keras.optimizers.Adam(2e-4, 0.5) for _ in range(4)]
    mse = keras.losses.MeanSquaredError()

    @tf.function
    def train_step(real_x, real_y):
        with tf.GradientTape(persistent=True) as tape:
            fake_y, fake_x = g(real_x, training=True), f(real_y, training=True)
            cycled_x, cycled_y = f(fake_y, training=True), g(fake_x, training=True)
            same_x, same_y = f(real_x, training=True), g(real_y, training=True)
            d_real_x, d_real_y = dx(real_x, training=True), dy(real_y, training=True)
            d_fake_x, d_fake_y = dx(fake_x, training=True), dy(fake_y, training=True)
            cycle = tf.reduce_mean(tf.abs(real_x - cycled_x)) + tf.reduce_mean(
                tf.abs(real_y - cycled_y)
            )
            g_loss = (
                mse(tf.ones_like(d_fake_y), d_fake_y)
                + 10 * cycle
                + 5 * tf.reduce_mean(tf.abs(real_y - same_y))
            )
            f_loss = (
                mse(tf.ones_like(d_fake_x), d_fake_x)
                + 10 * cycle
                + 5 * tf.reduce_mean(tf.abs(real_x - same_x))
            )
            dx_loss = 0.5 * (
                mse(tf.ones_like(d_real_x), d_real_x) + mse(tf.zeros_like(d_fake_x), d_fake_x)
            )
            dy_loss = 0.5 * (
                mse(tf.ones_like(d_real_y), d_real_y) + mse(tf.zeros_like(d_fake_y), d_fake_y)
            )
        for opt, loss, net in zip(
            opts, (g_loss, f_loss, dx_loss, dy_loss), (g, f, dx, dy), strict=True
        ):
            opt.apply(tape.gradient(loss, net.trainable_variables), net.trainable_variables)
        return cycle

    x, y = _images(size) * 2 - 1, _images(size, seed=1) * 2 - 1
    return time_call(lambda: train_step(x, y), repeats=repeats, warmup=2)


# --- tfstyle ----------------------------------------------------------------------------


def _compiled(model, total_steps=1000):
    model.build()
    model.compile(
        {
            phase: Adam(LinearDecay(2e-4, total_steps, total_steps // 2), 0.5)
            for phase in model.phase_variables()
        }
    )
    return model


def pix2pix_model(size=256):
    return _compiled(Pix2Pix(UNetGenerator(), PatchDiscriminator(70), image_size=size))


def cyclegan_model(size=256, blocks=9):
    g = lambda name: ResnetGenerator(num_blocks=blocks, name=name)
    d = lambda name: PatchDiscriminator(70, name=name)
    return _compiled(CycleGAN(g("g_ab"), g("g_ba"), d("d_a"), d("d_b"), image_size=size))


def munit_model(size=256):
    """MUNIT with the authors' networks (64 wide, 4 residual blocks, 3-scale
    discriminators)."""
    return _compiled(MUNIT(image_size=size))


MODELS = {"pix2pix": pix2pix_model, "cyclegan": cyclegan_model, "munit": munit_model}
# The term each family's loss check follows (a reconstruction, which can fall).
RECONSTRUCTION_TERMS = {"pix2pix": "l1", "cyclegan": "cycle", "munit": "recon_x"}


def _batch(family, a, b, seed=0):
    """A training batch of `family` from A and B images (MUNIT adds style codes)."""
    batch = {"a": a, "b": b}
    if family == "munit":
        codes = np.random.default_rng(seed).standard_normal((2, a.shape[0], 8))
        batch.update(
            style_a=tf.constant(codes[0], tf.float32), style_b=tf.constant(codes[1], tf.float32)
        )
    return batch


def step_seconds(family, mixed, size=256, repeats=3, jit_compile=False):
    """Seconds per tfstyle training step (batch 1) of "pix2pix", "cyclegan" or "munit"."""
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if mixed else "float32")
    keras.utils.set_random_seed(0)
    try:
        model = MODELS[family](size)
        step = train_step_function(model, jit_compile)
        batch = _batch(family, _images(size), _images(size, seed=1))
        return time_call(lambda: step(batch), repeats=repeats, warmup=2)
    finally:
        keras.mixed_precision.set_global_policy("float32")


def losses_after(family, steps, mixed, size=256, average=20):
    """The reconstruction term (pix2pix's L1, CycleGAN's cycle loss, MUNIT's image
    reconstruction) averaged over the last `average` of `steps` steps on fixed
    pseudo-random pairs: float32 vs mixed."""
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if mixed else "float32")
    keras.utils.set_random_seed(0)
    try:
        model = MODELS[family](size)
        step = train_step_function(model)
        key = RECONSTRUCTION_TERMS[family]
        values = []
        for i in range(steps):
            # Smooth pairs with structure (b is a function of a), so the term can fall.
            a = tf.image.resize(_images(size // 16, seed=i % 8), (size, size))
            logs = step(_batch(family, a, 1.0 - a, seed=i % 8))
            model.reset_metrics()
            values.append(float(logs[key]))
        return float(np.mean(values[-average:]))
    finally:
        keras.mixed_precision.set_global_policy("float32")


def export_generators(root):
    """Random-weight pix2pix and CycleGAN release networks, exported; {name: (run, export)}."""
    from tfstyle.benchmarks.johnson import export_network
    from tfstyle.models.cyclegan import CycleGANTranslator

    keras.utils.set_random_seed(0)
    unet = UNetGenerator()
    unet.build((None, 256, 256, 3))
    translator = CycleGANTranslator(ResnetGenerator(), ResnetGenerator())
    translator.build((None, None, None, 3))
    return {
        "pix2pix": export_network(unet, "pix2pix", root),
        "cyclegan": export_network(translator, "cyclegan", root),
    }
