"""Metrics over folders (`tfstyle.metrics.folders` and `scripts/evaluate.py`)."""

import json

import numpy as np
import pytest
from PIL import Image

from tests.conftest import assert_one_line_error, run_cli
from tfstyle.errors import InvalidArgumentError
from tfstyle.metrics import StyleContentDistance, VGGPooledFeatures
from tfstyle.metrics.folders import evaluate_folders


def _folders(tmp_path, noise=8, count=4):
    rng = np.random.default_rng(0)
    out, ref = tmp_path / "out", tmp_path / "ref"
    out.mkdir()
    ref.mkdir()
    for i in range(count):
        a = (rng.random((24, 32, 3)) * 200 + 20).astype(np.uint8)
        Image.fromarray(a).save(ref / f"{i}.png")
        b = np.clip(a.astype(int) + rng.integers(-noise, noise + 1, a.shape), 0, 255)
        Image.fromarray(b.astype(np.uint8)).save(out / f"{i}.png")
    return out, ref


def _paths(folder):
    return sorted(str(p) for p in folder.iterdir())


def test_paired_metrics_match_files_by_name_and_sets_compare_the_folders(tmp_path):
    out, ref = _folders(tmp_path)
    features = VGGPooledFeatures(weights=None, architecture="vgg16", layer="relu2_2", size=32)
    yardstick = StyleContentDistance(None)
    result = evaluate_folders(
        _paths(out),
        _paths(ref),
        ("psnr", "ssim", "content", "fid", "kid", "style"),
        features=features,
        yardstick=yardstick,
        style=np.asarray(Image.open(ref / "0.png"), np.float32) / 255,
        kid_subsets=3,
    )
    assert result["pairs"] == 4 and result["images"] == 4
    # Uniform noise of +-8 levels: RMS ~ 4.9 levels of 255 in RGB -> ~34 dB (Y is a mix).
    assert 30 < result["psnr"] < 45 and 0.8 < result["ssim"] < 1.0
    assert result["content"] > 0 and result["style"] > 0 and result["fid"] > 0
    same = evaluate_folders(
        _paths(ref), _paths(ref), ("psnr", "fid", "content"), features, yardstick
    )
    assert same["psnr"] == float("inf")
    assert same["fid"] == pytest.approx(0.0, abs=1e-5)  # float noise of the square root
    assert same["content"] == 0.0


def test_outputs_without_a_reference_of_their_name_or_of_another_size_are_refused(tmp_path):
    out, ref = _folders(tmp_path)
    with pytest.raises(InvalidArgumentError, match="same file name"):
        evaluate_folders(_paths(out), [str(tmp_path / "other.png")], ("psnr",))
    Image.new("RGB", (10, 10)).save(ref / "0.png")
    with pytest.raises(InvalidArgumentError, match="reference"):
        evaluate_folders(_paths(out), _paths(ref), ("psnr",))
    with pytest.raises(InvalidArgumentError, match="need --references"):
        evaluate_folders(_paths(out), None, ("fid",))


def test_evaluate_cli_prints_a_table_writes_json_and_fails_in_one_line(tmp_path):
    out, ref = _folders(tmp_path)
    report = tmp_path / "scores.json"
    common = ["--outputs", out, "--features", "vgg", "--feature_weights", "none"]
    result = run_cli(
        "evaluate.py", *common, "--references", ref, "--metrics", "psnr,fid,kid",
        "--kid_subsets", "2", "--json", report,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "PSNR (Y)" in result.stdout and "FID (vgg)" in result.stdout
    saved = json.loads(report.read_text())
    assert saved["pairs"] == 4 and saved["features"] == "vgg" and "kid_std" in saved
    # An existing --json is not replaced; FID without references is refused.
    assert_one_line_error(run_cli("evaluate.py", *common, "--references", ref, "--json", report))
    assert_one_line_error(run_cli("evaluate.py", *common, "--metrics", "fid"))


def test_the_blob_area_needs_only_the_outputs(tmp_path):
    out, _ = _folders(tmp_path)
    blob = np.asarray(Image.open(out / "0.png")).copy()
    blob[4:20, 8:24] = 0  # a flat black square, 16 x 16 of 24 x 32
    Image.fromarray(blob).save(out / "0.png")
    result = evaluate_folders(_paths(out), None, ("blobs",))
    # Its inside counts (the box window sees texture within 4 px of its edge).
    assert 8 * 8 / (24 * 32) / 4 <= result["blobs"] <= 16 * 16 / (24 * 32) / 4
    cli_run = run_cli("evaluate.py", "--outputs", out, "--metrics", "blobs")
    assert cli_run.returncode == 0, cli_run.stderr
    assert "blob area" in cli_run.stdout
