"""CartoonGAN: what each stage updates, the content loss on VGG conv4_4, the paper's
generator layout, and a run resumed inside each stage that ends where an uninterrupted
one does."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tfstyle.inference import load_stylizer
from tfstyle.models.cartoongan import CartoonDiscriminator, CartoonGAN, cartoon_generator
from tfstyle.models.cartoongan.train import CartoonGANRecipe, CartoonGANTrainConfig
from tfstyle.training import driver


def _model(seed=0):
    keras.utils.set_random_seed(seed)
    model = CartoonGAN(
        cartoon_generator(filters=4, num_blocks=1),
        CartoonDiscriminator(filters=4),
        image_size=16,
        vgg_weights=None,
    )
    model.build()
    return model


def _weights(model):
    return {n: [w.numpy().copy() for w in net.weights] for n, net in model.networks().items()}


def _changed(before, model):
    return {
        name: any(
            not np.array_equal(a, w.numpy()) for a, w in zip(before[name], net.weights, strict=True)
        )
        for name, net in model.networks().items()
    }


@pytest.mark.parametrize(
    "stage, moving",
    [
        ("init", {"generator"}),
        ("adversarial", {"generator", "discriminator"}),
        ("adversarial_d_only", {"discriminator"}),
    ],
)
def test_each_stage_updates_only_what_it_should(stage, moving, rng):
    model = _model()
    # Adam: in the initialisation stage D's zero gradient must leave D exactly as it is.
    g_rate = 0.0 if stage == "adversarial_d_only" else 0.01
    model.compile(
        {
            "discriminator": keras.optimizers.Adam(0.01),
            "generator": keras.optimizers.Adam(g_rate) if g_rate else keras.optimizers.SGD(0.0),
        }
    )
    vgg_before = [w.numpy().copy() for w in model.backbone.weights]
    before = _weights(model)
    batch = {
        k: tf.constant(rng.uniform(size=(2, 16, 16, 3)), tf.float32)
        for k in ("photo", "cartoon", "smoothed")
    }
    batch["adversarial"] = tf.fill([2], 0.0 if stage == "init" else 1.0)
    for _ in range(2):
        logs = model.train_step(batch)
    assert float(logs["content"]) > 0
    changed = _changed(before, model)
    assert {name for name, c in changed.items() if c} == moving
    for a, w in zip(vgg_before, model.backbone.weights, strict=True):
        np.testing.assert_array_equal(a, w.numpy())  # the loss network is frozen
    assert not model.backbone.trainable_weights


def test_content_loss_is_weighted_l1_of_conv4_4_on_torchvision_scale(rng):
    model = _model()
    photos = tf.constant(rng.uniform(size=(2, 16, 16, 3)), tf.float32)
    generated = tf.constant(rng.uniform(size=(2, 16, 16, 3)), tf.float32)
    features = model.backbone(tf.concat([generated, photos], 0))["block4_conv4"].numpy()
    expected = 10.0 * np.mean(np.abs(features[:2] - features[2:])) / 57.8
    np.testing.assert_allclose(float(model.content_loss(photos, generated)), expected, rtol=1e-5)
    assert float(model.content_loss(photos, photos)) == 0.0


def test_generator_is_the_papers_layout():
    generator = cartoon_generator()
    generator.build((None, 256, 256, 3))
    names = [layer.name for layer in [generator.conv_in, *generator.downs, *generator.ups]]
    assert names == [
        "conv_in",
        "down1",
        "down1_conv",
        "down2",
        "down2_conv",
        "up1",
        "up1_conv",
        "up2",
        "up2_conv",
    ]
    assert (
        generator.downs[0].normalization == "none"
        and generator.downs[1].normalization == "instance"
    )
    assert len(generator.blocks) == 8 and generator.downs[2].filters == 256
    assert generator(tf.zeros((1, 64, 48, 3))).shape == (1, 64, 48, 3)
    d = CartoonDiscriminator()
    assert d(tf.zeros((1, 64, 64, 3))).shape == (1, 16, 16, 1)


def _folders(tmp_path, rng):
    for name in ("photos", "cartoons"):
        (tmp_path / name).mkdir()
        for i in range(3):
            pixels = (rng.uniform(size=(20, 24, 3)) * 255).astype(np.uint8)
            Image.fromarray(pixels).save(tmp_path / name / f"{i}.png")


def _config(tmp_path, out, steps):
    return CartoonGANTrainConfig(
        output_dir=str(tmp_path / out),
        content_dir=str(tmp_path / "photos"),
        cartoon_dir=str(tmp_path / "cartoons"),
        filters=4,
        generator_blocks=1,
        discriminator_filters=4,
        image_size=16,
        batch_size=2,
        init_steps=2,
        steps=steps,
        sample_every=0,
        checkpoint_every=1,
        vgg_weights=None,
        mixed_precision="float32",
    )


# Three traced runs (~35 s): `make test-slow`, as the other families' kill/resume checks.
@pytest.mark.slow
def test_resume_inside_each_stage_matches_an_uninterrupted_run(tmp_path, rng):
    _folders(tmp_path, rng)
    keras.utils.set_random_seed(0)
    straight = driver.run(CartoonGANRecipe(_config(tmp_path, "straight", 4)))
    assert straight["step"] == 4 and straight["initialization_steps"] == 2
    for steps in (1, 3, 4):  # stops inside the initialisation stage, then the adversarial
        keras.utils.set_random_seed(0)
        resumed = driver.run(CartoonGANRecipe(_config(tmp_path, "resumed", steps)))
    assert resumed["step"] == 4
    a = load_stylizer(str(tmp_path / "straight"))
    b = load_stylizer(str(tmp_path / "resumed"))
    x = rng.uniform(size=(1, 16, 20, 3)).astype("float32")
    np.testing.assert_allclose(a(x), b(x), atol=2e-4)
    assert (tmp_path / "resumed" / "smoothed_cartoons" / "manifest.json").exists()
