"""Video: optical flow between frames and temporal consistency of stylised clips.
Reading and writing clips lives in `tfstyle.io.video`; the warping error is here, next
to the flow it needs."""

from tfstyle.video.flow import DISFlow, FlowEstimator, reliable, warp
from tfstyle.video.temporal import (
    PairFlow,
    TemporalBlender,
    WarpingError,
    stylize_frames,
    warping_error,
)

__all__ = [
    "DISFlow",
    "FlowEstimator",
    "PairFlow",
    "TemporalBlender",
    "WarpingError",
    "reliable",
    "stylize_frames",
    "warp",
    "warping_error",
]
