"""The super-resolution networks: output shapes for x2/x4/x8, sub-pixel shuffling, the
discriminator, presets, saving."""

import keras
import numpy as np
import pytest

from tfstyle.errors import InvalidArgumentError
from tfstyle.layers import PixelShuffle
from tfstyle.models.super_resolution import (
    JohnsonSRNet,
    SRGANDiscriminator,
    SRResNet,
    make_upscaler,
)

TINY = {"filters": 4, "num_residual_blocks": 1}


@pytest.mark.parametrize("scale", [2, 4, 8])
@pytest.mark.parametrize("network", [JohnsonSRNet, SRResNet])
def test_upscalers_multiply_height_and_width_by_the_scale(network, scale):
    net = network(scale=scale, **TINY)
    images = np.random.default_rng(0).uniform(size=(2, 6, 10, 3)).astype(np.float32)
    out = np.asarray(net(images))
    assert out.shape == (2, 6 * scale, 10 * scale, 3)
    assert net.upsampling_steps == {2: 1, 4: 2, 8: 3}[scale]


def test_scales_the_networks_do_not_have_are_refused():
    for scale in (1, 3, 16):
        with pytest.raises(InvalidArgumentError, match="--scale must be one of 2, 4, 8"):
            SRResNet(scale=scale)
    with pytest.raises(InvalidArgumentError, match="preset"):
        make_upscaler("srresnet", 4, "huge")


def test_pixel_shuffle_moves_channel_groups_to_sub_pixels():
    # depth_to_space: output (2y + i, 2x + j, c) = input (y, x, (2i + j) * C + c).
    x = np.arange(1 * 2 * 3 * 8, dtype=np.float32).reshape(1, 2, 3, 8)
    y = np.asarray(PixelShuffle(2)(x))
    assert y.shape == (1, 4, 6, 2)
    for i in range(2):
        for j in range(2):
            np.testing.assert_array_equal(
                y[0, i::2, j::2, :], x[0, :, :, (2 * i + j) * 2 : (2 * i + j + 1) * 2]
            )


def test_srresnet_paper_preset_is_the_papers_network():
    net = make_upscaler("srresnet", 4, "paper")
    net.build((None, None, None, 3))
    assert len(net.blocks) == 16 and net.filters == 64
    # 16 blocks of two 64x64 3x3 convs, BN and PReLU; two conv-256 shuffle steps: ~1.55M.
    assert 1.50e6 < net.count_params() < 1.60e6
    lite = make_upscaler("srresnet", 4, "lite")
    lite.build((None, None, None, 3))
    assert lite.count_params() < net.count_params() / 8


def test_discriminator_gives_one_logit_per_image():
    d = SRGANDiscriminator(filters=4)
    d.build((None, 32, 32, 3))
    logits = np.asarray(d(np.zeros((3, 32, 32, 3), np.float32)))
    assert logits.shape == (3, 1)


def test_upscaler_saves_and_loads_with_its_scale(tmp_path):
    net = make_upscaler("johnson", 2, "paper", **TINY)
    net.build((None, None, None, 3))
    path = str(tmp_path / "g.keras")
    net.save(path)
    loaded = keras.saving.load_model(path, compile=False)
    images = np.random.default_rng(1).uniform(size=(1, 8, 8, 3)).astype(np.float32)
    assert loaded.scale == 2
    np.testing.assert_allclose(loaded(images), net(images), atol=1e-6)
    (endpoint,) = loaded.endpoints()
    out = endpoint.fn(image=images)["stylized"]
    assert out.shape == (1, 16, 16, 3) and float(np.min(out)) >= 0 and float(np.max(out)) <= 1
