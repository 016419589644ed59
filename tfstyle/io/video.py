"""Reading and writing videos frame by frame, never a whole clip in memory.

Decoding and encoding go through the ffmpeg binary that the `imageio-ffmpeg` wheel
ships (no system ffmpeg needed). A "video" may also be a folder of frames (sorted
.png/.jpg files) in and out. Frames are float32 RGB in [0, 1], (H, W, 3), as every
image in the zoo.

A video output is encoded in segments in a hidden folder next to the destination and
joined into place when complete: a failed or interrupted run leaves no half-written
video, and the next run continues after the last finished segment.
"""

import collections
import os
import shutil
import subprocess

import numpy as np
from PIL import Image

from tfstyle.errors import InvalidArgumentError, OutputExistsError, VideoError
from tfstyle.io.images import (
    IMAGE_EXTENSIONS,
    check_output_path,
    list_images,
    load_image,
    save_image,
)

VIDEO_EXTENSIONS = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".gif")
# What is written: H.264 in these containers. Segments are lossless (FFV1 in Matroska)
# and encoded once, when they are joined: one lossy encode, exact frame timing.
OUTPUT_EXTENSIONS = (".mp4", ".mov", ".mkv", ".m4v")
_SEGMENT_EXT = ".mkv"
FRAME_PATTERN = "frame_{:06d}.png"


def is_video_path(path):
    return os.path.splitext(os.fspath(path))[1].lower() in VIDEO_EXTENSIONS


class VideoInfo:
    """What a clip is: frame size, frame rate, an estimated frame count, audio."""

    def __init__(self, size, fps, frames, audio):
        self.size, self.fps, self.frames, self.audio = tuple(size), float(fps), frames, audio

    def __repr__(self):
        w, h = self.size
        return f"{w}x{h}, {self.fps:g} fps, ~{self.frames} frames, audio: {self.audio or 'none'}"


def _ffmpeg():
    try:
        import imageio_ffmpeg
    except ImportError:
        raise VideoError(
            "reading and writing videos needs imageio-ffmpeg (pip install imageio-ffmpeg); "
            "folders of frames work without it"
        ) from None
    return imageio_ffmpeg


def _first_line(error):
    lines = [line for line in str(error).strip().splitlines() if line.strip()]
    return (lines[-1] if lines else type(error).__name__)[:200]


def probe(path):
    """`VideoInfo` of a video file or a folder of frames.

    Raises:
        VideoError: missing, not a video, or unreadable.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        frames = list_images(path, recursive=False)
        if not frames:
            raise VideoError(f"folder '{path}' has no frames (.png/.jpg files)")
        first = load_image(frames[0])
        return VideoInfo((first.shape[1], first.shape[0]), 0.0, len(frames), None)
    if not os.path.exists(path):
        raise VideoError(f"video '{path}' does not exist")
    reader = _open(path)
    try:
        meta = next(reader)
    finally:
        reader.close()
    fps = float(meta.get("fps") or 0.0)
    duration = float(meta.get("duration") or 0.0)
    return VideoInfo(meta["size"], fps, int(round(duration * fps)) or None, meta.get("audio_codec"))


def _open(path):
    try:
        reader = _ffmpeg().read_frames(path)
        return _Guarded(reader, path)
    except VideoError:
        raise
    except Exception as e:  # noqa: BLE001 - imageio-ffmpeg raises IOError/RuntimeError
        raise VideoError(f"cannot read video '{path}': {_first_line(e)}") from None


class _Guarded:
    """A frame generator whose ffmpeg failures become one-line VideoErrors."""

    def __init__(self, generator, path):
        self.generator, self.path = generator, path

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self.generator)
        except StopIteration:
            raise
        except Exception as e:  # noqa: BLE001
            raise VideoError(f"cannot read video '{self.path}': {_first_line(e)}") from None

    def close(self):
        self.generator.close()


def read_frames(path, max_side=None, start=0):
    """Yields the frames of a video file or a folder of frames, one at a time.

    Args:
        max_side: downscale (Lanczos) frames whose longer side is larger.
        start: skip this many frames (a resumed run).
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        for frame_path in list_images(path, recursive=False)[start:]:
            yield load_image(frame_path, max_side=max_side)
        return
    reader = _open(path)
    try:
        meta = next(reader)
        width, height = meta["size"]
        for index, raw in enumerate(reader):
            if index < start:
                continue
            frame = np.frombuffer(raw, np.uint8).reshape(height, width, 3)
            if max_side and max(width, height) > max_side:
                scale = max_side / max(width, height)
                size = (max(1, round(width * scale)), max(1, round(height * scale)))
                frame = np.asarray(Image.fromarray(frame).resize(size, Image.LANCZOS))
            yield frame.astype(np.float32) / 255.0
    finally:
        reader.close()


