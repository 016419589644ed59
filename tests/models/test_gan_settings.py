"""Bad settings of the GAN trainers: an InvalidArgumentError before anything is
written (the CLI turns it into one line; tests/scripts/test_train_gans_cli.py checks
that path once per program)."""

import numpy as np
import pytest

from tests.conftest import write_image
from tfstyle.errors import TfstyleError
from tfstyle.models.cartoongan.train import CartoonGANRecipe, CartoonGANTrainConfig
from tfstyle.models.cyclegan.train import CycleGANRecipe, CycleGANTrainConfig
from tfstyle.models.dcgan.train import DCGANRecipe, DCGANTrainConfig
from tfstyle.models.pix2pix.train import Pix2PixRecipe, Pix2PixTrainConfig
from tfstyle.training import driver


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    (root / "photos").mkdir()
    for i in range(2):
        write_image(root / "photos" / f"{i}.png", np.random.default_rng(i), size=(30, 24))
    (root / "empty").mkdir()
    return root


def _cases(folders):
    photos, empty = str(folders / "photos"), str(folders / "empty")
    return [
        (CycleGANRecipe, CycleGANTrainConfig, {}),  # no data
        (CycleGANRecipe, CycleGANTrainConfig, {"a_dir": photos, "b_dir": empty}),
        (CycleGANRecipe, CycleGANTrainConfig, {"a_dir": photos, "b_dir": photos, "gan_loss": "x"}),
        (CycleGANRecipe, CycleGANTrainConfig, {"a_dir": photos, "b_dir": photos, "image_size": 18}),
        (
            CycleGANRecipe,
            CycleGANTrainConfig,
            {"a_dir": photos, "b_dir": photos, "decay_fraction": 2},
        ),
        (Pix2PixRecipe, Pix2PixTrainConfig, {"pairs_from": "edges"}),  # no content_dir
        (Pix2PixRecipe, Pix2PixTrainConfig, {"pairs_from": "sketch", "content_dir": photos}),
        (
            Pix2PixRecipe,
            Pix2PixTrainConfig,
            {"data_dir": photos, "pairs_from": "gray", "content_dir": photos},
        ),
        (
            Pix2PixRecipe,
            Pix2PixTrainConfig,
            {"pairs_from": "edges", "content_dir": photos, "image_size": 64},
        ),
        (Pix2PixRecipe, Pix2PixTrainConfig, {"data_dir": empty}),
        (Pix2PixRecipe, Pix2PixTrainConfig, {"a_dir": photos}),  # no b_dir
        (DCGANRecipe, DCGANTrainConfig, {"data_dir": str(folders / "nope")}),
        (DCGANRecipe, DCGANTrainConfig, {"data_dir": photos, "channels": 2}),
        (DCGANRecipe, DCGANTrainConfig, {"data_dir": None, "dataset": None}),
        (CartoonGANRecipe, CartoonGANTrainConfig, {"content_dir": photos}),  # no cartoons
        (CartoonGANRecipe, CartoonGANTrainConfig, {"cartoon_dir": photos}),  # no photos
        (
            CartoonGANRecipe,
            CartoonGANTrainConfig,
            {"content_dir": photos, "cartoon_dir": str(folders / "nope")},
        ),
        (CartoonGANRecipe, CartoonGANTrainConfig, {"content_dir": photos, "cartoon_dir": empty}),
        (
            CartoonGANRecipe,
            CartoonGANTrainConfig,
            {"content_dir": photos, "cartoon_dir": photos, "preset": "tiny"},
        ),
        (
            CartoonGANRecipe,
            CartoonGANTrainConfig,
            {"content_dir": photos, "cartoon_dir": photos, "init_steps": -1},
        ),
    ]


def test_bad_settings_fail_before_anything_is_written(tmp_path, folders):
    for index, (recipe, config_class, settings) in enumerate(_cases(folders)):
        out = tmp_path / f"bad{index}"
        config = config_class(output_dir=str(out), steps=1, **settings)
        with pytest.raises(TfstyleError):
            driver.run(recipe(config))
        assert not out.exists(), settings
