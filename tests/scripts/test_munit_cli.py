"""The real train_munit.py and stylize.py on a MUNIT run, and its export: random styles
in a grid, example-guided translation that follows the reference (not the seed), every
endpoint in every format, bad input as one line."""

import json

import numpy as np
import pytest
from PIL import Image

from tests.conftest import assert_one_line_error, run_cli, write_image
from tfstyle.io import load_image

TINY = ["--image_size", "16", "--filters", "4", "--num_blocks", "1", "--mlp_dim", "8"]
TINY += ["--discriminator_filters", "4", "--discriminator_scales", "2"]
TINY += ["--discriminator_layers", "2", "--mixed_precision", "float32"]


@pytest.fixture(scope="module")
def munit_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("munit")
    for name, count in (("photos", 3), ("paintings", 2)):
        (root / name).mkdir()
        for i in range(count):
            write_image(root / name / f"{i}.png", np.random.default_rng(i + 7 * count), (40, 36))
    out = root / "run"
    result = run_cli(
        "train_munit.py",
        "--a_dir",
        root / "photos",
        "--b_dir",
        root / "paintings",
        "--output_dir",
        out,
        "--steps",
        "2",
        "--sample_every",
        "2",
        *TINY,
    )
    assert result.returncode == 0, result.stderr
    return root


def test_training_writes_the_run_and_refuses_bad_settings(munit_run, tmp_path):
    out = munit_run / "run"
    config = json.loads((out / "config.json").read_text())
    assert config["family"] == "munit" and config["a_images"] == 3 and config["b_images"] == 2
    assert config["cycle_weight"] == 10.0 and config["learning_rate"] == 1e-4
    # Rows: A, its reconstruction, two random styles; the same for B. Two images each.
    grid = Image.open(sorted((out / "samples").iterdir())[-1])
    assert grid.size == (2 * 16, 8 * 16)
    data = ["--a_dir", munit_run / "photos", "--b_dir", munit_run / "paintings"]
    for args in (
        ["--a_dir", munit_run / "photos"],  # no --b_dir
        [*data, "--image_size", "32"],  # 3 scales of 4 layers need 64 px
    ):
        result = run_cli("train_munit.py", "--output_dir", tmp_path / "bad", *args)
        assert_one_line_error(result)
        assert not (tmp_path / "bad").exists(), args


def _stylize(model, photo, out, *args):
    result = run_cli("stylize.py", "--model", model, "--input", photo, "--output", out, *args)
    assert result.returncode == 0, result.stderr
    return load_image(out)


# Four stylize.py starts on a trained run (~50 s): `make test-slow`; MUNIT's endpoints
# and codes are checked in the library tests.
@pytest.mark.slow
def test_random_styles_grid_and_example_guided_translation(munit_run, tmp_path):
    run = munit_run / "run"
    photo = write_image(tmp_path / "photo.png", np.random.default_rng(1), (28, 20))
    grid = _stylize(run, photo, tmp_path / "grid.png", "--samples", "3", "--seed", "4")
    assert grid.shape == (20, 4 * 28, 3)  # input | three random styles
    np.testing.assert_allclose(grid[:, :28], load_image(photo), atol=1 / 255)
    styles = [grid[:, 28 * (i + 1) : 28 * (i + 2)] for i in range(3)]
    assert not np.array_equal(styles[0], styles[1])
    # Example-guided: the reference decides the output, the seed does not.
    refs = [
        write_image(tmp_path / f"ref{i}.png", np.random.default_rng(40 + i), (32, 32))
        for i in range(2)
    ]
    first = _stylize(run, photo, tmp_path / "r0.png", "--style", refs[0], "--direction", "b_to_a")
    other_seed = _stylize(
        run, photo, tmp_path / "r0s.png", "--style", refs[0], "--direction", "b_to_a", "--seed", "9"
    )
    other_ref = _stylize(
        run, photo, tmp_path / "r1.png", "--style", refs[1], "--direction", "b_to_a"
    )
    np.testing.assert_array_equal(first, other_seed)
    assert not np.array_equal(first, other_ref)
    for args in (
        ["--style", f"{refs[0]},{refs[1]}"],  # one reference at most
        ["--style", str(tmp_path / "missing.png")],
    ):
        result = run_cli(
            "stylize.py", "--model", run, "--input", photo, "--output", tmp_path / "x.png", *args
        )
        assert_one_line_error(result)
        assert not (tmp_path / "x.png").exists(), args
