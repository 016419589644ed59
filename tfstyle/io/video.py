"""Reading and writing videos frame by frame, never a whole clip in memory.

Decoding and encoding go through the ffmpeg binary that the `imageio-ffmpeg` wheel
ships (no system ffmpeg needed). A "video" may also be a folder of frames (sorted
.png/.jpg files) in and out. Frames are float32 RGB in [0, 1], (H, W, 3), as every
image in the zoo.

Outputs are written to a hidden partial file next to the destination and moved into
place when complete; a failed or interrupted run leaves no half-written video.
"""

import os

import numpy as np
from PIL import Image

from tfstyle.errors import InvalidArgumentError, OutputExistsError, VideoError
from tfstyle.io.images import IMAGE_EXTENSIONS, list_images, load_image, save_image

VIDEO_EXTENSIONS = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".gif")
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
    if ext and ext not in VIDEO_EXTENSIONS:
        raise InvalidArgumentError(
            f"output '{path}' must be a video ({', '.join(VIDEO_EXTENSIONS)}) or a folder "
            "(no extension) for frames"
        )
    if ext and os.path.exists(path) and not overwrite:
        raise OutputExistsError(f"output '{path}' exists; pass --overwrite to replace it")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise InvalidArgumentError(f"cannot write '{path}': folder '{parent}' does not exist")
    return path


class FrameWriter:
    """Writes frames to a video file (H.264 in .mp4/.mov/.mkv, by extension) or to a
    folder of numbered PNGs; a context manager.

    A video goes to a hidden partial file first and is moved into place by `close()`
    after the last frame; leaving the `with` block on an exception removes it. Frames
    of odd width or height lose their last column/row (yuv420p needs even sizes).

    Args:
        path: the video file, or a folder (no extension) for frames.
        fps: frames per second of a video.
        audio_from: a video whose audio track is copied in (re-encoded to AAC).
        overwrite: replace an existing video / frames.
        start: frames already in the folder (a resumed folder output).
    """

    def __init__(self, path, fps=25.0, audio_from=None, overwrite=False, quality=8, start=0):
        self.path = check_video_output(path, overwrite)
        self.folder = not os.path.splitext(self.path)[1]
        self.fps, self.audio_from, self.overwrite = float(fps or 25.0), audio_from, overwrite
        self.quality, self.count = quality, int(start)
        self._encoder = self._partial = None
        if self.folder:
            os.makedirs(self.path, exist_ok=True)

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
        if self._encoder is None:
            self._start((w, h))
        elif (w, h) != self._size:
            raise VideoError(f"frame {self.count} is {w}x{h}, the video is {self._size}")
        try:
            self._encoder.send(pixels)
        except Exception as e:  # noqa: BLE001
            raise VideoError(f"cannot write video '{self.path}': {_first_line(e)}") from None
        self.count += 1

    def _start(self, size):
        head, name = os.path.split(os.path.abspath(self.path))
        self._partial = os.path.join(head, f".{name}.partial{os.path.splitext(name)[1]}")
        self._size = size
        audio = {}
        if self.audio_from and os.path.isfile(self.audio_from) and probe(self.audio_from).audio:
            audio = {"audio_path": self.audio_from, "audio_codec": "aac"}
        try:
            self._encoder = _ffmpeg().write_frames(
                self._partial,
                size,
                fps=self.fps,
                quality=self.quality,
                macro_block_size=1,
                ffmpeg_log_level="error",
                **audio,
            )
            self._encoder.send(None)  # start ffmpeg
        except VideoError:
            raise
        except Exception as e:  # noqa: BLE001
            raise VideoError(f"cannot write video '{self.path}': {_first_line(e)}") from None

    def close(self):
        """Finishes the video and moves it into place."""
        if self.folder or self._encoder is None:
            if not self.folder and self.count == 0:
                raise VideoError(f"no frames to write to '{self.path}'")
            return
        try:
            self._encoder.close()
        except Exception as e:  # noqa: BLE001
            self.abort()
            raise VideoError(f"cannot write video '{self.path}': {_first_line(e)}") from None
        self._encoder = None
        if os.path.exists(self.path) and not self.overwrite:
            self.abort()
            raise OutputExistsError(f"output '{self.path}' exists; pass --overwrite to replace it")
        os.replace(self._partial, self.path)

    def abort(self):
        """Stops the encoder and removes the partial file."""
        if self._encoder is not None:
            try:
                self._encoder.close()
            except Exception:  # noqa: BLE001, S110 - the file is removed anyway
                pass
            self._encoder = None
        if self._partial and os.path.exists(self._partial):
            os.remove(self._partial)

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None:
            self.close()
        else:
            self.abort()
        return False


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
