"""CycleGAN: unpaired image-to-image translation (Zhu, Park, Isola & Efros, ICCV 2017)."""

import keras
import tensorflow as tf
from keras import ops

from tfstyle.gan import AdversarialModel, ImagePool
from tfstyle.losses.adversarial import discriminator_loss, generator_loss
from tfstyle.losses.reconstruction import image_l1 as l1
from tfstyle.models import serving
from tfstyle.networks import PatchDiscriminator, ResnetGenerator

A_TO_B, B_TO_A = "a_to_b", "b_to_a"
# The endpoint of each direction: a_to_b is the main one (TF Serving's default).
DIRECTION_ENDPOINTS = {A_TO_B: serving.MAIN, B_TO_A: B_TO_A}


class CycleGAN(AdversarialModel):
    """Two generators (G: A -> B, F: B -> A), two PatchGAN discriminators (D_B judges
    B images, D_A judges A images), trained with an adversarial loss (least squares by
    default), cycle consistency ||F(G(a)) - a||_1 + ||G(F(b)) - b||_1 (weight 10) and
    identity ||G(b) - b||_1 + ||F(a) - a||_1 (0.5 x the cycle weight); each
    discriminator sees fakes through a pool of the last 50 (`ImagePool`).

    One `train_step`, two phases with their own Adam (as the authors' code): the
    generators' step, then the discriminators' on the pooled fakes (loss halved, the
    authors' "slow down D").

    Batches are {"a": (B, S, S, 3), "b": (B, S, S, 3)} in [0, 1].

    Args:
        generator_ab, generator_ba: `ResnetGenerator`s (default 9 blocks).
        discriminator_a, discriminator_b: `PatchDiscriminator`s (default 70 x 70).
        image_size: the training crop (the pools hold images of this size).
        gan_loss: "lsgan" (default), "bce", "hinge" or "wgan".
        cycle_weight, identity_weight: lambda = 10 and 0.5 (a fraction of lambda).
        pool_size: images per pool (0: none).
        seed: seed of the pools' draws.
    """

    loss_names = ("g_total", "g_adv_ab", "g_adv_ba", "cycle", "identity", "d_a", "d_b")

    def __init__(
        self,
        generator_ab=None,
        generator_ba=None,
        discriminator_a=None,
        discriminator_b=None,
        image_size=256,
        gan_loss="lsgan",
        cycle_weight=10.0,
        identity_weight=0.5,
        pool_size=50,
        seed=0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.generator_ab = generator_ab or ResnetGenerator(name="generator_ab")
        self.generator_ba = generator_ba or ResnetGenerator(name="generator_ba")
        self.discriminator_a = discriminator_a or PatchDiscriminator(name="discriminator_a")
        self.discriminator_b = discriminator_b or PatchDiscriminator(name="discriminator_b")
        self.image_size = int(image_size)
        self.gan_loss = gan_loss
        self.cycle_weight, self.identity_weight = float(cycle_weight), float(identity_weight)
        self.pool_a = ImagePool(pool_size, seed=seed, name="pool_a")
        self.pool_b = ImagePool(pool_size, seed=seed + 1, name="pool_b")
        self.sample_b = None  # (N, H, W, 3) B images for the sample grid

    def build(self, input_shape=None):
        shape = (None, self.image_size, self.image_size, 3)
        for network in self.networks().values():
            network.build(shape)
        for pool in (self.pool_a, self.pool_b):
            pool.build(shape)
        self.built = True

    def networks(self):
        return {
            "generator_ab": self.generator_ab,
            "generator_ba": self.generator_ba,
            "discriminator_a": self.discriminator_a,
            "discriminator_b": self.discriminator_b,
        }

    def phase_variables(self):
        return {
            "generator": self.generator_ab.trainable_variables
            + self.generator_ba.trainable_variables,
            "discriminator": self.discriminator_a.trainable_variables
            + self.discriminator_b.trainable_variables,
        }

    def extra_state(self):
        return {"pool_a": self.pool_a, "pool_b": self.pool_b}

    def call(self, images, training=None):
        return self.generator_ab(images, training=training)

    def train_step(self, data):
        real_a, real_b = data["a"], data["b"]
        g, f = self.generator_ab, self.generator_ba
        # Generators: fool both discriminators, close both cycles, keep identities.
        with tf.GradientTape() as tape:
            fake_b, fake_a = g(real_a, training=True), f(real_b, training=True)
            cycle = l1(f(fake_b, training=True), real_a) + l1(g(fake_a, training=True), real_b)
            identity = 0.0
            if self.identity_weight:
                identity = l1(g(real_b, training=True), real_b) + l1(
                    f(real_a, training=True), real_a
                )
            adv_ab, _ = generator_loss(self.discriminator_b(fake_b, training=True), self.gan_loss)
            adv_ba, _ = generator_loss(self.discriminator_a(fake_a, training=True), self.gan_loss)
            g_total = (
                adv_ab
                + adv_ba
                + self.cycle_weight * cycle
                + self.cycle_weight * self.identity_weight * identity
            )
        self.update("generator", tape, g_total)
        # Discriminators: real vs pooled fakes.
        pooled_b = self.pool_b(tf.stop_gradient(fake_b))
        pooled_a = self.pool_a(tf.stop_gradient(fake_a))
        with tf.GradientTape() as tape:
            d_b, _ = discriminator_loss(
                self.discriminator_b(real_b, training=True),
                self.discriminator_b(pooled_b, training=True),
                self.gan_loss,
            )
            d_a, _ = discriminator_loss(
                self.discriminator_a(real_a, training=True),
                self.discriminator_a(pooled_a, training=True),
                self.gan_loss,
            )
            d_a, d_b = 0.5 * d_a, 0.5 * d_b
            d_total = d_a + d_b
        self.update("discriminator", tape, d_total)
        return self.log(
            {
                "g_total": g_total,
                "g_adv_ab": adv_ab,
                "g_adv_ba": adv_ba,
                "cycle": cycle,
                "identity": identity,
                "d_a": d_a,
                "d_b": d_b,
            }
        )

    def render_samples(self, images):
        """Rows: A, G(A), F(G(A)), then (with `sample_b`) B, F(B), G(F(B))."""
        g, f = self.generator_ab, self.generator_ba
        fake_b = g(images, training=False)
        rows = [images, fake_b, f(fake_b, training=False)]
        if self.sample_b is not None:
            b = tf.constant(self.sample_b[: len(images)])
            fake_a = f(b, training=False)
            rows += [b, fake_a, g(fake_a, training=False)]
        return ops.stack([ops.cast(r, "float32") for r in rows])


@keras.saving.register_keras_serializable(package="tfstyle")
class CycleGANTranslator(keras.Model):
    """The release network of a CycleGAN run: both generators, one endpoint per
    direction. `call` (and the main endpoint, `serving_default`) translates A -> B;
    the `b_to_a` endpoint translates B -> A.

    Example:
        >>> translator = keras.saving.load_model("runs/cyclegan/generator.keras")
        >>> paintings = translator(photos)
        >>> photos_again = translator.translate(paintings, "b_to_a")
    """

    def __init__(self, generator_ab, generator_ba, **kwargs):
        super().__init__(**kwargs)
        self.generator_ab, self.generator_ba = generator_ab, generator_ba

    def build(self, input_shape):
        self.generator_ab.build(input_shape)
        self.generator_ba.build(input_shape)
        self.built = True

    def call(self, images, training=None):
        return self.generator_ab(images, training=training)

    def translate(self, images, direction=A_TO_B):
        network = self.generator_ab if direction == A_TO_B else self.generator_ba
        return network(images, training=False)

    def endpoints(self, fixed_size=None):
        shape = {serving.IMAGE: serving.image_shape(fixed_size)}
        examples = lambda images: [{serving.IMAGE: images}]
        networks = {A_TO_B: self.generator_ab, B_TO_A: self.generator_ba}
        return [
            serving.Endpoint(
                DIRECTION_ENDPOINTS[direction],
                shape,
                lambda image, direction=direction: {
                    serving.STYLIZED: self.translate(image, direction)
                },
                examples,
                stages=getattr(networks[direction], "stages", None),
            )
            for direction in (A_TO_B, B_TO_A)
        ]

    def get_config(self):
        return {
            **super().get_config(),
            "generator_ab": keras.saving.serialize_keras_object(self.generator_ab),
            "generator_ba": keras.saving.serialize_keras_object(self.generator_ba),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator_ab", "generator_ba"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
