"""pix2pix: phases update only their networks; a short run from AB images writes
samples and a release that translates any size."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tfstyle.inference import load_stylizer
from tfstyle.models.pix2pix import Pix2Pix
from tfstyle.models.pix2pix.train import Pix2PixRecipe, Pix2PixTrainConfig
from tfstyle.networks import PatchDiscriminator, UNetGenerator
from tfstyle.training import driver


@pytest.mark.parametrize("moving", ["generator", "discriminator"])
def test_each_phase_updates_only_its_network(moving, rng):
    keras.utils.set_random_seed(0)
    model = Pix2Pix(
        UNetGenerator(num_downs=3, filters=4),
        PatchDiscriminator(16, filters=4),
        image_size=16,
    )
    model.build()
    rates = {"generator": 0.0, "discriminator": 0.0, moving: 0.1}
    model.compile({phase: keras.optimizers.SGD(rate) for phase, rate in rates.items()})
    before = {n: [w.numpy().copy() for w in net.weights] for n, net in model.networks().items()}
    batch = {k: tf.constant(rng.uniform(size=(2, 16, 16, 3)).astype("float32")) for k in "ab"}
    logs = model.train_step(batch)
    assert set(logs) == {"g_total", "g_adv", "l1", "d_real", "d_fake"}
    for name, net in model.networks().items():
        after = [w.numpy() for w in net.weights]
        changed = any(not np.array_equal(a, b) for a, b in zip(after, before[name], strict=True))
        assert changed == (name == moving), (name, moving)


def test_short_run_from_ab_images(tmp_path, rng):
    folder = tmp_path / "ab"
    folder.mkdir()
    for i in range(3):
        pixels = (rng.uniform(size=(24, 48, 3)) * 255).astype(np.uint8)
        Image.fromarray(pixels).save(folder / f"{i}.png")
    out = tmp_path / "run"
    config = Pix2PixTrainConfig(
        output_dir=str(out),
        data_dir=str(folder),
        image_size=16,
        num_downs=3,
        filters=4,
        discriminator_filters=4,
        receptive_field=16,
        steps=2,
        sample_every=1,
        mixed_precision="float32",
    )
    result = driver.run(Pix2PixRecipe(config))
    assert result["step"] == 2
    # Sample rows: inputs, outputs, targets.
    assert Image.open(out / "samples" / "step_0000002.png").size == (2 * 16, 3 * 16)
    stylizer = load_stylizer(str(out))
    x = rng.uniform(size=(1, 13, 30, 3)).astype("float32")
    assert stylizer(x).shape == x.shape
