import os

import pytest

from tfstyle.assets import available_photos, available_styles, resolve_photo, resolve_style
from tfstyle.io import load_image

REQUIRED = {"mosaic", "candy", "udnie", "starry_night", "wave", "the_scream", "composition_vii"}


def test_bundled_styles_are_there_and_load():
    assert REQUIRED <= set(available_styles())
    for name in available_styles():
        image = load_image(resolve_style(name))
        assert image.shape[-1] == 3 and max(image.shape[:2]) <= 512


def test_every_bundled_image_has_provenance():
    import tfstyle.assets as assets

    text = open(os.path.join(os.path.dirname(assets.__file__), "PROVENANCE.md")).read()
    for name in available_styles():
        assert f"styles/{name}.jpg" in text
    for name in available_photos():
        assert f"photos/{name}.jpg" in text


def test_paths_pass_through():
    assert resolve_style("some/dir/painting.jpg") == "some/dir/painting.jpg"


def test_unknown_style_suggests():
    with pytest.raises(ValueError, match="did you mean 'mosaic'.*known|bundled styles"):
        resolve_style("mosaik")
    assert os.path.exists(resolve_photo("amber"))
