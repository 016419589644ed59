"""The real `scripts/train_johnson.py`: a short run, resume on re-run, bad input."""

import json
import os

import numpy as np
import pytest

from tests.conftest import assert_one_line_error, run_cli, write_image

SCRIPT = "train_johnson.py"


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(4):
        write_image(folder / f"{i}.jpg", np.random.default_rng(i), size=(40, 36))
    (folder / "corrupt.jpg").write_text("nope")
    return folder


FAST = [
    "--image_size",
    "32",
    "--batch_size",
    "2",
    "--vgg_weights",
    "none",
    "--preset",
    "lite_025",
    "--checkpoint_every",
    "2",
    "--sample_every",
    "2",
]


def _train(photos, out, *extra, style="mosaic"):
    return run_cli(
        SCRIPT, "--style", style, "--content_dir", photos, "--output_dir", out, *extra, *FAST
    )


def test_train_then_resume_on_rerun(tmp_path, photos):
    out = tmp_path / "run"
    first = _train(photos, out, "--steps", "2")
    assert first.returncode == 0, first.stderr
    assert "skipped 1 unreadable" in first.stdout and "img/s" in first.stdout
    for name in ("config.json", "generator.keras", "generator.weights.h5"):
        assert (out / name).exists()
    config = json.loads((out / "config.json").read_text())
    assert config["style"] == "mosaic" and config["total_steps"] == 2
    assert config["style_size"] == 256  # fast-neural-style's painting size
    second = _train(photos, out, "--steps", "4")
    assert second.returncode == 0, second.stderr
    assert "resuming" in second.stdout
    assert "ckpt-4.index" in os.listdir(out / "checkpoints")
    assert sorted(os.listdir(out / "samples"))[-1] == "step_0000004.png"


def test_mixed_precision_and_epochs(tmp_path, photos, monkeypatch):
    # The CPU is told to have native bfloat16: auto picks it, whatever this machine is.
    monkeypatch.setenv("TFSTYLE_CPU_FLAGS", "avx2 avx512f avx512_bf16")
    out = tmp_path / "run"
    result = _train(photos, out, "--epochs", "1", style="wave")
    assert result.returncode == 0, result.stderr
    assert "precision mixed_bfloat16 (auto: CPU with AVX512_BF16" in result.stdout
    config = json.loads((out / "config.json").read_text())
    assert config["total_steps"] == 2  # 4 photos / 2
    assert config["precision_policy"] == "mixed_bfloat16"


def test_auto_precision_on_a_cpu_without_bfloat16(tmp_path, photos, monkeypatch):
    monkeypatch.setenv("TFSTYLE_CPU_FLAGS", "avx2 fma")
    result = _train(photos, tmp_path / "auto", "--steps", "1")
    assert result.returncode == 0, result.stderr
    assert "precision float32 (auto: this CPU has no native bfloat16" in result.stdout
    assert not result.stderr.strip()
    # Asked for bfloat16 anyway (the old bare flag): one warning line, then it trains.
    result = _train(photos, tmp_path / "bf16", "--steps", "1", "--mixed_precision")
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(warnings) == 1 and warnings[0].startswith("warning: --mixed_precision bf16")
    assert "precision mixed_bfloat16 (bf16: as asked)" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--style", "mosaik"],
        ["--style", "missing.jpg"],
        ["--style", "mosaic", "--content_dir", "/nonexistent/folder"],
        ["--style", "mosaic", "--image_size", "30"],
        ["--style", "mosaic", "--batch_size", "0"],
        ["--style", "mosaic", "--style_size", "8"],
        ["--style", "mosaic", "--style_size", "-1"],
        ["--style", "mosaic", "--input_noise", "-0.1"],
        ["--style", "mosaic", "--style_layers", "relu9_9"],
        ["--preset", "huge", "--style", "mosaic"],
        ["--content_dir", "x"],
        ["--style", "mosaic", "--vgg_weights", "/nonexistent/vgg.h5"],
    ],
)
def test_bad_input(tmp_path, photos, args):
    args = [a if a != "x" else str(photos) for a in args]
    if "--content_dir" not in args:
        args += ["--content_dir", str(photos)]
    out = tmp_path / "run"
    result = run_cli(
        SCRIPT, *args, "--output_dir", out, "--steps", "1", *[a for a in FAST if a not in args]
    )
    assert_one_line_error(result)
    assert not out.exists()


def test_resume_with_other_settings_is_refused(tmp_path, photos):
    out = tmp_path / "run"
    assert _train(photos, out, "--steps", "1").returncode == 0
    result = _train(photos, out, "--steps", "2", style="candy")
    assert_one_line_error(result)
    assert "mosaic" in result.stderr


def test_a_rate_drop_resumes_and_stays_the_runs(tmp_path, photos):
    """--lr_drop_fraction trains under a schedule (no rate variable in the optimiser's
    checkpoint): a longer resume with it works, a resume without it is refused."""
    out = tmp_path / "run"
    drop = ["--lr_drop_fraction", "0.5", "--content_layer", "block3_conv4"]
    assert _train(photos, out, "--steps", "2", *drop).returncode == 0
    resumed = _train(photos, out, "--steps", "4", *drop)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming" in resumed.stdout
    result = _train(photos, out, "--steps", "6", "--content_layer", "block3_conv4")
    assert_one_line_error(result)
    assert "lr_drop_fraction" in result.stderr


def test_objective_flag_defaults_are_the_library_defaults():
    # The flags repeat the defaults so that --help needs no TensorFlow; they must agree.
    import dataclasses

    from absl import flags

    from tfstyle.cli import PerceptualFlags
    from tfstyle.models.johnson.train import JohnsonTrainConfig
    from tfstyle.models.johnson.transformer_net import PRESETS

    values = flags.FlagValues()
    objective = PerceptualFlags(values)
    values(["train_johnson.py"])
    library = {f.name: f.default for f in dataclasses.fields(JohnsonTrainConfig)}
    for name, value in objective.config().items():
        assert value == library[name], name
    assert sorted(values["preset"].parser.enum_values) == sorted(PRESETS)
