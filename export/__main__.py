"""`python -m export --model RUN --output_dir DIR [--formats ...]` and `python -m export verify DIR`."""

from absl import flags

from tfstyle import cli
from tfstyle.errors import InvalidArgumentError

_MODEL = flags.DEFINE_string("model", None, "Training run folder or .keras file.")
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "Folder for the exported files.")
_FORMATS = flags.DEFINE_list("formats", ["saved_model", "tflite", "onnx"], "Formats to write.")
_CONTENT_DIR = flags.DEFINE_string(
    "content_dir", None, "Photos for int8 calibration (default: bundled)."
)
_OVERWRITE = flags.DEFINE_bool("overwrite", False, "Replace a non-empty output folder.")


def main(argv):
    from export import export_model, verify_export

    if len(argv) > 1:
        if argv[1] != "verify" or len(argv) != 3:
            raise InvalidArgumentError("usage: python -m export verify EXPORT_DIR")
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
    )
    for artefact in manifest["artefacts"]:
        print(
            f"{artefact['path']:<40} {artefact['bytes'] / 1e6:7.2f} MB  "
            f"PSNR {artefact['psnr_db_min']:6.1f} dB (goal {artefact['psnr_goal_db']:.0f})"
        )


if __name__ == "__main__":
    cli.run(main, positional=2)
