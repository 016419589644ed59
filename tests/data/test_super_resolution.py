"""Super-resolution pairs: the degradation against references computed another way
(PIL's bicubic, OpenCV's Gaussian blur), native-resolution crops, exact resume."""

import cv2
import numpy as np
import pytest
from PIL import Image

from tests.conftest import write_image
from tfstyle.data import scan_folder
from tfstyle.data.super_resolution import crop_to_multiple, degrade, sr_dataset
from tfstyle.errors import InvalidArgumentError
from tfstyle.ops.blur import gaussian_blur


def _smooth(rng, h, w):
    # A smooth image (a sum of low-frequency waves) keeps interpolation errors small.
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    channels = [
        0.5 + 0.25 * np.sin(x / rng.uniform(3, 9) + c) * np.cos(y / rng.uniform(3, 9))
        for c in range(3)
    ]
    return np.stack(channels, -1).astype(np.float32)


def test_bicubic_downsampling_matches_pil():
    image = _smooth(np.random.default_rng(0), 48, 64)
    low = np.asarray(degrade(image, 4))
    reference = np.stack(
        [
            np.asarray(Image.fromarray(image[..., c], "F").resize((16, 12), Image.BICUBIC))
            for c in range(3)
        ],
        -1,
    )
    assert low.shape == (12, 16, 3)
    # Both are antialiased Keys cubics (a = -0.5) over a support scaled by 4.
    np.testing.assert_allclose(low, np.clip(reference, 0, 1), atol=2e-3)


def test_gaussian_blur_matches_opencv():
    image = np.random.default_rng(1).uniform(size=(20, 24, 3)).astype(np.float32)
    ours = np.asarray(gaussian_blur(image, 1.0))
    reference = cv2.GaussianBlur(image, (7, 7), 1.0, borderType=cv2.BORDER_REFLECT_101)
    np.testing.assert_allclose(ours, reference, atol=1e-5)
    batch = np.asarray(gaussian_blur(image[None], 1.0))
    np.testing.assert_allclose(batch[0], ours, atol=1e-6)


def test_degrade_blurs_before_downsampling_and_checks_sizes():
    image = _smooth(np.random.default_rng(2), 32, 32)
    blurred = np.asarray(degrade(image, 2, blur_sigma=1.0))
    expected = np.asarray(degrade(np.asarray(gaussian_blur(image, 1.0)), 2))
    np.testing.assert_allclose(blurred, expected, atol=1e-6)
    with pytest.raises(InvalidArgumentError, match="multiple of the scale"):
        degrade(np.zeros((30, 32, 3), np.float32), 4)
    assert crop_to_multiple(np.zeros((30, 33, 3)), 4).shape == (28, 32, 3)


def test_hr_patches_are_native_resolution_crops_and_resume_exactly(tmp_path):
    rng = np.random.default_rng(3)
    for i in range(3):
        write_image(tmp_path / f"{i}.png", rng, size=(40, 36))
    source = scan_folder(str(tmp_path))
    fresh = [b for _, b in zip(range(3), sr_dataset(source, 16, 4, 2, seed=5), strict=False)]
    assert fresh[0]["hr"].shape == (2, 16, 16, 3) and fresh[0]["lr"].shape == (2, 4, 4, 3)
    resumed = next(iter(sr_dataset(source, 16, 4, 2, seed=5, start_step=2)))
    np.testing.assert_array_equal(resumed["hr"], fresh[2]["hr"])
    # Every HR patch is a window of one photo at its own resolution (maybe mirrored).
    photos = [np.asarray(Image.open(tmp_path / f"{i}.png"), np.float32) / 255 for i in range(3)]
    patch = np.asarray(fresh[0]["hr"][0])
    found = False
    for photo in photos:
        for flipped in (photo, photo[:, ::-1]):
            for y in range(photo.shape[0] - 15):
                for x in range(photo.shape[1] - 15):
                    if np.allclose(flipped[y : y + 16, x : x + 16], patch, atol=1e-5):
                        found = True
    assert found
    with pytest.raises(InvalidArgumentError, match="multiple of --scale"):
        sr_dataset(source, 18, 4, 2)
