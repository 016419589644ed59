"""Mixed precision: bfloat16 only where the device runs it natively."""

import pytest

from tfstyle.cli import _legacy_booleans
from tfstyle.errors import InvalidArgumentError
from tfstyle.precision import choose_precision, cpu_flags

ZEN4 = {"avx2", "avx512f", "avx512_bf16"}
SAPPHIRE_RAPIDS = {"avx2", "avx512f", "amx_bf16", "amx_tile"}
ZEN3 = {"avx2", "fma"}


@pytest.mark.parametrize(
    "flags, gpus, policy",
    [
        (ZEN4, [], "mixed_bfloat16"),
        (SAPPHIRE_RAPIDS, [], "mixed_bfloat16"),
        (ZEN3, [], "float32"),
        (ZEN3, [(8, 0)], "mixed_bfloat16"),
        (ZEN4, [(7, 5)], "mixed_float16"),
        (ZEN3, [(9, 0), (7, 0)], "mixed_float16"),  # the oldest GPU decides
    ],
)
def test_auto_picks_what_the_device_runs_natively(flags, gpus, policy):
    choice = choose_precision("auto", flags, gpus)
    assert choice.policy == policy and choice.warning is None
    assert policy in choice.describe()


def test_explicit_slow_choices_warn_once():
    assert "20x" in choose_precision("bf16", ZEN3, []).warning
    assert choose_precision("bf16", ZEN4, []).warning is None
    assert choose_precision("fp16", ZEN4, []).warning is not None
    assert choose_precision("fp16", ZEN3, [(7, 0)]).warning is None
    assert choose_precision("float32", ZEN3, []).policy == "float32"
    with pytest.raises(InvalidArgumentError, match="auto, bf16, fp16, float32"):
        choose_precision("bfloat8", ZEN3, [])


def test_cpu_flags_can_be_injected(monkeypatch):
    monkeypatch.setenv("TFSTYLE_CPU_FLAGS", "AVX2, avx512_bf16")
    assert cpu_flags() == {"avx2", "avx512_bf16"}


def test_bare_and_negated_legacy_flag():
    assert _legacy_booleans(["p", "--mixed_precision", "--steps", "3"]) == [
        "p",
        "--mixed_precision=bf16",
        "--steps",
        "3",
    ]
    assert _legacy_booleans(["p", "--mixed_precision"]) == ["p", "--mixed_precision=bf16"]
    assert _legacy_booleans(["p", "--nomixed_precision"]) == ["p", "--mixed_precision=float32"]
    assert _legacy_booleans(["p", "--mixed_precision", "auto"]) == [
        "p",
        "--mixed_precision",
        "auto",
    ]
    assert _legacy_booleans(["p", "--", "--mixed_precision"]) == ["p", "--", "--mixed_precision"]


def test_onednn_isa_cap_below_bf16_drops_the_native_flags(monkeypatch):
    monkeypatch.setenv("TFSTYLE_CPU_FLAGS", "avx2 avx512f avx512_bf16")
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    assert cpu_flags() == {"avx2", "avx512f"}
    assert choose_precision("auto").policy == "float32"
    for cap in ("AVX512_CORE_BF16", "avx10_1_512_amx", "ALL"):
        monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", cap)
        assert "avx512_bf16" in cpu_flags()
