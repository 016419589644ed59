"""Export of MUNIT's translator: both translations (image + style code), both domains'
content and style encoders and decoders, as SavedModel signatures and one TFLite and
ONNX file each, every one against Keras; stylize.py on the exports."""

import keras
import numpy as np
import pytest

from export.pipeline import export_model
from tests.conftest import assert_one_line_error, run_cli, write_image
from tfstyle.inference import load_stylizer
from tfstyle.models.munit import MUNITAutoEncoder, MUNITTranslator, random_style_codes

ENDPOINTS = {
    "serving_default",
    "b_to_a",
    "encode_content_a",
    "encode_style_a",
    "decode_a",
    "encode_content_b",
    "encode_style_b",
    "decode_b",
}


def _translator():
    keras.utils.set_random_seed(0)
    network = lambda name: MUNITAutoEncoder(filters=4, num_blocks=1, mlp_dim=8, name=name)
    translator = MUNITTranslator(network("generator_a"), network("generator_b"))
    translator.build((None, None, None, 3))
    translator.tflite_variants = ("float32",)  # float16 and int8: Johnson's export tests
    translator.fixed_size_export = False
    return translator


def _export(root, formats):
    translator = _translator()
    path = str(root / "generator.keras")
    translator.save(path)
    return translator, export_model(
        path, str(root / "export"), formats, generator=translator, statistics=False
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The SavedModel only (~10 s); every format in the slow test below (~2 minutes:
    eight endpoints, a TFLite and an ONNX conversion each)."""
    root = tmp_path_factory.mktemp("munit_export")
    return root, *_export(root, ("saved_model",))


def _check(root, translator, manifest, kinds):
    assert set(manifest["endpoints"]) == ENDPOINTS
    assert manifest["endpoints"]["decode_b"] == ["content_code", "style_code"]
    for artefact in manifest["artefacts"]:
        assert artefact["meets_goal"], (artefact["path"], artefact["psnr_db_min"])
    x = np.random.default_rng(0).uniform(size=(1, 24, 32, 3)).astype("float32")
    code = random_style_codes(1, 8, seed=2)
    content = np.asarray(translator.generator_b.encode_content(x))
    expected = {
        "b_to_a": np.asarray(translator.translate(x, code, "b_to_a")),
        "encode_style_a": np.asarray(translator.encode_style(x, "a")),
        "decode_a": np.asarray(translator.generator_a.decode(content, code)),
    }
    inputs = {
        "b_to_a": {"image": x, "style_code": code},
        "encode_style_a": {"image": x},
        "decode_a": {"content_code": content, "style_code": code},
    }
    files = {
        "saved_model": lambda name: "saved_model",
        "onnx": lambda name: f"{name}.onnx",
        "tflite": lambda name: f"tflite/{name}_float32.tflite",
    }
    for name, value in expected.items():
        for kind in kinds:
            model = load_stylizer(str(root / "export" / files[kind](name)))
            out = next(iter(model.run(name, **inputs[name]).values()))
            np.testing.assert_allclose(out, value, atol=2e-4, err_msg=f"{name} {kind}")


def test_every_endpoint_is_a_saved_model_signature_that_matches_keras(exported):
    _check(*exported, kinds=("saved_model",))


def _stylize(model, tmp_path):
    photo = write_image(tmp_path / "photo.png", np.random.default_rng(3), (24, 20))
    ref = write_image(tmp_path / "ref.png", np.random.default_rng(4), (32, 32))
    out = tmp_path / "out.png"
    args = ["--model", model, "--input", photo, "--output", out, "--style", ref]
    return run_cli("stylize.py", *args), out


def test_stylize_cli_on_the_saved_model_with_a_reference_style(exported, tmp_path):
    result, out = _stylize(exported[0] / "export" / "saved_model", tmp_path)
    assert result.returncode == 0, result.stderr
    assert out.exists()


@pytest.mark.slow
def test_every_endpoint_in_every_format_matches_keras(tmp_path):
    translator, manifest = _export(tmp_path, ("saved_model", "tflite", "onnx"))
    paths = {a["path"] for a in manifest["artefacts"]}
    for name in ENDPOINTS - {"serving_default"}:
        assert {f"{name}.onnx", f"tflite/{name}_float32.tflite"} <= paths, name
    _check(tmp_path, translator, manifest, kinds=("saved_model", "onnx", "tflite"))
    # A file of one endpoint cannot encode the reference: one line, nothing written.
    result, out = _stylize(tmp_path / "export" / "b_to_a.onnx", tmp_path)
    assert_one_line_error(result)
    assert "encode_style_a" in result.stderr and not out.exists()
