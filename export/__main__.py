"""Export trained networks.

python -m export --model RUN --output_dir DIR [--formats ...]
python -m export verify DIR
python -m export metanet --model METANET_RUN --style PAINTING --output_dir DIR
"""

import os

from absl import flags

from tfstyle import cli
from tfstyle.errors import InvalidArgumentError

_MODEL = flags.DEFINE_string("model", None, "Training run folder or .keras file.")
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "Folder for the exported files.")
_FORMATS = flags.DEFINE_list(
    "formats",
    ["saved_model", "tflite", "onnx"],
    "Formats to write; saved_model_bfloat16 (Johnson, CIN) only when named: a SavedModel "
    "computing in bfloat16, for CPUs with AVX512_BF16 or AMX.",
)
_CONTENT_DIR = flags.DEFINE_string(
    "content_dir", None, "Photos for int8 calibration (default: bundled)."
)
_OVERWRITE = flags.DEFINE_bool("overwrite", False, "Replace a non-empty output folder.")
_STATISTICS = flags.DEFINE_bool(
    "statistics",
    True,
    "Also export the image_statistics / with_image_statistics endpoints, with which "
    "every format tiles large images without seams, and (Johnson, CIN) the head / body "
    "/ tail endpoints of exact tiles: several times the export time.",
)
_INT8_EXACT_TILES = flags.DEFINE_bool(
    "int8_exact_tiles",
    False,
    "Full-int8 files sum their instance-norm statistics as integers, so that exact tiles "
    "reproduce their untiled pass bit for bit (20 dB apart otherwise, with no visible "
    "seam); the integer sums make full int8 1.4-2.1x slower.",
)
_STYLE = flags.DEFINE_string("style", None, "metanet: the style image (bundled name or path).")


def _print_artefacts(manifest):
    for artefact in manifest["artefacts"]:
        print(
            f"{artefact['path']:<48} {artefact['bytes'] / 1e3:9.1f} KB  "
            f"PSNR {artefact['psnr_db_min']:6.1f} dB (goal {artefact['psnr_goal_db']:.0f})"
        )


def _metanet():
    from export.metanet import export_metanet

    if not _MODEL.value or not _OUTPUT_DIR.value or not _STYLE.value:
        raise InvalidArgumentError(
            "usage: python -m export metanet --model RUN --style IMAGE --output_dir DIR"
        )
    manifest = export_metanet(
        _MODEL.value,
        _STYLE.value,
        _OUTPUT_DIR.value,
        tuple(_FORMATS.value),
        overwrite=_OVERWRITE.value,
        on_progress=lambda path: print(f"wrote {path}", flush=True),
        statistics=_STATISTICS.value,
        int8_exact_tiles=_INT8_EXACT_TILES.value,
    )
    _print_artefacts(manifest)
    info = manifest["metanet"]
    print(
        f"generated a {info['preset']} network ({info['parameters']:,} parameters) from "
        f"{os.path.basename(info['style'])} in {info['generate_seconds'] * 1000:.0f} ms"
    )


def main(argv):
    from export import export_model, verify_export

    if len(argv) == 2 and argv[1] == "metanet":
        return _metanet()
    if len(argv) > 1:
        if argv[1] != "verify" or len(argv) != 3:
            raise InvalidArgumentError(
                "usage: python -m export verify EXPORT_DIR (or: python -m export metanet ...)"
            )
        failed = 0
        for row in verify_export(argv[2], model_path=_MODEL.value):
            failed += row["goal_required"] and not row["meets_goal"]
            print(
                f"{row['path']:<40} {row['precision']:<13} PSNR {row['psnr_db_min']:6.1f} dB "
                f"(goal {row['goal_db']:.0f})  max abs {row['max_abs_error']:.2e}  "
                f"{'ok' if row['meets_goal'] else 'BELOW GOAL'}"
            )
        if failed:
            cli.fail(f"{failed} artefact(s) below their PSNR goal")
        return
    if not _MODEL.value or not _OUTPUT_DIR.value:
        raise InvalidArgumentError("--model and --output_dir are required (or: verify EXPORT_DIR)")
    manifest = export_model(
        _MODEL.value,
        _OUTPUT_DIR.value,
        tuple(_FORMATS.value),
        content_dir=_CONTENT_DIR.value,
        overwrite=_OVERWRITE.value,
        on_progress=lambda path: print(f"wrote {path}", flush=True),
        statistics=_STATISTICS.value,
        int8_exact_tiles=_INT8_EXACT_TILES.value,
    )
    _print_artefacts(manifest)


if __name__ == "__main__":
    cli.run(main, positional=2)
