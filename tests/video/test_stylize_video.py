"""Videos in and out: streaming decode/encode with the audio kept, frames folders with
resume, and scripts/stylize_video.py's output and one-line errors."""

import os
import subprocess

import numpy as np
import pytest

from tests.conftest import assert_one_line_error, run_cli, save_random_network, write_image
from tfstyle.errors import OutputExistsError, VideoError
from tfstyle.io.video import FrameWriter, frames_written, probe, read_frames


def _ffmpeg():
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """1 s of ffmpeg's moving test pattern at 10 fps, 64 x 48, with a 440 Hz tone."""
    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    subprocess.run(
        [_ffmpeg(), "-y", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10",
         "-f", "lavfi", "-i", "sine=frequency=440", "-t", "1", "-pix_fmt", "yuv420p",
         "-c:v", "libx264", "-c:a", "aac", str(path)],
        check=True,
    )  # fmt: skip
    return str(path)


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    return save_random_network(str(tmp_path_factory.mktemp("net")))


def test_frames_stream_through_a_written_video_with_its_audio(clip, tmp_path):
    info = probe(clip)
    assert info.size == (64, 48) and info.fps == 10 and info.audio
    frames = read_frames(clip)
    assert not isinstance(frames, list)  # a generator: one frame at a time
    out = tmp_path / "copy.mp4"
    with FrameWriter(out, fps=info.fps, audio_from=clip) as writer:
        for frame in frames:
            writer.write(frame)
    copy = probe(out)
    assert copy.size == (64, 48) and copy.audio and writer.count == 10
    first, again = next(read_frames(clip)), next(read_frames(out))
    assert np.abs(first - again).mean() < 0.03  # H.264 twice
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".")]  # no partial left


def test_a_failed_write_leaves_nothing_and_existing_outputs_are_kept(clip, tmp_path):
    out = tmp_path / "out.mp4"
    with pytest.raises(RuntimeError), FrameWriter(out, fps=10) as writer:
        writer.write(np.zeros((16, 16, 3), np.float32))
        raise RuntimeError("killed")
    assert os.listdir(tmp_path) == []
    out.write_bytes(b"keep")
    with pytest.raises(OutputExistsError):
        FrameWriter(out)
    assert out.read_bytes() == b"keep"


def test_a_killed_video_write_resumes_after_its_last_finished_segment(clip, tmp_path):
    frames = list(read_frames(clip))
    out = tmp_path / "out.mp4"
    with pytest.raises(KeyboardInterrupt), FrameWriter(out, fps=10, segment_frames=3) as writer:
        for frame in frames[:7]:
            writer.write(frame)
        raise KeyboardInterrupt  # killed during the third segment
    assert not out.exists()
    with FrameWriter(out, fps=10, audio_from=clip, segment_frames=3) as writer:
        assert writer.count == 6  # two finished segments; frame 6 is written again
        assert np.abs(writer.last_frame() - frames[5]).mean() < 0.03
        for frame in frames[writer.count :]:
            writer.write(frame)
    joined = probe(out)
    assert joined.audio and joined.size == (64, 48)
    again = list(read_frames(out))
    assert len(again) == 10 and np.abs(again[8] - frames[8]).mean() < 0.03
    assert os.listdir(tmp_path) == ["out.mp4"]  # the segments are gone


def test_broken_and_missing_videos_are_one_clear_error(tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(200))
    for path in (broken, tmp_path / "missing.mp4"):
        with pytest.raises(VideoError):
            probe(path)


def test_frames_folders_in_and_out(tmp_path):
    frames = tmp_path / "frames"
    frames.mkdir()
    for i in range(3):
        write_image(frames / f"{i:03d}.png", np.random.default_rng(i), size=(20, 12))
    assert probe(frames).frames == 3
    out = tmp_path / "out"
    with FrameWriter(out) as writer:
        for frame in read_frames(frames, start=1):
            writer.write(frame)
    assert frames_written(out) == 2


def test_stylize_video_writes_the_clip_reports_and_resumes_a_frames_folder(clip, network, tmp_path):
    out = tmp_path / "styled.mp4"
    result = run_cli(
        "stylize_video.py", "--model", network, "--input", clip, "--output", out, "--report"
    )
    assert result.returncode == 0, result.stderr
    assert "warping error" in result.stdout and "frame/s" in result.stdout
    styled = probe(out)
    assert styled.size == (64, 48) and styled.audio
    judged = run_cli("evaluate.py", "--outputs", out, "--references", clip)
    assert judged.returncode == 0, judged.stderr
    assert "10 frames" in judged.stdout and "warping error" in judged.stdout
    # A frames folder killed after 4 frames resumes with the remaining 6.
    folder = tmp_path / "frames"
    first = run_cli(
        "stylize_video.py", "--model", network, "--input", clip, "--output", folder,
        "--max_frames", "4",
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert frames_written(folder) == 4
    resumed = run_cli("stylize_video.py", "--model", network, "--input", clip, "--output", folder)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming" in resumed.stdout and frames_written(folder) == 10


def test_stylize_video_bad_inputs_are_one_line_and_write_nothing(clip, network, tmp_path):
    not_video = write_image(tmp_path / "photo.png")
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all")
    existing = tmp_path / "exists.mp4"
    existing.write_bytes(b"keep")
    for args in (
        ["--input", not_video, "--output", tmp_path / "a.mp4"],
        ["--input", broken, "--output", tmp_path / "b.mp4"],
        ["--input", clip, "--output", existing],
        ["--input", clip, "--output", tmp_path / "c.txt"],
    ):
        assert_one_line_error(run_cli("stylize_video.py", "--model", network, *args))
    assert sorted(os.listdir(tmp_path)) == ["broken.mp4", "exists.mp4", "photo.png"]
    assert existing.read_bytes() == b"keep"
