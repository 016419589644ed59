"""Speed and memory benchmarks, reported against the machine's measured matmul peak.

Examples:
    python scripts/benchmark.py gatys
    python scripts/benchmark.py gatys --sizes 256,512 --adam_steps 500 --json gatys.json
"""

import json
import os
import platform

from absl import flags

from tfstyle import cli
from tfstyle.errors import InvalidArgumentError

BENCHMARKS = ("gatys", "johnson")
# FLOPs of one Johnson training step (batch 4, 256 px, VGG19 to relu4_4), PLATFORM.md.
JOHNSON_STEP_GFLOP = 795.0

_SIZES = flags.DEFINE_list("sizes", ["256", "512"], "Image sizes (square) to time.")
_ADAM_STEPS = flags.DEFINE_integer("adam_steps", 500, "Adam steps for the L-BFGS comparison.")
_CONVERGE_SIZE = flags.DEFINE_integer("converge_size", 256, "Size of the L-BFGS vs Adam race.")
_REPEATS = flags.DEFINE_integer("repeats", 5, "Timed repeats per measurement.", lower_bound=1)
_VGG_WEIGHTS = flags.DEFINE_string("vgg_weights", "none", "imagenet | none | PATH.")
_JSON = flags.DEFINE_string("json", None, "Also write the results to this JSON file.")
_LOSS_STEPS = flags.DEFINE_integer(
    "loss_steps", 200, "Johnson: steps of the precision loss check (0: skip).", lower_bound=0
)
_PRESETS = flags.DEFINE_list("presets", ["paper", "lite"], "Johnson: network presets to time.")
_INFER_SIZES = flags.DEFINE_list("infer_sizes", ["256", "512", "1024"], "Johnson: inference sizes.")
_PARTS = flags.DEFINE_list(
    "parts",
    ["train", "loss", "inference", "tiled"],
    "Johnson: parts to run (the loss check is not timed, so it may run on a busy machine).",
)
_TILED_SIZE = flags.DEFINE_integer(
    "tiled_size", 4096, "Johnson: side of the tiled-inference photo (0: skip).", lower_bound=0
)


def gatys(weights):
    from tfstyle.benchmarks import common
    from tfstyle.benchmarks import gatys as bench

    peak = common.matmul_peak()
    rows = []
    for size in (int(s) for s in _SIZES.value):
        base = bench.vgg_forward_backward_seconds(size, weights, repeats=_REPEATS.value)
        steps = bench.step_seconds(size, weights, repeats=_REPEATS.value)
        rows.append(
            {
                "size": size,
                "vgg_forward_backward_s": base,
                **steps,
                "adam_step_over_vgg": steps["adam_s_per_step"] / base,
                "lbfgs_evaluation_over_vgg": steps["lbfgs_s_per_evaluation"] / base,
            }
        )
        print(
            f"{size}px: VGG fwd+bwd {base:.3f}s | Adam {steps['adam_s_per_step']:.3f}s/step "
            f"({rows[-1]['adam_step_over_vgg']:.2f}x) | L-BFGS "
            f"{steps['lbfgs_s_per_iteration']:.3f}s/iter, {steps['lbfgs_s_per_evaluation']:.3f}s/eval "
            f"({rows[-1]['lbfgs_evaluation_over_vgg']:.2f}x), "
            f"{steps['lbfgs_evaluations_per_iteration']:.2f} eval/iter",
            flush=True,
        )
    race = bench.lbfgs_vs_adam(_CONVERGE_SIZE.value, weights, _ADAM_STEPS.value)
    print(
        f"{_CONVERGE_SIZE.value}px: Adam {race['adam_steps']} steps {race['adam_seconds']:.1f}s "
        f"-> loss {race['adam_final_loss']:.4g}; L-BFGS reached it after "
        f"{race['lbfgs_iterations_to_match']} iterations in "
        f"{race['lbfgs_seconds_to_match'] or float('nan'):.1f}s "
        f"(ratio {race['lbfgs_time_ratio'] or float('nan'):.2f})",
        flush=True,
    )
    return {
        "matmul_peak_gflops": peak,
        "steps": rows,
        "lbfgs_vs_adam": race,
        "peak_rss_mb": common.peak_rss_mb(),
    }