def check_video_output(path, overwrite=False):
    """Validates a video file or frames-folder output before any work is done."""
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    if not ext:  # a folder of frames: resumed, or replaced with `overwrite`
        if os.path.exists(path) and not os.path.isdir(path):
            raise InvalidArgumentError(f"output '{path}' exists and is not a folder")
        return path
    if ext not in OUTPUT_EXTENSIONS:
        raise InvalidArgumentError(
            f"output '{path}' must be a video ({', '.join(OUTPUT_EXTENSIONS)}: H.264) or a "
            "folder (no extension) for frames"
        )
    return check_output_path(path, overwrite, extensions=OUTPUT_EXTENSIONS)


class FrameWriter:
    """Writes frames to a video file (H.264, container by extension) or to a folder of
    numbered PNGs; a context manager. Both resume after a crash.

    A video is encoded in segments of `segment_frames` frames in a hidden folder next to
    the destination (`.NAME.parts/`); a finished segment is never touched again. `close()`
    joins the segments without re-encoding (adding the audio track) and moves the video
    into place; a killed run leaves only finished segments, and the next run with the
    same destination continues after them (`count` says where). Leaving the `with`
    block on an exception keeps finished segments and drops the unfinished one. Frames
    of odd width or height lose their last column/row (yuv420p needs even sizes).

    Args:
        path: the video file, or a folder (no extension) for frames.
        fps: frames per second of a video.
        audio_from: a video whose audio track is copied in (re-encoded to AAC).
        overwrite: replace an existing video / frames and start from the first frame.
        crf: x264's constant rate factor (18: visually lossless; larger is smaller).
        segment_frames: frames per segment of a video.
    """

    def __init__(
        self, path, fps=25.0, audio_from=None, overwrite=False, crf=18, segment_frames=120
    ):
        self.path = check_video_output(path, overwrite)
        self.folder = not os.path.splitext(self.path)[1]
        self.fps, self.audio_from, self.overwrite = float(fps or 25.0), audio_from, overwrite
        self.crf, self.segment_frames = int(crf), int(segment_frames)
        self._encoder = self._size = None
        head, name = os.path.split(os.path.abspath(self.path))
        self.ext = os.path.splitext(name)[1]
        self.parts = os.path.join(head, f".{name}.parts")
        if self.folder:
            if overwrite and os.path.isdir(self.path):
                for old in _numbered_frames(self.path):
                    os.remove(os.path.join(self.path, old))
            os.makedirs(self.path, exist_ok=True)
            self.count = frames_written(self.path)
            return
        if overwrite and os.path.isdir(self.parts):
            shutil.rmtree(self.parts)
        os.makedirs(self.parts, exist_ok=True)
        for leftover in os.listdir(self.parts):  # an unfinished segment of a killed run
            if leftover.startswith("partial"):
                os.remove(os.path.join(self.parts, leftover))
        self.count = len(self._segments()) * self.segment_frames

    def _segments(self):
        return sorted(f for f in os.listdir(self.parts) if f.startswith("segment_"))

    def last_frame(self):
        """The last frame written (None when none): what a resumed run blends from."""
        if self.count == 0:
            return None
        if self.folder:
            return load_image(os.path.join(self.path, FRAME_PATTERN.format(self.count - 1)))
        frames = collections.deque(read_frames(os.path.join(self.parts, self._segments()[-1])), 1)
        return frames[0] if frames else None

    def write(self, frame):
        frame = np.asarray(frame, np.float32)
        if self.folder:
            target = os.path.join(self.path, FRAME_PATTERN.format(self.count))
            save_image(target, frame, overwrite=True)
            self.count += 1
            return
        h, w = frame.shape[0] // 2 * 2, frame.shape[1] // 2 * 2
        pixels = np.ascontiguousarray(
            (np.clip(frame[:h, :w], 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
        )
        if self._size is not None and (w, h) != self._size:
            raise VideoError(f"frame {self.count} is {w}x{h}, the video is {self._size}")
        if self._encoder is None:
            self._start((w, h))
        try:
            self._encoder.send(pixels)
        except Exception as e:  # noqa: BLE001
            raise VideoError(f"cannot write video '{self.path}': {_first_line(e)}") from None
        self.count += 1
        if self.count % self.segment_frames == 0:
            self._finish_segment()

    def _partial(self):
        return os.path.join(self.parts, f"partial{_SEGMENT_EXT}")

    def _start(self, size):
        self._size = size
        try:
            self._encoder = _ffmpeg().write_frames(
                self._partial(),
                size,
                fps=self.fps,
                codec="ffv1",
                pix_fmt_out="yuv444p",
                quality=None,
                macro_block_size=1,
                ffmpeg_log_level="error",
            )
            self._encoder.send(None)  # start ffmpeg
        except VideoError:
            raise
        except Exception as e:  # noqa: BLE001
            raise VideoError(f"cannot write video '{self.path}': {_first_line(e)}") from None

    def _finish_segment(self):
        try:
            self._encoder.close()
        except Exception as e:  # noqa: BLE001
            raise VideoError(f"cannot write video '{self.path}': {_first_line(e)}") from None
        self._encoder = None
        index = (self.count - 1) // self.segment_frames
        os.replace(self._partial(), os.path.join(self.parts, f"segment_{index:06d}{_SEGMENT_EXT}"))

    def close(self):
        """Finishes the last segment, joins them (with the audio) into the destination."""
        if self.folder:
            return
        if self._encoder is not None:
            self._finish_segment()
        segments = self._segments()
        if not segments:
            raise VideoError(f"no frames to write to '{self.path}'")
        if os.path.exists(self.path) and not self.overwrite:
            raise OutputExistsError(f"output '{self.path}' exists; pass --overwrite to replace it")
        listing = os.path.join(self.parts, "segments.txt")
        with open(listing, "w") as f:
            f.writelines(f"file '{name}'\n" for name in segments)
        joined = os.path.join(self.parts, f"joined{self.ext}")
        command = [_ffmpeg().get_ffmpeg_exe(), "-y", "-loglevel", "error"]
        command += ["-f", "concat", "-safe", "0", "-i", listing]
        audio = self.audio_from and os.path.isfile(self.audio_from) and probe(self.audio_from).audio
        if audio:
            command += ["-i", self.audio_from, "-map", "0:v:0", "-map", "1:a:0", "-c:a", "aac"]
            command += ["-shortest"]
        command += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", str(self.crf)]
        command += ["-r", f"{self.fps:g}", "-movflags", "+faststart", joined]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise VideoError(
                f"cannot write video '{self.path}': {_first_line(result.stderr or 'ffmpeg failed')}"
            )
        os.replace(joined, self.path)
        shutil.rmtree(self.parts)

    def abort(self):
        """Stops the encoder and drops the unfinished segment (finished ones stay)."""
        if self._encoder is not None:
            try:
                self._encoder.close()
            except Exception:  # noqa: BLE001, S110 - the file is removed anyway
                pass
            self._encoder = None
        if not self.folder and os.path.exists(self._partial()):
            os.remove(self._partial())
        if not self.folder and os.path.isdir(self.parts) and not self._segments():
            shutil.rmtree(self.parts)

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None:
            self.close()
        else:
            self.abort()
        return False


def _numbered_frames(path):
    return [f for f in os.listdir(path) if f.startswith("frame_") and f.endswith(".png")]


def frames_written(path):
    """How many frames a frames-folder output already holds (0 for a video)."""
    path = os.fspath(path)
    if os.path.splitext(path)[1] or not os.path.isdir(path):
        return 0
    names = {f for f in os.listdir(path) if f.lower().endswith(IMAGE_EXTENSIONS)}
    count = 0
    while FRAME_PATTERN.format(count) in names:
        count += 1
    return count
