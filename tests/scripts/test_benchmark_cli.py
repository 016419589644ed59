"""`scripts/benchmark.py` runs end to end at toy sizes (its numbers are not asserted)."""

import json

from tests.conftest import assert_one_line_error, run_cli


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
