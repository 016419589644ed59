"""Which mixed-precision policy a device runs fast, and the choice for a run.

bfloat16 pays only where the hardware computes it natively: CPUs with AVX512_BF16 or
AMX (Zen 4, Sapphire Rapids and later) and GPUs of compute capability 8.0 or more. On an
AVX2-only CPU oneDNN emulates it, and a Johnson training step took ~20x longer than in
float32; GPUs before 8.0 run float16 with loss scaling instead.

`TFSTYLE_CPU_FLAGS` (space- or comma-separated) replaces the CPU flags read from
/proc/cpuinfo, to test both branches on any machine. oneDNN's `ONEDNN_MAX_CPU_ISA`
(e.g. `AVX2`, which runs the AVX2 code paths on an AVX-512 machine) is honoured: below
AVX512_CORE_BF16 the bfloat16 flags no longer count.
"""

import dataclasses
import os

from tfstyle.errors import InvalidArgumentError

CHOICES = ("auto", "bf16", "fp16", "float32")
POLICIES = {"bf16": "mixed_bfloat16", "fp16": "mixed_float16", "float32": "float32"}
NATIVE_BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


@dataclasses.dataclass
class PrecisionChoice:
    """The policy for a run, why it was chosen, and a warning when it will be slow."""

    requested: str
    policy: str
    reason: str
    warning: str | None = None

    def describe(self):
        return f"precision {self.policy} ({self.requested}: {self.reason})"


def onednn_isa_cap():
    """oneDNN's `ONEDNN_MAX_CPU_ISA` (or its older name `DNNL_MAX_CPU_ISA`), or None."""
    cap = os.environ.get("ONEDNN_MAX_CPU_ISA") or os.environ.get("DNNL_MAX_CPU_ISA")
    return cap.strip().upper() if cap and cap.strip().upper() != "ALL" else None


def _cap_allows_bf16(cap):
    # oneDNN's ISA names from AVX512_CORE_BF16 up all contain one of these.
    return cap is None or any(k in cap for k in ("BF16", "FP16", "AMX", "AVX10"))


def cpu_flags():
    """The CPU's feature flags (lower case), from TFSTYLE_CPU_FLAGS or /proc/cpuinfo,
    without the bfloat16 ones when `ONEDNN_MAX_CPU_ISA` caps oneDNN below them."""
    override = os.environ.get("TFSTYLE_CPU_FLAGS")
    if override is not None:
        flags = set(override.replace(",", " ").lower().split())
    else:
        flags = set()
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("flags"):
                        flags = set(line.split(":", 1)[1].lower().split())
                        break
        except OSError:
            pass
    if not _cap_allows_bf16(onednn_isa_cap()):
        flags -= set(NATIVE_BF16_CPU_FLAGS)
    return flags


def native_bf16_cpu():
    """Whether this CPU (as oneDNN may use it) computes bfloat16 natively."""
    return bool(cpu_flags() & set(NATIVE_BF16_CPU_FLAGS))


def gpu_compute_capabilities():
    """(major, minor) of each visible GPU (empty on CPU-only machines)."""
    import tensorflow as tf

    capabilities = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        capability = details.get("compute_capability")
        if capability:
            capabilities.append(tuple(capability))
    return capabilities


def choose_precision(requested="auto", flags=None, gpus=None):
    """The mixed-precision policy for `requested` on this machine.

    Args:
        requested: "auto" (bfloat16 where native, float16 on GPUs before 8.0, else
            float32), "bf16", "fp16" or "float32".
        flags: CPU flags (default `cpu_flags()`); gpus: GPU compute capabilities
            (default `gpu_compute_capabilities()`).

    Returns:
        A `PrecisionChoice`.
    """
    if requested not in CHOICES:
        raise InvalidArgumentError(
            f"--mixed_precision must be one of {', '.join(CHOICES)}, got '{requested}'"
        )
    flags = cpu_flags() if flags is None else set(flags)
    gpus = gpu_compute_capabilities() if gpus is None else list(gpus)
    native = sorted(f for f in flags if f in NATIVE_BF16_CPU_FLAGS)
    if gpus:
        oldest = min(gpus)
        device = f"GPU compute capability {oldest[0]}.{oldest[1]}"
        native_bf16 = oldest >= (8, 0)
    else:
        device = f"CPU with {'/'.join(f.upper() for f in native)}" if native else "CPU"
        native_bf16 = bool(native)
    if requested == "auto":
        if native_bf16:
            return PrecisionChoice(requested, POLICIES["bf16"], f"{device} runs bfloat16 natively")
        if gpus:
            return PrecisionChoice(
                requested, POLICIES["fp16"], f"{device}: float16 with loss scaling"
            )
        return PrecisionChoice(
            requested,
            POLICIES["float32"],
            "this CPU has no native bfloat16 (AVX512_BF16 or AMX)",
        )
    choice = PrecisionChoice(requested, POLICIES[requested], "as asked")
    slow = (requested == "bf16" and not native_bf16) or (requested == "fp16" and not gpus)
    if slow:
        kind = "bfloat16" if requested == "bf16" else "float16"
        choice.warning = (
            f"--mixed_precision {requested}: this {device} has no native {kind}, so training "
            f"will be much slower than in float32 (about 20x for bfloat16 on AVX2 CPUs); "
            f"--mixed_precision auto picks the fast policy"
        )
    return choice
