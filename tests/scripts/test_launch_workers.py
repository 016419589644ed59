"""Two MultiWorkerMirroredStrategy workers on 127.0.0.1 (scripts/launch_workers.py):
the chief writes the run; one process resumes it."""

import json
import os
import sys

import numpy as np
import pytest

from tests.conftest import REPO, assert_one_line_error, run_cli, write_image


# Two TensorFlow processes and a resume (~40 s): `make test-slow`; the mirrored check of
# tests/training/test_distribute.py runs in `make test`.
@pytest.mark.slow
def test_two_workers_train_then_one_process_resumes(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(4):
        write_image(photos / f"{i}.png", np.random.default_rng(i), size=(40, 36))
    out = tmp_path / "run"
    script = os.path.join(REPO, "scripts", "train_johnson.py")
    train = [sys.executable, script, "--style", "mosaic", "--content_dir", photos]
    train += ["--output_dir", out, "--batch_size", "4", "--image_size", "32"]
    train += ["--preset", "lite_025", "--vgg_weights", "none", "--checkpoint_every", "2"]
    result = run_cli("launch_workers.py", "--workers", "2", "--", *train, "--steps", "4")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "[worker 0] starting" in result.stdout and "(2 replicas)" in result.stdout
    assert "[worker 1] starting" not in result.stdout  # progress from the chief only
    assert sorted(f for f in os.listdir(out / "checkpoints") if f.endswith(".index")) == [
        "ckpt-2.index",
        "ckpt-4.index",
    ]
    assert not [f for f in os.listdir(out) if f.startswith(".worker_")]
    assert json.loads((out / "config.json").read_text())["distribute"] == "auto"
    resumed = run_cli("train_johnson.py", *train[2:], "--steps", "6")
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming" in resumed.stdout and "step 6: wrote" in resumed.stdout


def test_launch_workers_needs_a_command():
    assert_one_line_error(run_cli("launch_workers.py", "--workers", "2"))
