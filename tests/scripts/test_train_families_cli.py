"""The real train_cin.py, train_adain.py and train_metanet.py: short runs, resume, bad input."""

import json
import os

import numpy as np
import pytest

from tests.conftest import assert_one_line_error, run_cli, write_image

COMMON = ["--batch_size", "2", "--vgg_weights", "none", "--sample_every", "2"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    for name, count in (("photos", 3), ("paintings", 2)):
        (root / name).mkdir()
        for i in range(count):
            write_image(root / name / f"{i}.png", np.random.default_rng(i), size=(52, 48))
    (root / "empty").mkdir()
    return root


def _run(script, out, *args):
    return run_cli(script, "--output_dir", out, *COMMON, *args)


def _assert_refused(script, tmp_path, cases, names=None):
    """Each case: one error line, non-zero exit, and no run folder left behind; with
    `names`, the line of case i mentions names[i] (None: anything)."""
    for extra, name in zip(cases, names or [None] * len(cases), strict=True):
        result = _run(script, tmp_path / "bad", *extra)
        assert_one_line_error(result)
        assert name is None or name in result.stderr, (name, result.stderr)
        assert not (tmp_path / "bad").exists()


# Three training runs (~70 s): `make test-slow`; adding a style is checked in the library
# (tests/models/cin), resume for every family by the shared loop's tests.
@pytest.mark.slow
def test_train_cin_runs_resumes_and_adds_a_style(tmp_path, folders):
    out = tmp_path / "cin"
    args = ["--styles", "mosaic,candy", "--content_dir", folders / "photos", "--image_size", "32"]
    args += ["--preset", "lite_025"]
    first = _run("train_cin.py", out, *args, "--steps", "2")
    assert first.returncode == 0, first.stderr
    assert "styles: 0:mosaic, 1:candy" in first.stdout
    second = _run("train_cin.py", out, *args, "--steps", "3")
    assert second.returncode == 0 and "resuming" in second.stdout, second.stderr
    assert json.loads((out / "config.json").read_text())["family"] == "cin"
    plus = _run(
        "train_cin.py",
        tmp_path / "plus",
        "--add_style",
        "wave",
        "--from",
        out,
        "--content_dir",
        folders / "photos",
        "--image_size",
        "32",
        "--steps",
        "1",
    )
    assert plus.returncode == 0, plus.stderr
    assert "2:wave" in plus.stdout
    bad = [
        ["--content_dir", folders / "photos"],  # no --styles
        ["--styles", "mosaic,no_such_style", "--content_dir", folders / "photos"],
        ["--add_style", "wave", "--content_dir", folders / "photos"],  # no --from
        ["--add_style", "wave", "--from", tmp_path, "--content_dir", folders / "photos"],
        ["--styles", "mosaic", "--content_dir", folders / "empty"],
        ["--styles", "mosaic", "--content_dir", folders / "photos", "--image_size", "30"],
    ]
    _assert_refused("train_cin.py", tmp_path, bad)


def test_train_adain_runs_and_refuses_bad_input(tmp_path, folders):
    out = tmp_path / "adain"
    args = ["--content_dir", folders / "photos", "--style_dir", folders / "paintings"]
    args += ["--image_size", "32", "--decoder_width", "0.125", "--steps", "2"]
    result = _run("train_adain.py", out, *args)
    assert result.returncode == 0, result.stderr
    assert "img/s" in result.stdout and (out / "generator.keras").exists()
    assert os.listdir(out / "samples")
    bad = [
        ["--content_dir", folders / "photos"],  # no --style_dir
        ["--content_dir", folders / "photos", "--style_dir", folders / "nope"],
        ["--content_dir", folders / "photos", "--style_dir", folders / "empty"],
        [
            "--content_dir",
            folders / "photos",
            "--style_dir",
            folders / "paintings",
            "--image_size",
            "36",
        ],
        [
            "--content_dir",
            folders / "photos",
            "--style_dir",
            folders / "paintings",
            "--vgg",
            "vgg16",
        ],
        [
            "--content_dir",
            folders / "photos",
            "--style_dir",
            folders / "paintings",
            "--preset",
            "x",
        ],
    ]
    names = [None, "--style_dir", "--style_dir", None, None, None]
    _assert_refused("train_adain.py", tmp_path, bad, names)


def test_train_metanet_runs_and_refuses_bad_input(tmp_path, folders):
    out = tmp_path / "meta"
    args = ["--content_dir", folders / "photos", "--style_dir", folders / "paintings"]
    args += ["--preset", "paper", "--image_size", "48", "--hidden_per_group", "4"]
    args += ["--steps_per_style", "1", "--steps", "2"]
    result = _run("train_metanet.py", out, *args)
    assert result.returncode == 0, result.stderr
    assert "meta network input statistics from 2 paintings" in result.stdout
    config = json.loads((out / "config.json").read_text())
    assert config["family"] == "metanet" and config["vgg"] == "vgg16"
    # A resume restores the statistics from its checkpoint instead of recomputing them.
    resumed = _run("train_metanet.py", out, *args[:-1], "3")
    assert resumed.returncode == 0 and "resuming" in resumed.stdout, resumed.stderr
    assert "input statistics" not in resumed.stdout
    bad = [
        [
            "--content_dir",
            folders / "photos",
            "--style_dir",
            folders / "paintings",
            "--image_size",
            "32",
            "--preset",
            "paper",
        ],
        ["--content_dir", folders / "photos", "--style_dir", folders / "empty"],
        [
            "--content_dir",
            folders / "photos",
            "--style_dir",
            folders / "paintings",
            "--steps_per_style",
            "0",
        ],
        ["--content_dir", folders / "photos"],
    ]
    _assert_refused("train_metanet.py", tmp_path, bad)
