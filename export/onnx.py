"""ONNX conversion of a SavedModel with tf2onnx (opset 17, dynamic H and W)."""

import subprocess
import sys

OPSET = 17


def convert(saved_model_dir, output_path, opset=OPSET, signature="serving_default"):
    """Runs tf2onnx on one signature; raises with its last line on failure."""
    command = [
        sys.executable,
        "-m",
        "tf2onnx.convert",
        "--saved-model",
        saved_model_dir,
        "--signature_def",
        signature,
        "--output",
        output_path,
        "--opset",
        str(opset),
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise RuntimeError(f"tf2onnx failed: {lines[-1] if lines else 'no output'}")
    return output_path
