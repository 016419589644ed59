"""The quality benchmark's parts: yardstick, model columns, contact sheet (toy sizes)."""

import dataclasses

import keras
import numpy as np

from tests.conftest import assert_one_line_error, run_cli
from tfstyle.benchmarks import quality
from tfstyle.metrics.artifacts import blob_area
from tfstyle.models.adain import AdaINDecoder, AdaINStyleTransfer
from tfstyle.training.recipe import load_style


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
    for row in rows:  # the blob measure of each output beside its losses
        dark, light = blob_area(images[(row["photo"], row["style"], row["method"])])
        assert (row["blob_area_dark"], row["blob_area_light"]) == (dark, light)
    adain = [r for r in rows if r["method"] == "adain"]
    assert summary["adain"]["blob_area"] == np.mean(
        [r["blob_area_dark"] + r["blob_area_light"] for r in adain]
    )
    sheet = quality.contact_sheet(pairs, ["gatys", "adain", "missing"], images, tile=40)
    assert sheet.size == (5 * 40, 14 + 2 * 40)


def test_the_yardsticks_painting_is_the_one_training_sees():
    """Gatys is optimised against the yardstick's painting and the networks are trained
    against load_style's; the two used to be resized differently (Lanczos to the size,
    against Lanczos to 4x then bilinear), 8% apart in relu2_2 Gram energy at 256 px."""
    for size in (32, 256):
        pairs = quality.load_pairs(["amber"], ["mosaic"], size)
        np.testing.assert_array_equal(pairs[0].painting, load_style("mosaic", size)[1])


def test_quality_needs_the_yardstick_weights():
    assert_one_line_error(run_cli("benchmark.py", "quality"))


def test_gatys_cache_reuses_a_render_and_keys_on_steps_weights_and_pixels(tmp_path, monkeypatch):
    calls = []

    def fake_render(pair, steps, vgg_weights, architecture="vgg19"):
        calls.append((pair.style, steps))
        return np.full_like(pair.content, 0.25 + 0.01 * len(calls))

    monkeypatch.setattr(quality, "gatys_render", fake_render)
    weights = tmp_path / "vgg.weights.h5"
    weights.write_bytes(b"one set of weights")
    cache = quality.GatysCache(tmp_path / "cache")
    pairs = quality.load_pairs(["amber"], ["mosaic", "wave"], 32)
    yardstick = quality.Yardstick(None)

    first, _ = quality.evaluate(pairs, [], yardstick, 3, str(weights), cache=cache)
    second, images = quality.evaluate(pairs, [], yardstick, 3, str(weights), cache=cache)
    assert len(calls) == 2 and not any(r.get("cached") for r in first)
    assert all(r["cached"] for r in second)
    assert [r["style_loss"] for r in first] == [r["style_loss"] for r in second]
    np.testing.assert_array_equal(images[("amber", "mosaic", "gatys")], np.float32(0.26))

    quality.evaluate(pairs[:1], [], yardstick, 4, str(weights), cache=cache)  # other steps
    weights.write_bytes(b"other weights, same folder")
    quality.evaluate(pairs[:1], [], yardstick, 3, str(weights), cache=cache)
    darker = [dataclasses.replace(pairs[0], content=pairs[0].content * 0.5)]
    quality.evaluate(darker, [], yardstick, 3, str(weights), cache=cache)
    quality.evaluate(pairs[:1], [], yardstick, 3, None, cache=cache)  # random weights: never kept
    quality.evaluate(pairs[:1], [], yardstick, 3, None, cache=cache)
    assert len(calls) == 7

    entry = cache.path(pairs[1], 3, str(weights))
    open(entry, "wb").write(b"truncated")  # a damaged entry is rendered again
    quality.evaluate(pairs[1:], [], yardstick, 3, str(weights), cache=cache)
    assert len(calls) == 8 and cache.load(entry) is not None
