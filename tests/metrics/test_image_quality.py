"""PSNR and SSIM by the SR protocol on pairs whose values are known in closed form."""

import numpy as np
import pytest

from tfstyle.errors import InvalidArgumentError
from tfstyle.metrics import luma, psnr, shave, sr_metrics, ssim


def test_luma_is_bt601_on_the_0_255_scale():
    assert luma(np.zeros(3)) == pytest.approx(16.0)
    assert luma(np.ones(3)) == pytest.approx(235.0)
    assert luma(np.array([1.0, 0, 0])) == pytest.approx(16 + 65.481)


def test_psnr_of_a_uniform_offset_is_known():
    hr = np.full((20, 20, 3), 0.4)
    sr = hr + 0.01  # Y moves by 0.01 * (65.481 + 128.553 + 24.966) = 2.19
    metrics = sr_metrics(hr, sr, scale=4)
    assert metrics["psnr"] == pytest.approx(20 * np.log10(255 / 2.19), abs=1e-6)
    assert psnr(np.zeros(4), np.full(4, 0.1)) == pytest.approx(20.0)
    assert psnr(np.ones(3), np.ones(3)) == float("inf")


def test_ssim_of_constant_images_is_the_luminance_term():
    a, b = 100.0, 120.0
    c1 = (0.01 * 255) ** 2
    expected = (2 * a * b + c1) / (a * a + b * b + c1)
    assert ssim(np.full((16, 16), a), np.full((16, 16), b)) == pytest.approx(expected, rel=1e-4)
    rng = np.random.default_rng(0)
    image = rng.uniform(0, 255, (24, 24))
    assert ssim(image, image) == pytest.approx(1.0, abs=1e-6)
    assert ssim(image, 255 - image) < 0  # anti-correlated structure


def test_the_border_of_scale_pixels_is_not_scored():
    hr = np.random.default_rng(1).uniform(size=(24, 24, 3))
    sr = hr.copy()
    sr[:4] = 0.0  # wrong only in the 4-pixel border that x4 shaves
    metrics = sr_metrics(hr, sr, scale=4)
    assert metrics["psnr"] == float("inf") and metrics["ssim"] == pytest.approx(1.0)
    assert sr_metrics(hr, sr, scale=2)["psnr"] < 30
    assert shave(np.zeros((10, 12, 3)), 2).shape == (6, 8, 3)
    with pytest.raises(InvalidArgumentError, match="differ in size"):
        sr_metrics(hr, sr[:20], scale=4)
