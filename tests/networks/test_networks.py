"""The shared GAN networks: shapes, receptive fields, sizes, [0, 1] edges, configs."""

import keras
import numpy as np
import pytest

from tfstyle.errors import InvalidArgumentError
from tfstyle.networks import (
    DCGANDiscriminator,
    DCGANGenerator,
    MultiScaleDiscriminator,
    PatchDiscriminator,
    ResnetGenerator,
    UNetGenerator,
)


def _round_trip(net, x):
    again = net.__class__.from_config(net.get_config())
    again.build(x.shape)
    again.set_weights(net.get_weights())
    np.testing.assert_allclose(again(x), net(x), atol=1e-6)


def test_resnet_generator(rng):
    net = ResnetGenerator(filters=8, num_blocks=2)
    x = rng.uniform(size=(2, 32, 24, 3)).astype("float32")
    net.build(x.shape)
    y = net(x)
    assert y.shape == x.shape and 0.0 <= float(np.min(y)) and float(np.max(y)) <= 1.0
    _round_trip(net, x)
    # The paper's 9-block generator at 256 px: 11.378M parameters (the authors' code).
    paper = ResnetGenerator()
    paper.build((None, 256, 256, 3))
    assert abs(paper.count_params() - 11_378_179) / 11_378_179 < 0.01, paper.count_params()


def test_unet_generator_any_size_through_its_endpoint(rng):
    net = UNetGenerator(num_downs=4, filters=8)
    net.build((None, 32, 32, 3))
    x = rng.uniform(size=(1, 21, 35, 3)).astype("float32")
    out = net.endpoints()[0].fn(image=x)["stylized"]
    assert out.shape == x.shape
    _round_trip(net, rng.uniform(size=(1, 32, 32, 3)).astype("float32"))
    # Dropout is off at inference unless asked for.
    y = rng.uniform(size=(1, 32, 32, 3)).astype("float32")
    np.testing.assert_array_equal(net(y), net(y))
    noisy = UNetGenerator(num_downs=4, filters=8, inference_dropout=True)
    noisy.build((None, 32, 32, 3))
    assert not np.array_equal(noisy(y), noisy(y))


@pytest.mark.parametrize("field,stride", [(1, 1), (16, 2), (70, 8), (286, 32)])
def test_patch_discriminator_receptive_fields(field, stride, rng):
    # Without normalisation: instance norm's statistics span the whole image.
    net = PatchDiscriminator(field, filters=4, normalization="none")
    x = rng.uniform(size=(1, 64, 64, 6)).astype("float32")
    net.build(x.shape)
    assert net(x).shape == (1, 64 // stride, 64 // stride, 1)
    # Changing one pixel changes only the logits whose patch covers it.
    y = x.copy()
    y[0, 0, 0] += 1.0
    changed = np.abs(np.asarray(net(y)) - np.asarray(net(x)))[0, :, :, 0] > 0
    rows = np.nonzero(changed.any(axis=1))[0]
    assert rows.max() * stride < field, (field, rows)


def test_patch_discriminator_rejects_other_fields():
    with pytest.raises(InvalidArgumentError, match="70"):
        PatchDiscriminator(64)


def test_dcgan_networks(rng):
    g = DCGANGenerator(latent_dim=16, image_size=32, channels=1, filters=8)
    d = DCGANDiscriminator(image_size=32, channels=1, filters=8, spectral_norm=True)
    g.build()
    d.build()
    images = g(keras.random.normal((3, 16), seed=1))
    assert images.shape == (3, 32, 32, 1) and float(np.min(images)) >= 0.0
    assert d(images, training=True).shape == (3, 1)
    with pytest.raises(InvalidArgumentError, match="power of 2"):
        DCGANGenerator(image_size=28)


def test_multiscale_discriminator_judges_three_scales(rng):
    x = rng.uniform(size=(2, 64, 96, 3)).astype("float32")
    d = MultiScaleDiscriminator(num_scales=3, num_layers=4, filters=4)
    logits = d(x)
    assert [tuple(y.shape) for y in logits] == [(2, 4, 6, 1), (2, 2, 3, 1), (2, 1, 1, 1)]
    again = MultiScaleDiscriminator.from_config(d.get_config())
    again.build(x.shape)
    again.set_weights(d.get_weights())
    for a, b in zip(again(x), logits, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)
