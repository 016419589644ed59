"""The real train_pix2pix.py, train_cyclegan.py and train_dcgan.py: a short run, resume,
bad input as one line (the other bad settings are checked in-process, in
tests/models/test_gan_settings.py: each CLI start costs seconds)."""

import json

import numpy as np
import pytest
from PIL import Image

from tests.conftest import assert_one_line_error, run_cli, write_image

TINY = ["--image_size", "16", "--filters", "4", "--discriminator_filters", "4"]
TINY += ["--receptive_field", "16", "--sample_every", "1", "--mixed_precision", "float32"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    for name, count in (("photos", 3), ("paintings", 2)):
        (root / name).mkdir()
        for i in range(count):
            write_image(root / name / f"{i}.png", np.random.default_rng(i), size=(30, 24))
    (root / "empty").mkdir()
    (root / "other").mkdir()
    write_image(root / "other" / "unmatched.png")
    return root


def _refused(script, tmp_path, cases, names=None):
    """Each case: one error line, non-zero exit, no run folder; with `names`, the line
    of case i mentions names[i] (None: anything)."""
    for args, name in zip(cases, names or [None] * len(cases), strict=True):
        result = run_cli(script, "--output_dir", tmp_path / "bad", *args)
        assert_one_line_error(result)
        assert name is None or name in result.stderr, (name, result.stderr)
        assert not (tmp_path / "bad").exists(), args


def test_train_cyclegan_runs_resumes_and_refuses_bad_input(tmp_path, folders):
    out = tmp_path / "cyclegan"
    args = ["--a_dir", folders / "photos", "--b_dir", folders / "paintings", *TINY]
    args += ["--generator_blocks", "1", "--pool_size", "2"]
    first = run_cli("train_cyclegan.py", "--output_dir", out, *args, "--steps", "2")
    assert first.returncode == 0, first.stderr
    assert "img/s" in first.stdout and "cycle" in first.stdout
    again = run_cli("train_cyclegan.py", "--output_dir", out, *args, "--steps", "3")
    assert again.returncode == 0, again.stderr
    assert "resuming" in again.stdout
    config = json.loads((out / "config.json").read_text())
    assert config["family"] == "cyclegan" and config["a_images"] == 3 and config["b_images"] == 2
    grid = Image.open(sorted((out / "samples").iterdir())[-1])
    assert grid.size == (2 * 16, 6 * 16)
    _refused(
        "train_cyclegan.py",
        tmp_path,
        [
            ["--a_dir", folders / "photos"],  # no --b_dir
            ["--a_dir", folders / "photos", "--b_dir", folders / "nope"],
        ],
        [None, "--b_dir"],
    )
    # A resume with other settings is refused, and the run is left as it was.
    changed = run_cli("train_cyclegan.py", "--output_dir", out, *args, "--cycle_weight", "5")
    assert_one_line_error(changed)
    assert "cycle_weight" in changed.stderr


def test_train_pix2pix_runs_and_refuses_bad_input(tmp_path, folders):
    out = tmp_path / "pix2pix"
    args = ["--pairs_from", "edges", "--content_dir", folders / "photos", *TINY]
    result = run_cli(
        "train_pix2pix.py", "--output_dir", out, *args, "--num_downs", "3", "--steps", "2"
    )
    assert result.returncode == 0, result.stderr
    assert (out / "generator.keras").exists() and "l1" in result.stdout
    photos, other = folders / "photos", folders / "other"
    _refused(
        "train_pix2pix.py",
        tmp_path,
        [
            [],  # no source of pairs
            ["--a_dir", photos, "--b_dir", other],  # no names in common
        ],
    )


def test_train_dcgan_offline_digits_and_bad_input(tmp_path, folders):
    out = tmp_path / "dcgan"
    args = ["--dataset", "synthetic_digits", "--synthetic_count", "40", "--batch_size", "8"]
    args += ["--image_size", "16", "--filters", "4", "--discriminator_filters", "4"]
    args += ["--latent_dim", "8", "--steps", "2", "--sample_every", "1"]
    result = run_cli("train_dcgan.py", "--output_dir", out, *args)
    assert result.returncode == 0, result.stderr
    assert "drawing 40 synthetic digits" in result.stdout
    assert (out / "generator.keras").exists() and len(
        list((out / "synthetic_digits").glob("*.png"))
    ) == 40
    assert Image.open(sorted((out / "samples").iterdir())[-1]).size == (8 * 16, 8 * 16)
    _refused(
        "train_dcgan.py",
        tmp_path,
        [
            ["--data_dir", folders / "photos", "--image_size", "24"],
            ["--data_dir", folders / "nope"],
        ],
        [None, "--data_dir"],
    )


def test_train_cartoongan_runs_and_refuses_bad_input(tmp_path, folders):
    out = tmp_path / "cartoongan"
    args = ["--photo_dir", folders / "photos", "--cartoon_dir", folders / "paintings"]
    args += ["--image_size", "16", "--filters", "4", "--discriminator_filters", "4"]
    args += ["--generator_blocks", "1", "--batch_size", "2", "--init_steps", "1"]
    args += ["--vgg_weights", "none", "--mixed_precision", "float32", "--steps", "2"]
    result = run_cli("train_cartoongan.py", "--output_dir", out, *args)
    assert result.returncode == 0, result.stderr
    assert "smoothing the edges of 2 cartoon images" in result.stdout
    config = json.loads((out / "config.json").read_text())
    assert config["family"] == "cartoongan" and config["generator_blocks"] == 1
    assert (out / "generator.keras").exists() and (out / "smoothed_cartoons").is_dir()
    _refused(
        "train_cartoongan.py",
        tmp_path,
        [
            ["--photo_dir", folders / "photos"],
            ["--photo_dir", folders / "photos", "--cartoon_dir", folders / "nope"],
        ],
        [None, "--cartoon_dir"],
    )
