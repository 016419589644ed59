"""Optical flow between frames, warping by it, and where it can be trusted.

Convention: `flow = estimator(a, b)` is the flow *from a to b*, (H, W, 2) as (dx, dy):
the content at pixel x of `a` is at x + flow(x) in `b`, so `warp(b, flow)` looks like
`a`. To bring the previous frame's output to the current frame, estimate the flow
from the current frame to the previous one and warp the previous output by it.
"""

import cv2
import numpy as np

from tfstyle.errors import InvalidArgumentError


class FlowEstimator:
    """The interface: `__call__(a, b)` -> (H, W, 2) float32 flow from `a` to `b`, both
    (H, W, 3) RGB float32 in [0, 1]. Subclass it for another method (RAFT, PWC-Net...)."""

    name = "flow"

    def __call__(self, a, b):
        raise NotImplementedError


class DISFlow(FlowEstimator):
    """OpenCV's Dense Inverse Search (Kroeger et al., ECCV 2016) on the luma channel: a
    few milliseconds per 512 px frame on one CPU core.

    Args:
        preset: "ultrafast", "fast" or "medium" (OpenCV's presets; medium is the most
            accurate).
    """

    name = "dis"
    PRESETS = {
        "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
        "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
        "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
    }

    def __init__(self, preset="medium"):
        if preset not in self.PRESETS:
            raise InvalidArgumentError(
                f"DIS preset must be one of {', '.join(self.PRESETS)}, got '{preset}'"
            )
        self.preset = preset
        self._dis = cv2.DISOpticalFlow_create(self.PRESETS[preset])

    def __call__(self, a, b):
        return self._dis.calc(_gray(a), _gray(b), None).astype(np.float32)


def _gray(image):
    image = np.asarray(image)
    if image.dtype != np.uint8:
        image = (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)


def _grid(flow):
    h, w = flow.shape[:2]
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return xs + flow[..., 0], ys + flow[..., 1]


def warp(image, flow, sharp=False):
    """`image` sampled at x + flow(x) (bilinear, or bicubic with `sharp`; outside the
    frame: the border value). With `flow` from a to b, `warp(b, flow)` is b brought to
    a's positions."""
    map_x, map_y = _grid(np.asarray(flow, np.float32))
    return cv2.remap(
        np.asarray(image, np.float32),
        map_x,
        map_y,
        interpolation=cv2.INTER_CUBIC if sharp else cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )


def reliable(flow_ab, flow_ba):
    """(H, W) float32 mask, 1 where `flow_ab` (from a to b) can be trusted: the pixel
    lands inside b and the backward flow brings it back (Sundaram et al., ECCV 2010, as
    Ruder et al. use it): |w + w_back|^2 <= 0.01 (|w|^2 + |w_back|^2) + 0.5, where
    w_back is `flow_ba` sampled at x + w. 0 marks occlusions and disocclusions."""
    flow_ab, flow_ba = np.asarray(flow_ab, np.float32), np.asarray(flow_ba, np.float32)
    back = warp(flow_ba, flow_ab)
    total = np.sum((flow_ab + back) ** 2, axis=-1)
    magnitude = np.sum(flow_ab**2, axis=-1) + np.sum(back**2, axis=-1)
    consistent = total <= 0.01 * magnitude + 0.5
    map_x, map_y = _grid(flow_ab)
    h, w = flow_ab.shape[:2]
    inside = (map_x >= 0) & (map_x <= w - 1) & (map_y >= 0) & (map_y <= h - 1)
    return (consistent & inside).astype(np.float32)
