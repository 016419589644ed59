"""The export pipeline: SavedModel (TF Serving), TFLite (LiteRT) and ONNX, with parity checks.

Usage:
    python -m export --model runs/johnson_mosaic --output_dir exported/johnson_mosaic
    python -m export verify exported/johnson_mosaic

Modules: `saved_model` (TF Serving layout, signatures, warm-up), `tflite` (four
precisions), `onnx` (tf2onnx), `pipeline` (all of them, manifest, verification).
"""

__all__ = ["FORMATS", "export_model", "verify_export"]


def __getattr__(name):
    # Lazy, so that `python -m export` can quiet TensorFlow before anything imports it.
    if name in __all__:
        from export import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'export' has no attribute '{name}'")
