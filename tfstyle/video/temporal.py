"""Temporal consistency for feed-forward networks, applied after the network: each
output is blended with the previous output carried along the optical flow, where the
flow can be trusted; and the warping error that measures what is left.

Stylising frames one by one makes them flicker: small changes in a frame move the
strokes. Blending in the previous output, warped to the current frame, keeps what
did not move (Ruder et al.'s idea of reusing the previous result; here post hoc, so it
serves every network and export format). Occluded and disoccluded pixels (the flow's
forward-backward check fails) keep the current output.
"""

import dataclasses

import cv2
import numpy as np

from tfstyle.errors import InvalidArgumentError
from tfstyle.video.flow import DISFlow, reliable, warp


@dataclasses.dataclass
class PairFlow:
    """The flow from the current frame back to the previous one and its reliability."""

    backward: np.ndarray  # (H, W, 2): current -> previous
    mask: np.ndarray  # (H, W): 1 where `backward` is trusted

    @classmethod
    def between(cls, estimator, previous, current):
        backward = estimator(current, previous)
        forward = estimator(previous, current)
        return cls(backward, reliable(backward, forward))

    def at_size(self, height, width):
        """The flow for an output of another size (an upscaler's), in its pixels."""
        h, w = self.mask.shape
        if (h, w) == (height, width):
            return self
        scale = np.array([width / w, height / h], np.float32)
        backward = cv2.resize(self.backward, (width, height), interpolation=cv2.INTER_LINEAR)
        mask = cv2.resize(self.mask, (width, height), interpolation=cv2.INTER_NEAREST)
        return PairFlow(backward * scale, mask)


class TemporalBlender:
    """out_t = (1 - w M) stylised_t + w M warp(out_{t-1}), M the flow's reliability.

    Args:
        weight: w in [0, 1): 0 is per-frame stylisation; larger keeps more of the past
            (0.5 by default: flicker is averaged over about two frames).
    """

    def __init__(self, weight=0.5):
        if not 0.0 <= weight < 1.0:
            raise InvalidArgumentError(f"temporal weight must be in [0, 1), got {weight}")
        self.weight = float(weight)
        self.previous = None

    def __call__(self, stylized, pair_flow=None):
        """The blended output for this frame; `pair_flow` is None on the first frame."""
        stylized = np.asarray(stylized, np.float32)
        if self.weight and pair_flow is not None and self.previous is not None:
            flow = pair_flow.at_size(*stylized.shape[:2])
            # Bicubic: the carried output is resampled every frame, and bilinear
            # resampling compounds into blur.
            carried = np.clip(warp(self.previous, flow.backward, sharp=True), 0.0, 1.0)
            m = (self.weight * flow.mask)[..., None]
            stylized = (1.0 - m) * stylized + m * carried
        self.previous = stylized
        return stylized


class WarpingError:
    """The warping error of Lai et al. (ECCV 2018, "Learning Blind Video Temporal
    Consistency"): for each pair of consecutive frames, the squared difference between
    the current output and the previous output warped to it (flow computed on the input
    frames), summed over RGB and averaged over the pixels where the flow is reliable;
    then the mean over pairs. 0 for outputs that move exactly with the input.

    Feed it every frame in order: `update(frame, output, pair_flow)`.
    """

    def __init__(self):
        self.total, self.pairs = 0.0, 0
        self.previous = None

    def update(self, output, pair_flow=None):
        output = np.asarray(output, np.float32)
        if self.previous is not None and pair_flow is not None:
            flow = pair_flow.at_size(*output.shape[:2])
            carried = warp(self.previous, flow.backward)
            pixels = float(flow.mask.sum())
            if pixels > 0:
                squared = np.sum((output - carried) ** 2, axis=-1)
                self.total += float(np.sum(squared * flow.mask)) / pixels
                self.pairs += 1
        self.previous = output

    def result(self):
        """The mean over pairs (None before two frames)."""
        return self.total / self.pairs if self.pairs else None


def stylize_frames(frames, stylize, weight=0.5, estimator=None, measure=False, seed=None):
    """Yields (output, pair warping error so far) for each frame of `frames`.

    Args:
        frames: an iterable of (H, W, 3) frames in [0, 1].
        stylize: frame -> stylised frame.
        weight: the temporal blending weight (0: per-frame).
        estimator: a `FlowEstimator` (default: OpenCV's DIS, medium preset).
        measure: also compute the warping error of the outputs (yielded running mean).
        seed: (previous frame, its output) when resuming a clip after that frame.
    """
    estimator = estimator or DISFlow()
    blender, error = TemporalBlender(weight), WarpingError() if measure else None
    previous = None
    if seed is not None:
        previous, blender.previous = seed
        if error is not None:
            error.previous = blender.previous
    for frame in frames:
        need_flow = previous is not None and (weight or measure)
        pair = PairFlow.between(estimator, previous, frame) if need_flow else None
        out = blender(stylize(frame), pair)
        if error is not None:
            error.update(out, pair)
        previous = frame
        yield out, (error.result() if error is not None else None)


def warping_error(outputs, inputs, estimator=None):
    """The warping error of a stylised clip: `outputs` and `inputs` are iterables of
    frames (streamed, e.g. `tfstyle.io.video.read_frames`); the flow is computed on the
    inputs. Returns (error, frames); the error is None for fewer than two frames."""
    estimator = estimator or DISFlow()
    error, previous, count = WarpingError(), None, 0
    for out, frame in zip(outputs, inputs, strict=False):
        pair = PairFlow.between(estimator, previous, frame) if previous is not None else None
        error.update(out, pair)
        previous, count = frame, count + 1
    return error.result(), count
