"""Export of the GAN generators: CycleGAN's two directions and pix2pix's U-Net (any
size through an edge-padding Gather), every format against Keras; stylize.py
--direction."""

import numpy as np
import pytest

from export.pipeline import export_model, load_generator
from tests.conftest import assert_one_line_error, run_cli, write_image
from tfstyle.inference import load_stylizer
from tfstyle.models.cyclegan.train import CycleGANRecipe, CycleGANTrainConfig
from tfstyle.models.dcgan.train import DCGANRecipe, DCGANTrainConfig
from tfstyle.models.pix2pix.train import Pix2PixRecipe, Pix2PixTrainConfig
from tfstyle.training import driver

TINY = {
    "filters": 4,
    "discriminator_filters": 4,
    "receptive_field": 16,
    "steps": 1,
    "image_size": 16,
    "sample_every": 0,
    "mixed_precision": "float32",
}


def _photos(root):
    root.mkdir()
    for i in range(2):
        write_image(root / f"{i}.png", np.random.default_rng(i), size=(24, 20))
    return str(root)


@pytest.fixture(scope="module")
def cyclegan(tmp_path_factory):
    root = tmp_path_factory.mktemp("cyclegan")
    photos = _photos(root / "photos")
    config = CycleGANTrainConfig(
        output_dir=str(root / "run"), a_dir=photos, b_dir=photos, generator_blocks=1, **TINY
    )
    driver.run(CycleGANRecipe(config))
    manifest = export_model(
        str(root / "run"),
        str(root / "export"),
        generator=_float32_tflite(root / "run"),
        statistics=False,  # b_to_a's statistics endpoints: tests/inference/test_tiling.py
    )
    return root, manifest


def _fewer_variants(run):
    """The run's network with the float TFLite variants only (int8 is covered by the
    Johnson export tests): keeps this file to a minute."""
    generator = load_generator(str(run))
    generator.tflite_variants = ("float32", "float16")
    generator.fixed_size_export = False
    return generator


def _float32_tflite(run):
    """float32 TFLite only: the other variants convert as Johnson's do."""
    generator = _fewer_variants(run)
    generator.tflite_variants = ("float32",)
    return generator


def _check_parity(manifest):
    for artefact in manifest["artefacts"]:
        if artefact["precision"] in ("float32", "float16"):
            assert artefact["meets_goal"], (artefact["path"], artefact["psnr_db_min"])


def test_cyclegan_exports_both_directions_in_every_format(cyclegan, rng):
    root, manifest = cyclegan
    _check_parity(manifest)
    assert set(manifest["endpoints"]) == {"serving_default", "b_to_a"}
    paths = {a["path"] for a in manifest["artefacts"]}
    assert {"model.onnx", "b_to_a.onnx", "tflite/b_to_a_float32.tflite"} <= paths
    keras_model = load_stylizer(str(root / "run"))
    x = rng.uniform(size=(1, 24, 32, 3)).astype("float32")
    expected = keras_model.bind("b_to_a")(x)
    for path in ("b_to_a.onnx", "tflite/b_to_a_float32.tflite"):
        np.testing.assert_allclose(
            load_stylizer(str(root / "export" / path))(x), expected, atol=2e-3
        )
    saved = load_stylizer(str(root / "export" / "saved_model"))
    np.testing.assert_allclose(saved.bind("b_to_a")(x), expected, atol=1e-4)


def test_stylize_cli_direction(cyclegan, tmp_path):
    root, _ = cyclegan
    photo = write_image(tmp_path / "in.png", size=(30, 22))
    out = tmp_path / "out.png"
    result = run_cli(
        "stylize.py",
        "--model",
        root / "run",
        "--direction",
        "b_to_a",
        "--input",
        photo,
        "--output",
        out,
    )
    assert result.returncode == 0, result.stderr
    onnx_out = tmp_path / "onnx.png"
    result = run_cli(
        "stylize.py",
        "--model",
        root / "export" / "b_to_a.onnx",
        "--input",
        photo,
        "--output",
        onnx_out,
    )
    assert result.returncode == 0, result.stderr
    from tfstyle.io import load_image

    assert np.abs(load_image(out) - load_image(onnx_out)).max() < 0.02
    bad = run_cli(
        "stylize.py",
        "--model",
        root / "export" / "b_to_a.onnx",
        "--direction",
        "a_to_b",
        "--input",
        photo,
        "--output",
        tmp_path / "x.png",
    )
    assert_one_line_error(bad)
    assert "b_to_a only" in bad.stderr and not (tmp_path / "x.png").exists()


