"""Speed and memory benchmarks, reported against the machine's measured matmul peak.

Examples:
    python scripts/benchmark.py gatys
    python scripts/benchmark.py gatys --sizes 256,512 --adam_steps 500 --json gatys.json
"""

import json
import platform

from absl import flags

from tfstyle import cli
from tfstyle.errors import InvalidArgumentError

BENCHMARKS = ("gatys",)

_SIZES = flags.DEFINE_list("sizes", ["256", "512"], "Image sizes (square) to time.")
_ADAM_STEPS = flags.DEFINE_integer("adam_steps", 500, "Adam steps for the L-BFGS comparison.")
_CONVERGE_SIZE = flags.DEFINE_integer("converge_size", 256, "Size of the L-BFGS vs Adam race.")
_REPEATS = flags.DEFINE_integer("repeats", 5, "Timed repeats per measurement.", lower_bound=1)
_VGG_WEIGHTS = flags.DEFINE_string("vgg_weights", "none", "imagenet | none | PATH.")
_JSON = flags.DEFINE_string("json", None, "Also write the results to this JSON file.")


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


def main(argv):
    if len(argv) < 2 or argv[1] not in BENCHMARKS:
        raise InvalidArgumentError(f"name a benchmark: one of {', '.join(BENCHMARKS)}")
    results = {"benchmark": argv[1], "machine": platform.processor() or platform.machine()}
    results.update(gatys(cli.vgg_weights_flag(_VGG_WEIGHTS.value)))
    print(
        f"matmul peak {results['matmul_peak_gflops']:.0f} GFLOP/s (float32, measured in this run); "
        f"peak RSS {results['peak_rss_mb']:.0f} MB"
    )
    if _JSON.value:
        with open(_JSON.value, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    cli.run(main, positional=1)
