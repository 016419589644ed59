"""Export of an upscaler: every format against Keras at two sizes, the fixed 256 x 256
TFLite, the encoded-bytes signature returning the upscaled PNG; stylize.py upscales
with any of them and refuses a --scale the network does not have."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from export.pipeline import export_model, verify_export
from tests.conftest import assert_one_line_error, run_cli, write_image
from tfstyle.inference import load_stylizer
from tfstyle.models.super_resolution import make_upscaler


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("sr_export")
    net = make_upscaler("srresnet", 2, "lite", filters=4, num_residual_blocks=1)
    net.build((None, None, None, 3))
    net.tflite_variants = ("float32",)  # the other variants are covered by the Johnson tests
    net.save(str(root / "generator.keras"))
    manifest = export_model(str(root / "generator.keras"), str(root / "export"), generator=net)
    return root, manifest


def test_every_artefact_matches_keras_at_two_sizes_and_the_fixed_one(exported):
    root, manifest = exported
    paths = {a["path"] for a in manifest["artefacts"]}
    assert "tflite/model_float32_256x256.tflite" in paths  # the phone-class fixed input
    for artefact in manifest["artefacts"]:
        assert artefact["meets_goal"], (artefact["path"], artefact["psnr_db_min"])
        if not artefact.get("fixed_size"):
            assert {"256x256x1", "192x320x2"} <= set(artefact["parity"]), artefact["path"]
    rows = verify_export(str(root / "export"), model_path=str(root / "generator.keras"))
    assert all(row["meets_goal"] for row in rows)
    for name in ("model.onnx", "tflite/model_float32.tflite", "saved_model"):
        stylizer = load_stylizer(str(root / "export" / name))
        assert stylizer.scale == 2
        assert stylizer(np.zeros((1, 24, 40, 3), np.float32)).shape == (1, 48, 80, 3)
    # TF Serving's bytes signature returns the upscaled PNG of any size.
    loaded = tf.saved_model.load(str(root / "export" / "saved_model" / "1"))
    png = tf.io.encode_png(np.full((13, 21, 3), 128, np.uint8)).numpy()
    out = loaded.signatures["serve_bytes"](image_bytes=tf.constant([png]))["png_bytes"]
    assert tf.io.decode_png(out[0]).shape == (26, 42, 3)


def test_stylize_upscales_and_refuses_another_scale(exported, tmp_path):
    root, _ = exported
    photo = write_image(tmp_path / "small.png", size=(30, 20))
    model = root / "export" / "tflite" / "model_float32.tflite"
    wrong = run_cli(
        "stylize.py",
        "--model",
        model,
        "--input",
        photo,
        "--output",
        tmp_path / "x4.png",
        "--scale",
        "4",
    )
    assert_one_line_error(wrong)
    assert "upscales x2, not x4" in wrong.stderr and not (tmp_path / "x4.png").exists()
    good = run_cli(
        "stylize.py",
        "--model",
        model,
        "--input",
        photo,
        "--output",
        tmp_path / "x2.png",
        "--scale",
        "2",
        "--tile",
        "32",
        "--overlap",
        "8",
    )
    assert good.returncode == 0, good.stderr
    assert Image.open(tmp_path / "x2.png").size == (60, 40)
