"""The video benchmark's clip, measurements and frame strip."""

import numpy as np

from tfstyle.benchmarks import video as bench


def test_clip_moves_and_blending_lowers_the_warping_error_of_a_flickering_network():
    photo = np.random.default_rng(0).random((120, 160, 3)).astype(np.float32)
    frames = list(bench.pan_zoom_clip(photo, frames=5, size=(48, 64)))
    assert len(frames) == 5 and frames[0].shape == (48, 64, 3)
    assert np.abs(frames[1] - frames[0]).mean() > 0.01  # the camera moves
    rng = np.random.default_rng(1)
    flicker = lambda f: np.clip(f + rng.normal(0, 0.05, f.shape), 0, 1).astype(np.float32)  # noqa: E731
    results = bench.measure(frames, flicker, weights=(0.0, 0.6))
    assert results[0.6]["warping_error"] < results[0.0]["warping_error"]
    assert results[0.0]["flow_seconds"] == 0.0 and results[0.6]["flow_seconds"] > 0
    strip = bench.frame_strip([("a", frames), ("b", results[0.6]["outputs"])], [1, 2], tile=24)
    assert strip.size == (2 * 32 + 4, 2 * 24 + 4)
