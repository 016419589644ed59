"""Optical flow, warping, reliability masks and the warping error on synthetic clips
with a known motion."""

import cv2
import numpy as np
import pytest

from tfstyle.errors import InvalidArgumentError
from tfstyle.video import DISFlow, PairFlow, TemporalBlender, WarpingError, stylize_frames, warp

SHIFT = (3, 2)  # the camera pans right 3 px and down 2 px per frame


def _clip(count=4, size=(64, 80), shift=SHIFT):
    """Windows of a smooth random texture: the content moves by -shift per frame."""
    rng = np.random.default_rng(0)
    h, w = size
    big = cv2.GaussianBlur(rng.random((h + 40, w + 40, 3)).astype(np.float32), (0, 0), 2.0)
    big = (big - big.min()) / (big.max() - big.min())
    return [
        big[2 + t * shift[1] : 2 + t * shift[1] + h, 2 + t * shift[0] : 2 + t * shift[0] + w]
        for t in range(count)
    ]


def test_dis_flow_of_a_pan_is_the_pan_within_a_pixel():
    a, b = _clip(2)
    flow = DISFlow()(a, b)  # content of a at x is at x - shift in b
    inner = flow[8:-8, 8:-8]
    np.testing.assert_allclose(np.median(inner.reshape(-1, 2), axis=0), [-3, -2], atol=0.25)
    assert np.mean(np.abs(inner - [-3, -2]) < 1.0) > 0.95
    # Warping b by the flow gives back a (away from the border that left the view).
    np.testing.assert_allclose(warp(b, flow)[8:-8, 8:-8], a[8:-8, 8:-8], atol=0.06)


def test_reliability_mask_marks_the_region_uncovered_by_the_motion():
    previous, current = _clip(2)
    pair = PairFlow.between(DISFlow(), previous, current)
    # Current-frame pixels in the last 3 columns / 2 rows come from outside the previous frame.
    assert pair.mask[:, -2:].mean() < 0.1 and pair.mask[-1:, :].mean() < 0.1
    assert pair.mask[4:-6, 4:-6].mean() > 0.95


def test_an_identity_model_has_a_warping_error_near_zero_and_noise_does_not():
    frames = _clip(5)
    _, identity = list(stylize_frames(frames, lambda f: f, weight=0.0, measure=True))[-1]
    rng = np.random.default_rng(1)
    noisy = lambda f: np.clip(f + rng.normal(0, 0.05, f.shape), 0, 1).astype(np.float32)  # noqa: E731
    _, flicker = list(stylize_frames(frames, noisy, weight=0.0, measure=True))[-1]
    _, blended = list(stylize_frames(frames, noisy, weight=0.6, measure=True))[-1]
    assert identity < 2e-3
    assert flicker > 10 * identity
    assert blended < 0.6 * flicker  # temporal blending removes a good part of the flicker


def test_blending_keeps_the_current_output_where_the_flow_is_unreliable():
    blender = TemporalBlender(0.5)
    first = np.zeros((8, 8, 3), np.float32)
    blender(first)
    mask = np.zeros((8, 8), np.float32)
    mask[:, :4] = 1.0
    out = blender(np.ones((8, 8, 3), np.float32), PairFlow(np.zeros((8, 8, 2), np.float32), mask))
    np.testing.assert_allclose(out[:, :4], 0.5)
    np.testing.assert_allclose(out[:, 4:], 1.0)
    with pytest.raises(InvalidArgumentError, match="temporal weight"):
        TemporalBlender(1.0)


def test_flow_follows_an_upscalers_output_size():
    pair = PairFlow(np.full((4, 6, 2), [1.0, -2.0], np.float32), np.ones((4, 6), np.float32))
    scaled = pair.at_size(16, 24)
    assert scaled.backward.shape == (16, 24, 2)
    np.testing.assert_allclose(scaled.backward[5, 5], [4.0, -8.0])
    error = WarpingError()
    assert error.result() is None


def test_gatys_video_pulls_each_frame_towards_the_warped_previous_result():
    from tfstyle.models.gatys import GatysRunConfig, run_gatys_video
    from tfstyle.video import warping_error

    frames = _clip(3, size=(48, 64))
    style = np.random.default_rng(5).random((48, 48, 3)).astype(np.float32)
    config = GatysRunConfig(image_size=64, steps=10, vgg_weights=None, seed=0)
    logs = []
    temporal = list(
        run_gatys_video(frames, [style], config, later_steps=10, callback=lambda p: logs.append(p))
    )
    independent = list(
        run_gatys_video(frames, [style], config, temporal_weight=0.0, later_steps=10)
    )
    assert temporal[0].shape == (48, 64, 3)
    assert "temporal" in logs[-1]["logs"] and "temporal" not in logs[0]["logs"]
    with_term, _ = warping_error(temporal, frames)
    without, _ = warping_error(independent, frames)
    assert with_term < 0.5 * without, (with_term, without)
