"""`scripts/benchmark.py` runs end to end at toy sizes (its numbers are not asserted)."""

import json

import pytest

from tests.conftest import assert_one_line_error, run_cli


# A benchmark run (~25 s): `make test-slow`.
@pytest.mark.slow
def test_gatys_benchmark_smoke(tmp_path):
    out = tmp_path / "gatys.json"
    result = run_cli(
        "benchmark.py",
        "gatys",
        "--sizes",
        "32",
        "--adam_steps",
        "3",
        "--converge_size",
        "32",
        "--repeats",
        "1",
        "--json",
        out,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert report["matmul_peak_gflops"] > 0
    assert report["steps"][0]["size"] == 32
    assert "lbfgs_time_ratio" in report["lbfgs_vs_adam"]


def test_unknown_benchmark():
    assert_one_line_error(run_cli("benchmark.py", "cyclegan"))
    assert_one_line_error(run_cli("benchmark.py"))


def test_an_existing_json_is_refused_before_the_run(tmp_path):
    out = tmp_path / "earlier.json"
    out.write_text('{"kept": true}')
    result = run_cli("benchmark.py", "gatys", "--sizes", "32", "--json", out)
    assert_one_line_error(result)
    assert "--overwrite" in result.stderr and json.loads(out.read_text()) == {"kept": True}
    assert_one_line_error(run_cli("benchmark.py", "gatys", "--json", tmp_path / "report.txt"))


# ~2 minutes together: the families' training is covered by their own CLI tests, so
# these smoke runs of the benchmark wrappers are `make test-slow` (make test: < 20 min).
@pytest.mark.slow
@pytest.mark.parametrize(
    "name, extra",
    [
        ("cin", ["--train_size", "32"]),
        ("adain", ["--train_size", "32"]),
        ("metanet", ["--train_size", "48", "--metanet_presets", "paper"]),
    ],
)
def test_family_training_benchmarks_smoke(tmp_path, name, extra):
    out = tmp_path / f"{name}.json"
    result = run_cli(
        "benchmark.py", name, "--family_parts", "train", "--repeats", "1", "--json", out, *extra
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    steps = report["paper"]["train_steps"] if name == "metanet" else report["train_steps"]
    assert set(steps) == {"float32", "bfloat16"}
    assert all(row["seconds"] > 0 and row["johnson_step_s"] > 0 for row in steps.values())
