"""A first run on a fresh machine: every trainer's default data set (COCO 2017 via
TFDS) is not prepared and cannot be downloaded -> one line, exit 2, nothing written."""

import numpy as np
import pytest

from tests.conftest import assert_one_line_error, run_cli, write_image
from tests.data.test_tfds_source import OFFLINE


@pytest.mark.parametrize(
    "script, args",
    [
        ("train_johnson.py", ["--style", "mosaic"]),
        ("train_cin.py", ["--styles", "mosaic,candy"]),
        ("train_adain.py", ["--style_dir", "STYLES"]),
        ("train_metanet.py", ["--style_dir", "STYLES"]),
    ],
)
def test_default_dataset_offline_is_one_line_and_exit_2(tmp_path, monkeypatch, script, args):
    for name, value in OFFLINE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    styles = tmp_path / "styles"
    styles.mkdir()
    write_image(styles / "a.png", np.random.default_rng(0), size=(40, 40))
    args = [str(styles) if a == "STYLES" else a for a in args]
    out = tmp_path / "run"
    result = run_cli(script, *args, "--output_dir", out, "--vgg_weights", "none")
    assert_one_line_error(result)
    assert result.returncode == 2
    assert "coco/2017 is not prepared in" in result.stderr
    assert "cannot be downloaded here" in result.stderr and "--content_dir" in result.stderr
    assert not out.exists()