def johnson(weights):
    import tensorflow as tf

    from tfstyle.benchmarks import common
    from tfstyle.benchmarks import johnson as bench

    parts = set(_PARTS.value)
    peak = common.matmul_peak()
    peak_bf16 = common.matmul_peak(dtype=tf.bfloat16)
    print(f"matmul peak {peak:.0f} GFLOP/s float32, {peak_bf16:.0f} GFLOP/s bfloat16", flush=True)
    results = {"matmul_peak_gflops": peak, "matmul_peak_bf16_gflops": peak_bf16}
    configs = {
        "float32": (False, False),
        "bfloat16": (True, False),
        "float32+xla": (False, True),
        "bfloat16+xla": (True, True),
    }
    best = "bfloat16"
    if "train" in parts:
        reference = bench.train_step_seconds(weights, reference=True, repeats=_REPEATS.value)
        print(
            f"reference step (plain TF: full-VGG content target, float32): {reference:.2f}s, "
            f"{JOHNSON_STEP_GFLOP / reference / peak:.0%} of the float32 peak",
            flush=True,
        )
        steps = {}
        for name, (mixed, jit) in configs.items():
            seconds = bench.train_step_seconds(weights, mixed, jit, repeats=_REPEATS.value)
            steps[name] = {
                "seconds": seconds,
                "images_per_s": 4 / seconds,
                "ratio_to_reference": seconds / reference,
            }
            print(
                f"train step {name:<13} {seconds:.2f}s  {4 / seconds:.2f} img/s  "
                f"{seconds / reference:.2f}x reference",
                flush=True,
            )
        best = min(steps, key=lambda k: steps[k]["seconds"])
        results.update(reference_step_s=reference, train_steps=steps)
    if "loss" in parts and _LOSS_STEPS.value:
        base = bench.loss_after(weights, _LOSS_STEPS.value)
        fast = bench.loss_after(weights, _LOSS_STEPS.value, *configs[best])
        results["loss_check"] = {
            "steps": _LOSS_STEPS.value,
            "float32": base,
            best: fast,
            "relative_difference": abs(fast - base) / base,
        }
        print(
            f"loss after {_LOSS_STEPS.value} steps: float32 {base:.4g}, {best} {fast:.4g} "
            f"({abs(fast - base) / base:.1%} apart)",
            flush=True,
        )
    if parts & {"inference", "tiled"}:
        folders = bench.export_presets(_PRESETS.value)
        runs = {p: os.path.join(os.path.dirname(f), f"run_{p}") for p, f in folders.items()}
    if "inference" in parts:
        results["inference"] = {}
        for preset, folder in folders.items():
            rows = bench.inference_latency(
                folder, runs[preset], sizes=tuple(int(v) for v in _INFER_SIZES.value)
            )
            results["inference"][preset] = rows
            for row in rows:
                times = "  ".join(
                    f"{k[:-2]} {row[k]:.3f}s" if row[k] is not None else f"{k[:-2]} n/a"
                    for k in row
                    if k.endswith("px_s")
                )
                print(f"{preset:<9} {row['path']:<42} {times}", flush=True)
    if "tiled" in parts and _TILED_SIZE.value:
        tiled = bench.tiled_peak_rss_mb(next(iter(runs.values())), size=_TILED_SIZE.value)
        results["tiled"] = tiled
        print(
            f"tiled {tiled['size']}x{tiled['size']} ({_PRESETS.value[0]}): {tiled['seconds']:.1f}s, "
            f"peak RSS {tiled['peak_rss_mb']:.0f} MB",
            flush=True,
        )
    results["peak_rss_mb"] = common.peak_rss_mb()
    return results


def main(argv):
    if len(argv) < 2 or argv[1] not in BENCHMARKS:
        raise InvalidArgumentError(f"name a benchmark: one of {', '.join(BENCHMARKS)}")
    results = {"benchmark": argv[1], "machine": platform.processor() or platform.machine()}
    run = {"gatys": gatys, "johnson": johnson}[argv[1]]
    results.update(run(cli.vgg_weights_flag(_VGG_WEIGHTS.value)))
    print(
        f"matmul peak {results['matmul_peak_gflops']:.0f} GFLOP/s (float32, measured in this run); "
        f"peak RSS {results['peak_rss_mb']:.0f} MB"
    )
    if _JSON.value:
        with open(_JSON.value, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    cli.run(main, positional=1)