def test_pix2pix_unet_exports_at_any_size(tmp_path, rng):
    photos = _photos(tmp_path / "photos")
    config = Pix2PixTrainConfig(
        output_dir=str(tmp_path / "run"),
        pairs_from="edges",
        content_dir=photos,
        num_downs=3,
        **TINY,
    )
    driver.run(Pix2PixRecipe(config))
    manifest = export_model(
        str(tmp_path / "run"),
        str(tmp_path / "export"),
        generator=_fewer_variants(tmp_path / "run"),
        statistics=False,
    )
    _check_parity(manifest)
    x = rng.uniform(size=(1, 21, 35, 3)).astype("float32")  # not a multiple of 8
    expected = load_stylizer(str(tmp_path / "run"))(x)
    for path in ("model.onnx", "tflite/model_float32.tflite"):
        got = load_stylizer(str(tmp_path / "export" / path))(x)
        assert got.shape == x.shape
        np.testing.assert_allclose(got, expected, atol=2e-3)
    bad = run_cli(
        "stylize.py",
        "--model",
        tmp_path / "run",
        "--direction",
        "b_to_a",
        "--input",
        write_image(tmp_path / "in.png"),
        "--output",
        tmp_path / "y.png",
    )
    assert_one_line_error(bad)
    assert "translates one way" in bad.stderr


def test_dcgan_generator_exports_z_to_image(tmp_path):
    config = DCGANTrainConfig(
        output_dir=str(tmp_path / "run"),
        data_dir=_photos(tmp_path / "photos"),
        image_size=16,
        batch_size=2,
        latent_dim=8,
        filters=4,
        discriminator_filters=4,
        steps=1,
        sample_every=0,
        mixed_precision="float32",
    )
    driver.run(DCGANRecipe(config))
    manifest = export_model(
        str(tmp_path / "run"),
        str(tmp_path / "export"),
        generator=_float32_tflite(tmp_path / "run"),
    )
    _check_parity(manifest)
    assert manifest["endpoints"] == {"serving_default": ["z"]}
    z = np.random.default_rng(0).standard_normal((1, 8)).astype("float32")
    expected = load_stylizer(str(tmp_path / "run")).run(z=z)["image"]
    assert expected.shape == (1, 16, 16, 1)
    for path in ("model.onnx", "tflite/model_float32.tflite", "saved_model"):
        got = load_stylizer(str(tmp_path / "export" / path)).run(z=z)["image"]
        np.testing.assert_allclose(got, expected, atol=1e-3)
    grid = tmp_path / "grid.png"
    result = run_cli(
        "generate.py",
        "--model",
        tmp_path / "export" / "model.onnx",
        "--output",
        grid,
        "--count",
        "6",
        "--columns",
        "3",
    )
    assert result.returncode == 0, result.stderr
    from PIL import Image

    assert Image.open(grid).size == (3 * 16 * 2, 2 * 16 * 2)
    for args in (
        ["--model", tmp_path / "nope", "--output", tmp_path / "g.png"],
        ["--model", tmp_path / "run", "--output", grid],  # exists, no --overwrite
        ["--model", tmp_path / "run", "--output", tmp_path / "g.png", "--count", "0"],
    ):
        assert_one_line_error(run_cli("generate.py", *args))
    assert not (tmp_path / "g.png").exists()
    bad = run_cli(
        "stylize.py",
        "--model",
        tmp_path / "run",
        "--input",
        write_image(tmp_path / "a.png"),
        "--output",
        tmp_path / "b.png",
    )
    assert_one_line_error(bad)
    assert "generate.py" in bad.stderr
