"""The blob measure: flat saturated patches counted, texture and photos not."""

import numpy as np
import pytest

from tfstyle.assets import resolve_photo
from tfstyle.io import load_image
from tfstyle.metrics.artifacts import WINDOW, blob_area


def _disc(size, radius):
    y, x = np.mgrid[:size, :size]
    return (y - size / 2) ** 2 + (x - size / 2) ** 2 < radius**2


def test_texture_and_a_photo_have_no_blobs(rng):
    assert blob_area(rng.uniform(size=(64, 64, 3))) == (0.0, 0.0)
    dark, light = blob_area(load_image(resolve_photo("amber"), max_side=64))
    assert dark + light < 0.01


@pytest.mark.parametrize("value, side", [(0.0, 0), (1.0, 1)])
def test_a_flat_saturated_disc_counts_its_inside(rng, value, side):
    image = rng.uniform(0.2, 0.8, size=(64, 64, 3))
    disc = _disc(64, 12)
    image[disc] = value
    area = blob_area(image)
    # Its rim is not flat (texture in the window), the rest of it is.
    inner = _disc(64, 12 - WINDOW).mean()  # a box window reaches furthest at its corners
    assert inner <= area[side] <= disc.mean() and area[1 - side] == 0.0


def test_a_flat_mid_grey_or_a_textured_black_patch_is_not_a_blob(rng):
    grey = np.full((32, 32, 3), 0.5)
    assert blob_area(grey) == (0.0, 0.0)
    speckled = rng.uniform(0.0, 0.1, size=(32, 32, 3))  # dark, but textured
    assert blob_area(speckled)[0] < 0.05
    with pytest.raises(ValueError, match="one"):
        blob_area(grey[None])
