"""DCGAN: phases, reproducible noise, the WGAN-GP variant, synthetic digits."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfstyle.data.synthetic import write_synthetic_digits
from tfstyle.models.dcgan import DCGAN
from tfstyle.networks import DCGANDiscriminator, DCGANGenerator


def _model(gan_loss="bce", rates=None):
    keras.utils.set_random_seed(0)
    model = DCGAN(
        DCGANGenerator(8, 16, 1, 4), DCGANDiscriminator(16, 1, 4), gan_loss=gan_loss, seed=3
    )
    model.build()
    rates = rates or {"generator": 1e-3, "discriminator": 1e-3}
    model.compile({p: keras.optimizers.SGD(r) for p, r in rates.items()})
    return model


@pytest.mark.parametrize("moving", ["generator", "discriminator"])
def test_each_phase_updates_only_its_network(moving, rng):
    model = _model(rates={"generator": 0.0, "discriminator": 0.0, moving: 0.1})
    before = {
        n: [w.numpy().copy() for w in net.trainable_weights] for n, net in model.networks().items()
    }
    model.train_step(tf.constant(rng.uniform(size=(4, 16, 16, 1)).astype("float32")))
    for name, net in model.networks().items():
        after = [w.numpy() for w in net.trainable_weights]
        changed = any(not np.array_equal(a, b) for a, b in zip(after, before[name], strict=True))
        assert changed == (name == moving)


def test_noise_is_a_function_of_the_step():
    model = _model()
    first = model.noise(4, 0).numpy()
    np.testing.assert_array_equal(first, model.noise(4, 0))
    assert not np.array_equal(first, model.noise(4, 1))
    model.phase_optimizers["generator"].iterations.assign(7)
    assert not np.array_equal(first, model.noise(4, 0))


def test_wgan_gp_step_runs_and_adds_the_penalty(rng):
    model = _model("wgan")
    logs = model.train_step(tf.constant(rng.uniform(size=(4, 16, 16, 1)).astype("float32")))
    assert model.penalty_weight == 10.0
    # Without the penalty d_total would be d_real + d_fake exactly.
    assert float(logs["d_total"]) != pytest.approx(float(logs["d_real"] + logs["d_fake"]))
    grid = model.render_samples(np.zeros((3, 1, 1, 1), np.float32))
    assert grid.shape == (8, 3, 16, 16, 3)


def test_synthetic_digits_are_written_once(tmp_path):
    folder = tmp_path / "digits"
    write_synthetic_digits(str(folder), count=20, seed=1)
    files = sorted(p.name for p in folder.glob("*.png"))
    assert len(files) == 20 and files[0].startswith("0_") and files[-1].startswith("9_")
    stamp = (folder / files[0]).stat().st_mtime_ns
    write_synthetic_digits(str(folder), count=20, seed=1)  # same set: reused
    assert (folder / files[0]).stat().st_mtime_ns == stamp
    from PIL import Image

    image = np.asarray(Image.open(folder / files[0]))
    assert image.shape == (28, 28) and image.max() > 200 and image[0].max() < 50
