"""The networks bundled with the package: `--model pretrained:NAME` on a fresh install."""

import json
import os

import numpy as np
import pytest

import tfstyle.assets as assets
from tests.conftest import assert_one_line_error, run_cli, write_image
from tfstyle.errors import InvalidArgumentError
from tfstyle.inference import load_stylizer


def test_mosaic_and_candy_are_bundled_with_their_provenance():
    assert {"candy", "mosaic"} <= set(assets.available_networks())
    text = open(os.path.join(os.path.dirname(assets.__file__), "PROVENANCE.md")).read()
    for name in assets.available_networks():
        folder = assets.resolve_model(f"pretrained:{name}")
        assert f"pretrained/{name}/" in text
        with open(os.path.join(folder, "config.json")) as f:
            config = json.load(f)
        # What a user needs to know about it: the loss network and how long it trained.
        assert config["vgg_weights_used"] and config["steps_trained"] > 0


@pytest.mark.parametrize("name", assets.available_networks())
def test_each_bundled_network_stylizes_without_vgg_weights(name, rng):
    stylizer = load_stylizer(f"pretrained:{name}")
    image = rng.uniform(0, 1, (1, 32, 48, 3)).astype(np.float32)
    out = stylizer(image)
    assert out.shape == image.shape and 0.0 <= out.min() and out.max() <= 1.0
    # A style network, not the identity: the output differs from the photo.
    assert float(np.abs(out - image).mean()) > 0.02


def test_unknown_pretrained_name_suggests_the_bundled_ones():
    with pytest.raises(InvalidArgumentError, match="did you mean 'pretrained:mosaic'"):
        assets.resolve_model("pretrained:mosaik")
    assert assets.resolve_model("runs/johnson") == "runs/johnson"


def test_stylize_cli_with_a_pretrained_network(tmp_path, monkeypatch):
    photo = write_image(tmp_path / "photo.jpg", size=(40, 32))
    out = tmp_path / "out.png"
    keras_home = tmp_path / "keras_home"  # nothing is downloaded: no VGG at inference
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    result = run_cli(
        "stylize.py", "--model", "pretrained:mosaic", "--input", photo, "--output", out
    )
    assert result.returncode == 0, result.stderr
    assert out.exists() and not (keras_home / "models").exists()  # Keras makes the folder itself
    bad = run_cli(
        "stylize.py", "--model", "pretrained:nope", "--input", photo, "--output", tmp_path / "x.png"
    )
    assert_one_line_error(bad)
    assert "bundled: pretrained:candy, pretrained:mosaic" in bad.stderr
    assert not (tmp_path / "x.png").exists()
