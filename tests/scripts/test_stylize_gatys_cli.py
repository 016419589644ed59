"""The real `scripts/stylize_gatys.py` in a subprocess: good runs and every bad input."""

import os

import numpy as np
import pytest
from PIL import Image

from tests.conftest import assert_one_line_error, run_cli, write_image

SCRIPT = "stylize_gatys.py"
FAST = ["--image_size", "32", "--steps", "2", "--vgg_weights", "none"]


@pytest.fixture
def photo(tmp_path):
    return write_image(tmp_path / "photo.png", size=(40, 32))


def test_stylize_writes_the_output(tmp_path, photo):
    out = tmp_path / "out.png"
    result = run_cli(
        SCRIPT,
        "--content",
        photo,
        "--style",
        "mosaic,candy",
        "--style_weights",
        "0.7,0.3",
        "--output",
        out,
        "--save_every",
        "1",
        *FAST,
    )
    assert result.returncode == 0, result.stderr
    assert Image.open(out).size == (32, 26)
    assert (tmp_path / "out.stage0.step00002.png").exists()
    assert "2/2" in result.stdout and "loss" in result.stdout


def test_texture_and_invert_modes(tmp_path, photo):
    texture = run_cli(
        SCRIPT, "--mode", "texture", "--style", "wave", "--output", tmp_path / "t.png", *FAST
    )
    assert texture.returncode == 0, texture.stderr
    assert Image.open(tmp_path / "t.png").size == (32, 32)
    invert = run_cli(
        SCRIPT,
        "--mode",
        "invert",
        "--content",
        photo,
        "--layer",
        "relu2_1",
        "--output",
        tmp_path / "i.png",
        "--optimizer",
        "adam",
        *FAST,
    )
    assert invert.returncode == 0, invert.stderr


def _truncated(tmp_path):
    path = write_image(tmp_path / "full.jpg", size=(64, 64))
    data = open(path, "rb").read()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    return tmp_path / "cut.jpg"


BAD_CASES = {
    "missing content": lambda t, p: ["--content", t / "none.jpg", "--style", "mosaic"],
    "corrupt content": lambda t, p: ["--content", _text(t, "c.jpg"), "--style", "mosaic"],
    "truncated style": lambda t, p: ["--content", p, "--style", _truncated(t)],
    "unknown style": lambda t, p: ["--content", p, "--style", "mosaik"],
    "unknown layer": lambda t, p: ["--mode", "invert", "--content", p, "--layer", "relu9_1"],
    "bad weights count": lambda t, p: ["--content", p, "--style", "wave", "--style_weights", "1,2"],
    "bad weights text": lambda t, p: ["--content", p, "--style", "wave", "--style_weights", "a"],
    "no style": lambda t, p: ["--content", p],
    "no content": lambda t, p: ["--style", "wave"],
    "bad init file": lambda t, p: ["--content", p, "--style", "wave", "--init", t / "x.png"],
    "vgg file missing": lambda t, p: [
        "--content",
        p,
        "--style",
        "wave",
        "--vgg_weights",
        t / "v.h5",
    ],
    "wrong vgg file": lambda t, p: ["--content", p, "--style", "wave", "--vgg_weights", p],
}


def _text(tmp_path, name):
    (tmp_path / name).write_text("not an image")
    return tmp_path / name


# Each case is a program start (~4 s); the rarer ones run with `make test-slow`.
SLOW_CASES = {
    "unknown layer",
    "bad weights count",
    "bad weights text",
    "no style",
    "no content",
    "vgg file missing",
    "bad init file",
}


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=pytest.mark.slow) if c in SLOW_CASES else c for c in sorted(BAD_CASES)],
)
def test_bad_input_one_line_no_output(tmp_path, photo, case):
    out = tmp_path / "out.png"
    args = [str(a) for a in BAD_CASES[case](tmp_path, photo)]
    if "--vgg_weights" not in args:
        args += ["--vgg_weights", "none"]
    result = run_cli(SCRIPT, *args, "--output", out, "--image_size", "32", "--steps", "1")
    assert_one_line_error(result)
    assert not out.exists()
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]


@pytest.mark.parametrize(
    "flags",
    [
        ["--steps", "abc"],
        pytest.param(["--steps", "0"], marks=pytest.mark.slow),
        pytest.param(["--optimizer", "sgd"], marks=pytest.mark.slow),
        pytest.param(["--image_size", "8"], marks=pytest.mark.slow),
        ["--no_such_flag"],
        pytest.param(["stray_positional"], marks=pytest.mark.slow),
    ],
)
def test_bad_flags(tmp_path, photo, flags):
    out = tmp_path / "out.png"
    result = run_cli(SCRIPT, "--content", photo, "--style", "wave", "--output", out, *flags)
    assert_one_line_error(result)
    assert not out.exists()


def test_missing_output_flag(photo):
    assert_one_line_error(run_cli(SCRIPT, "--content", photo, "--style", "wave"))


def test_existing_output_is_not_overwritten(tmp_path, photo):
    out = tmp_path / "out.png"
    Image.new("RGB", (5, 5), (1, 2, 3)).save(out)
    before = out.read_bytes()
    result = run_cli(SCRIPT, "--content", photo, "--style", "wave", "--output", out, *FAST)
    assert_one_line_error(result)
    assert "--overwrite" in result.stderr
    assert out.read_bytes() == before
    result = run_cli(
        SCRIPT, "--content", photo, "--style", "wave", "--output", out, "--overwrite", *FAST
    )
    assert result.returncode == 0, result.stderr
    assert np.asarray(Image.open(out)).shape == (26, 32, 3)


def test_bad_output_extension(tmp_path, photo):
    result = run_cli(
        SCRIPT, "--content", photo, "--style", "wave", "--output", tmp_path / "o.gif", *FAST
    )
    assert_one_line_error(result)
