"""Conditional instance norm: per-example styles, blends, adding a style, resumable indices."""

import dataclasses

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import write_image
from tfstyle.layers import ConditionalInstanceNormalization
from tfstyle.models.cin import ConditionalStyleTransfer
from tfstyle.models.cin.train import CINRecipe, CINTrainConfig, extend_generator, style_indices
from tfstyle.models.johnson import TransformerNet
from tfstyle.training import driver


def _model(rng, num_styles=2):
    keras.utils.set_random_seed(1)
    net = TransformerNet.from_preset(
        "lite_025", normalization="conditional_instance", num_styles=num_styles
    )
    model = ConditionalStyleTransfer(generator=net, vgg_weights=None)
    model.build((None, 32, 32, 3))
    model.set_styles([rng.uniform(size=(32, 32, 3)).astype("float32") for _ in range(num_styles)])
    return model


def _batches(rng, count, num_styles=2):
    for _ in range(count):
        yield {
            "image": rng.uniform(size=(2, 32, 32, 3)).astype("float32"),
            "style_index": np.arange(2, dtype="int32") % num_styles,
        }


def test_two_styles_give_different_outputs_per_index(rng):
    model = _model(rng)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    for batch in _batches(rng, 3):
        model.train_step(batch)
    x = rng.uniform(size=(1, 32, 32, 3)).astype("float32")
    out0 = model({"image": x, "style_index": np.array([0])}).numpy()
    out1 = model({"image": x, "style_index": np.array([1])}).numpy()
    assert np.abs(out0 - out1).max() > 1e-3


def test_blend_of_one_and_zero_equals_the_style(rng):
    model = _model(rng)
    for layer in model.generator._flatten_layers():
        if isinstance(layer, ConditionalInstanceNormalization):  # distinct rows
            layer.gamma.assign(rng.uniform(0.5, 1.5, layer.gamma.shape))
            layer.beta.assign(rng.normal(0, 0.3, layer.beta.shape))
    x = rng.uniform(size=(1, 32, 32, 3)).astype("float32")
    single = model({"image": x, "style_index": np.array([0])}).numpy()
    blend = model.generator([x, np.array([[1.0, 0.0]], "float32")]).numpy()
    np.testing.assert_allclose(blend, single, atol=1e-6)
    half = model.generator([x, np.array([[0.5, 0.5]], "float32")]).numpy()
    assert np.abs(half - single).max() > 1e-4


def test_loss_uses_each_examples_own_style(rng):
    model = _model(rng)
    model.content_weight = model.tv_weight = 0.0  # the style term alone
    x = rng.uniform(size=(2, 32, 32, 3)).astype("float32")

    def loss(images, index):
        batch = {"image": images, "style_index": np.array(index)}
        return float(model.compute_loss(batch, None, model(batch)))

    mixed = loss(x, [0, 1])
    assert mixed == pytest.approx(0.5 * (loss(x[:1], [0]) + loss(x[1:], [1])), rel=1e-5)
    assert mixed != pytest.approx(loss(x, [0, 0]), rel=1e-3)


def test_freezing_trains_only_the_new_row(rng):
    model = _model(rng, num_styles=3)
    model.freeze_for_new_style(2)
    before = [w.numpy().copy() for w in model.generator.weights]
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    trainable = {id(v) for v in model.trainable_variables}
    for batch in _batches(rng, 2, num_styles=3):
        batch["style_index"] = np.full(2, 2, "int32")
        model.train_step(batch)
    for w, old in zip(model.generator.weights, before, strict=True):
        new = w.numpy()
        if "gamma" in w.path or "beta" in w.path:
            assert id(w) in trainable
            np.testing.assert_array_equal(new[:2], old[:2])  # bit-identical frozen rows
            assert np.abs(new[2] - old[2]).max() > 0
        else:
            np.testing.assert_array_equal(new, old)


def test_extend_generator_copies_rows_and_convolutions(rng):
    model = _model(rng)
    grown = extend_generator(model.generator, 3)
    x = rng.uniform(size=(1, 32, 32, 3)).astype("float32")
    for index in (0, 1):
        w2 = np.eye(2, dtype="float32")[index][None]
        w3 = np.eye(3, dtype="float32")[index][None]
        np.testing.assert_allclose(grown([x, w3]), model.generator([x, w2]), atol=1e-6)


