"""The quality benchmark's parts: yardstick, model columns, contact sheet (toy sizes)."""

import keras
import numpy as np

from tests.conftest import assert_one_line_error, run_cli
from tfstyle.benchmarks import quality
from tfstyle.models.adain import AdaINDecoder, AdaINStyleTransfer


def test_yardstick_is_zero_at_the_targets_and_grows_away_from_them():
    keras.utils.set_random_seed(0)
    yardstick = quality.Yardstick(None)
    rng = np.random.default_rng(0)
    photo, painting = rng.uniform(size=(2, 32, 32, 3)).astype("float32")
    at_photo = yardstick(photo, photo, painting)
    at_painting = yardstick(painting, photo, painting)
    assert at_photo["content_loss"] == 0.0 and at_photo["style_loss"] > 0.0
    assert at_painting["style_loss"] < 1e-9 * max(1.0, at_photo["style_loss"])
    assert at_painting["content_loss"] > 0.0


def test_any_style_model_renders_every_pair_and_the_sheet_has_a_cell_each(tmp_path):
    keras.utils.set_random_seed(0)
    path = tmp_path / "adain.keras"
    network = AdaINStyleTransfer(AdaINDecoder(0.125), vgg_weights=None)
    network.build()
    network.save(path)
    model = quality.FeedForward("adain", str(path))
    assert model.kind == "any_style"
    pairs = quality.load_pairs(["amber"], ["mosaic", "wave"], 32)
    assert [p.content.shape for p in pairs] == [(32, 32, 3)] * 2
    assert max(pairs[0].painting.shape[:2]) == 32
    rows, images = quality.evaluate(pairs, [model], quality.Yardstick(None), 2, None)
    assert [(r["style"], r["method"]) for r in rows] == [
        ("mosaic", "gatys"),
        ("mosaic", "adain"),
        ("wave", "gatys"),
        ("wave", "adain"),
    ]
    assert all(r["style_over_gatys"] > 0 for r in rows)
    summary = quality.summary(rows)
    assert summary["gatys"]["style_over_gatys"] == 1.0 and summary["adain"]["pairs"] == 2
    sheet = quality.contact_sheet(pairs, ["gatys", "adain", "missing"], images, tile=40)
    assert sheet.size == (5 * 40, 14 + 2 * 40)


def test_quality_needs_the_yardstick_weights():
    assert_one_line_error(run_cli("benchmark.py", "quality"))
