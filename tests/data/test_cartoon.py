"""CartoonGAN's edge smoothing and its cache."""

import json
import os

import cv2
import numpy as np
from PIL import Image

from tfstyle.data.cartoon import MANIFEST, edge_region, smooth_edges, smoothed_cartoons


def _cartoon(size=48):
    """Flat colours with sharp borders, as a cartoon frame."""
    image = np.full((size, size, 3), (0.9, 0.8, 0.3), np.float32)
    image[12:36, 10:30] = (0.1, 0.2, 0.7)
    image[30:44, 28:46] = (0.8, 0.1, 0.1)
    return image


def test_smoothing_changes_pixels_only_near_edges():
    image = _cartoon()
    smoothed = smooth_edges(image)
    region = edge_region(image)
    changed = np.any(np.abs(smoothed - image) > 1e-6, axis=-1)
    assert changed.any()
    assert not (changed & ~region).any()  # nothing moves away from the edges
    # Far from every border (inside the big blue block) nothing is near an edge.
    assert not region[20:28, 16:24].any()
    np.testing.assert_array_equal(smooth_edges(np.full((32, 32, 3), 0.5, np.float32)), 0.5)


def test_smoothed_pixels_are_a_5x5_gaussian_computed_another_way():
    image = _cartoon()
    smoothed = smooth_edges(image)
    g = cv2.getGaussianKernel(5, 0)[:, 0]  # sigma from the size, as the paper's code
    kernel = np.outer(g, g)
    padded = np.pad(image, ((2, 2), (2, 2), (0, 0)), mode="reflect")
    ys, xs = np.nonzero(edge_region(image))
    for y, x in list(zip(ys, xs, strict=True))[::17]:
        window = padded[y : y + 5, x : x + 5]
        expected = np.einsum("ij,ijc->c", kernel, window)
        np.testing.assert_allclose(smoothed[y, x], expected, atol=1e-5)


def test_cache_is_built_once_and_rebuilt_when_a_cartoon_changes(tmp_path):
    cartoons = tmp_path / "cartoons"
    cartoons.mkdir()
    for i in range(2):
        Image.fromarray((_cartoon(40 + 8 * i) * 255).astype(np.uint8)).save(cartoons / f"f{i}.png")
    (cartoons / "broken.jpg").write_bytes(b"not an image")
    cache = tmp_path / "run" / "smoothed"
    notes = []
    source = smoothed_cartoons(str(cartoons), str(cache), image_size=32, notify=notes.append)
    assert source.kind == "ab" and source.size == 2 and len(notes) == 1
    assert len(source.skipped) == 1
    pair = np.asarray(Image.open(source.paths[0]))
    assert pair.shape[0] == 36 and pair.shape[1] == 2 * 36  # cartoon | smoothed at 286/256 x
    stamps = {p: os.stat(p).st_mtime_ns for p in source.paths}
    again = smoothed_cartoons(str(cartoons), str(cache), image_size=32, notify=notes.append)
    assert len(notes) == 1 and {p: os.stat(p).st_mtime_ns for p in again.paths} == stamps
    Image.fromarray((_cartoon(40)[::-1] * 255).astype(np.uint8)).save(cartoons / "f0.png")
    os.utime(cartoons / "f0.png", ns=(1, 1))
    smoothed_cartoons(str(cartoons), str(cache), image_size=32, notify=notes.append)
    assert len(notes) == 2
    manifest = json.loads((cache / MANIFEST).read_text())
    assert [s["mtime_ns"] for s in manifest["sources"] if s["path"].endswith("f0.png")] == [1]
