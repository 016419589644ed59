"""The super-resolution recipe in-process: defaults from the papers, SRGAN started from
an SRResNet run, bad settings refused before anything is written."""

import json

import numpy as np
import pytest

from tests.conftest import write_image
from tfstyle.errors import TfstyleError
from tfstyle.inference import load_stylizer
from tfstyle.models.super_resolution.train import SRTrainConfig, SuperResolutionRecipe
from tfstyle.training import driver

TINY = {"image_size": 16, "batch_size": 2, "sample_every": 1, "mixed_precision": "float32"}
TINY |= {"vgg_weights": None, "preset": "lite"}


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    root = tmp_path_factory.mktemp("hr")
    for i in range(3):
        write_image(root / f"{i}.png", np.random.default_rng(i), size=(40, 36))
    return str(root)


def test_defaults_are_each_papers():
    johnson = SRTrainConfig(output_dir="x", model="johnson", content_dir="p")
    johnson.validate()
    assert (johnson.image_size, johnson.batch_size, johnson.learning_rate) == (288, 4, 1e-3)
    assert (johnson.loss, johnson.blur_sigma, johnson.content_layer) == (
        "perceptual",
        1.0,
        "relu2_2",
    )
    assert johnson.steps == 200_000
    srgan = SRTrainConfig(output_dir="x", model="srgan", content_dir="p")
    srgan.validate()
    assert (srgan.image_size, srgan.batch_size, srgan.beta_1) == (96, 16, 0.9)
    assert srgan.content_layer == "relu5_4" and srgan.feature_scale == pytest.approx(1 / 12.75)
    assert srgan.adversarial_weight == 1e-3 and srgan.blur_sigma == 0.0
    resnet = SRTrainConfig(output_dir="x", model="srresnet", content_dir="p", epochs=2)
    resnet.validate()
    assert resnet.loss == "pixel" and resnet.steps is None  # --epochs given: no paper default


def test_srresnet_then_srgan_from_it(tmp_path, photos):
    run = str(tmp_path / "srresnet")
    config = SRTrainConfig(
        output_dir=run, model="srresnet", scale=2, content_dir=photos, steps=2, **TINY
    )
    result = driver.run(SuperResolutionRecipe(config))
    assert result["step"] == 2 and result["scale"] == 2
    # Samples: bicubic, network and HR rows at the HR size.
    assert len(list((tmp_path / "srresnet" / "samples").iterdir())) == 2
    stylizer = load_stylizer(str(tmp_path / "srresnet" / "generator.weights.h5"))
    assert stylizer.scale == 2
    assert stylizer(np.zeros((1, 8, 12, 3), np.float32)).shape == (1, 16, 24, 3)

    gan_dir = str(tmp_path / "srgan")
    gan = SRTrainConfig(
        output_dir=gan_dir,
        model="srgan",
        scale=2,
        content_dir=photos,
        steps=1,
        from_run=run,
        **TINY,
    )
    recipe = SuperResolutionRecipe(gan)
    recipe.validate()
    recipe.prepare()
    model = recipe.build()
    resnet = load_stylizer(run + "/generator.keras").model
    for a, b in zip(model.generator.get_weights(), resnet.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert set(model.optimizer_items()) == {"discriminator_optimizer", "generator_optimizer"}
    driver.run(SuperResolutionRecipe(gan))
    saved = json.loads((tmp_path / "srgan" / "config.json").read_text())
    assert saved["family"] == "super_resolution" and saved["from_weights"].endswith(
        "generator.weights.h5"
    )

    bad = [
        {"model": "srgan", "from_run": gan_dir},  # not an SRResNet run
        {"model": "srgan", "from_run": run, "scale": 4},  # another scale
        {"model": "srresnet", "from_run": run},  # --from is SRGAN's
        {"model": "srgan", "loss": "pixel"},
        {"model": "srresnet", "scale": 3},
        {"model": "edsr"},
        {"model": "srresnet", "image_size": 18, "scale": 4},
        {"model": "srresnet", "content_dir": None},
    ]
    for overrides in bad:
        settings = {**TINY, "content_dir": photos, "steps": 1, **overrides}
        with pytest.raises(TfstyleError):
            driver.run(
                SuperResolutionRecipe(SRTrainConfig(output_dir=str(tmp_path / "bad"), **settings))
            )
        assert not (tmp_path / "bad").exists(), overrides
