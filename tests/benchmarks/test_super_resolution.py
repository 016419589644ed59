"""The SR benchmark's pieces at toy sizes: the table against bicubic, the crop sheet,
and the plain-TF reference network matching tfstyle's SRResNet in shape and size."""

import numpy as np
import pytest

from tfstyle.benchmarks import super_resolution as bench
from tfstyle.errors import InvalidArgumentError
from tfstyle.models.super_resolution import make_upscaler


def test_table_has_bicubic_and_every_model_and_the_sheet_a_crop_each(tmp_path):
    net = make_upscaler("srresnet", 2, "lite", filters=4, num_residual_blocks=1)
    net.build((None, None, None, 3))
    net.save(str(tmp_path / "g.keras"))
    models = [bench.Upscaler("tiny", str(tmp_path / "g.keras"), 2)]
    y, x = np.mgrid[0:41, 0:50] / 7.0
    photo = np.stack([0.5 + 0.3 * np.sin(y + c) * np.cos(x) for c in range(3)], -1)
    rows, images = bench.evaluate([("wave", photo.astype(np.float32))], models, 2)
    assert [r["method"] for r in rows] == ["bicubic", "tiny"]
    assert rows[0]["psnr"] > 25 and 0 < rows[0]["ssim"] <= 1  # smooth: bicubic does well
    assert images[("wave", "HR")].shape == (40, 50, 3) == images[("wave", "tiny")].shape
    sheet = bench.crop_sheet(images, "wave", ["bicubic", "tiny"], (20, 25), size=16, zoom=2)
    assert sheet.size == (3 * 32 + 2 * 4, 32)
    assert bench.summary(rows)["tiny"]["photos"] == 1
    with pytest.raises(InvalidArgumentError, match="not x4"):
        bench.Upscaler("tiny", str(tmp_path / "g.keras"), 4)
    with pytest.raises(InvalidArgumentError, match="does not exist"):
        bench.parse_models(["tiny=/nonexistent/run"])


def test_reference_network_is_srresnet():
    reference = bench.reference_srresnet(scale=4, filters=8, blocks=2)
    ours = make_upscaler("srresnet", 4, "paper", filters=8, num_residual_blocks=2)
    ours.build((None, None, None, 3))
    assert reference.count_params() == ours.count_params()
    assert reference(np.zeros((1, 6, 6, 3), np.float32)).shape == (1, 24, 24, 3)