def test_extend_generator_keeps_every_architecture_setting(rng):
    # The phone-class preset sets its filters explicitly (and padding and edge padding
    # here, the zero-padded preset's until 2026-12-06); a copy built from the width
    # multiplier alone had other shapes.
    base = TransformerNet.from_preset(
        "mobile",
        separable=True,
        padding="zero",
        edge_padding=8,
        normalization="conditional_instance",
        num_styles=2,
    )
    base.build([(None, None, None, 3), (None, 2)])
    grown = extend_generator(base, 3)
    settings = (grown.filters, grown.separable, grown.padding, grown.edge_padding)
    assert settings == ((8, 16, 32), True, "zero", 8)
    x = rng.uniform(size=(1, 32, 32, 3)).astype("float32")
    w2, w3 = np.eye(2, dtype="float32")[1][None], np.eye(3, dtype="float32")[1][None]
    np.testing.assert_allclose(grown([x, w3]), base([x, w2]), atol=1e-6)


def test_style_indices_are_deterministic_and_resume():
    full = [i.numpy() for i in style_indices(3, 4, seed=7, start_step=0).take(6)]
    resumed = [i.numpy() for i in style_indices(3, 4, seed=7, start_step=4).take(2)]
    np.testing.assert_array_equal(np.stack(full[4:]), np.stack(resumed))
    assert set(np.concatenate(full)) == {0, 1, 2}
    only = next(iter(style_indices(3, 4, 0, 0, only=2))).numpy()
    assert (only == 2).all()


def test_add_style_changes_only_the_new_row(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(3):
        write_image(photos / f"{i}.png", np.random.default_rng(i), size=(36, 36))
    common = dict(
        content_dir=str(photos),
        image_size=32,
        batch_size=2,
        steps=2,
        vgg_weights=None,
        preset="lite_025",
        checkpoint_every=10,
        sample_every=0,
    )
    base = CINTrainConfig(styles=("mosaic", "candy"), output_dir=str(tmp_path / "base"), **common)
    driver.run(CINRecipe(base))
    added = CINTrainConfig(
        add_style="udnie", base=str(tmp_path / "base"), output_dir=str(tmp_path / "plus"), **common
    )
    result = driver.run(CINRecipe(dataclasses.replace(added, learning_rate=1e-2)))
    assert result["styles"] == ["mosaic", "candy", "udnie"]
    old = keras.saving.load_model(str(tmp_path / "base" / "generator.keras"))
    new = keras.saving.load_model(str(tmp_path / "plus" / "generator.keras"))
    assert new.num_styles == 3
    for a, b in zip(old.weights, new.weights, strict=True):
        if "gamma" in a.path or "beta" in a.path:
            np.testing.assert_array_equal(b.numpy()[:2], a.numpy())
            assert np.abs(b.numpy()[2] - a.numpy().mean(axis=0)).max() > 0
        else:
            np.testing.assert_array_equal(b.numpy(), a.numpy())


def test_release_round_trip(tmp_path, rng):
    model = _model(rng)
    path = str(tmp_path / "net.keras")
    model.generator.save(path)
    loaded = keras.saving.load_model(path)
    x = rng.uniform(size=(1, 32, 32, 3)).astype("float32")
    w = np.array([[0.3, 0.7]], "float32")
    np.testing.assert_allclose(loaded([x, w]), model.generator([x, w]), atol=1e-6)
    assert tf.reduce_all(tf.equal(loaded.num_styles, 2))


def test_the_output_conv_is_conditioned_too(rng):
    # Magenta normalises the last conv with per-style (gamma, beta) (review finding 5
    # of #10): a style can set its own colour balance and contrast.
    model = _model(rng, num_styles=3)
    norm = model.generator.conv_out.norm
    assert isinstance(norm, ConditionalInstanceNormalization)
    assert tuple(norm.gamma.shape) == (3, 3)
    x = rng.uniform(size=(1, 32, 32, 3)).astype("float32")
    before = model({"image": x, "style_index": np.array([2])}).numpy()
    other = model({"image": x, "style_index": np.array([0])}).numpy()
    norm.beta.assign(tf.tensor_scatter_nd_update(norm.beta, [[2]], [[0.5, 0.0, -0.5]]))
    after = model({"image": x, "style_index": np.array([2])}).numpy()
    assert after[..., 0].mean() > before[..., 0].mean() + 0.05
    assert after[..., 2].mean() < before[..., 2].mean() - 0.05
    np.testing.assert_allclose(other, model({"image": x, "style_index": np.array([0])}))
