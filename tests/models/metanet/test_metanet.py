"""MetaNet: generated parameter counts, generated networks, training and serialisation."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfstyle.data import ContentSource
from tfstyle.layers.generated_conv import GeneratedConv2D
from tfstyle.models.metanet import MetaNetStyleTransfer, MetaTransformerNet
from tfstyle.models.metanet.meta_style_transfer import STYLE_SIDE
from tfstyle.models.metanet.train import style_stream


def _net(preset, width=1.0):
    net = MetaTransformerNet(preset, width)
    net.build((None, None, None, 3))
    return net


def test_reference_groups_match_the_paper_numbers():
    net = _net("reference")
    assert net.group_sizes == [18_496, 73_856] + [147_584] * 10 + [73_792, 18_464]
    for layer, size in zip(net.generated_layers, net.group_sizes, strict=True):
        assert size == int(np.prod(layer.kernel.shape)) + int(np.prod(layer.bias.shape))
    shared = [w for w in net.trainable_weights]  # the 9x9 convs are trained, not generated
    assert len(shared) == 4


def test_paper_network_generates_every_conv_and_keeps_the_size():
    net = _net("paper")
    assert len(net.group_sizes) == 16 and sum(net.group_sizes) == 107_971
    assert not net.trainable_weights
    x = np.random.default_rng(0).uniform(size=(1, 64, 48, 3)).astype("float32")
    assert net(x).shape == (1, 64, 48, 3)


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(5)
    return MetaNetStyleTransfer(
        MetaTransformerNet("reference", 0.125), hidden_per_group=8, vgg_weights=None
    )


def test_meta_outputs_match_the_network_they_feed(model):
    style = np.random.default_rng(1).uniform(size=(1, 32, 32, 3)).astype("float32")
    params = model.generate(style)
    assert [int(p.shape[0]) for p in params] == model.transformer.group_sizes
    assert model.style_features(style).shape == (1, 1920)


def test_two_styles_give_two_different_networks(model):
    rng = np.random.default_rng(2)
    x = rng.uniform(size=(1, 32, 32, 3)).astype("float32")
    a = rng.uniform(size=(1, 32, 32, 3)).astype("float32")
    b = rng.uniform(size=(1, 32, 32, 3)).astype("float32") ** 3
    net_a, net_b = model.generate_network(a), model.generate_network(b)
    assert np.abs(net_a(x).numpy() - net_b(x).numpy()).max() > 1e-4
    np.testing.assert_allclose(net_a(x), model({"image": x, "style": a}), atol=1e-5)


def test_generated_conv_matches_its_own_weights(rng):
    for kwargs in (
        {"strides": 2},
        {"upsample": "nearest"},
        {"upsample": "transpose"},
        {"padding": "valid"},
    ):
        layer = GeneratedConv2D(6, 3, **kwargs)
        x = rng.uniform(size=(1, 12, 10, 4)).astype("float32")
        layer.build(x.shape)
        params = rng.normal(size=layer.param_count).astype("float32")
        with_params = layer(x, params).numpy()
        layer.assign(params)
        np.testing.assert_allclose(layer(x).numpy(), with_params, atol=1e-5)
        assert with_params.shape == layer.compute_output_shape(x.shape)


def test_train_step_reaches_the_meta_network(model, rng):
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    before = [w.numpy().copy() for w in model.meta.trainable_weights]
    batch = {
        "image": rng.uniform(size=(2, 32, 32, 3)).astype("float32"),
        "style": rng.uniform(size=(1, 32, 32, 3)).astype("float32"),
    }
    logs = tf.function(model.train_step)(batch)
    assert np.isfinite(float(logs["loss"]))
    assert all(
        np.abs(w.numpy() - b).max() > 0
        for w, b in zip(model.meta.trainable_weights, before, strict=True)
    )


def test_round_trips(model, tmp_path, rng):
    path = str(tmp_path / "meta.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, compile=False)
    x = rng.uniform(size=(1, 32, 32, 3)).astype("float32")
    style = rng.uniform(size=(1, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(
        loaded({"image": x, "style": style}), model({"image": x, "style": style}), atol=1e-5
    )
    net = model.generate_network(style)
    net.save(str(tmp_path / "net.keras"))
    again = keras.saving.load_model(str(tmp_path / "net.keras"))
    np.testing.assert_allclose(again(x), net(x), atol=1e-6)


def test_style_stream_changes_every_k_steps_and_resumes(tmp_path):
    from tests.conftest import write_image

    paths = tuple(
        write_image(tmp_path / f"{i}.png", np.random.default_rng(i), size=(24, 24))
        for i in range(4)
    )
    source = ContentSource(paths=paths)
    full = [s.numpy() for s in style_stream(source, 16, 3, seed=0, start_step=0).take(9)]
    for i in range(9):
        assert full[i].shape == (1, 16, 16, 3)
        np.testing.assert_array_equal(full[i], full[3 * (i // 3)])
    assert np.abs(full[0] - full[3]).max() > 0
    resumed = [s.numpy() for s in style_stream(source, 16, 3, seed=0, start_step=4).take(5)]
    for a, b in zip(full[4:], resumed, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_painting_makes_the_same_network_at_any_file_size(model):
    # One scale everywhere (review finding 9 of #10): training sees styles with the
    # shorter side at STYLE_SIDE, and generate() brings any other size there first.

    small = np.random.default_rng(7).uniform(size=(1, 6, 4, 3)).astype("float32")
    large = tf.image.resize(small, (3 * STYLE_SIDE // 2, STYLE_SIDE), "bilinear")
    half = tf.image.resize(small, (3 * STYLE_SIDE // 4, STYLE_SIDE // 2), "bilinear")
    from_large = model.generate(large)
    from_half = model.generate(half)
    for a, b in zip(from_large, from_half, strict=True):
        np.testing.assert_allclose(a, b, atol=0.02 * float(tf.reduce_max(tf.abs(a))))
    direct = model.style_features(half)
    assert np.abs(direct - model.style_features(large)).max() > 1e-3  # scale matters


def test_style_term_is_the_reference_mean_std_loss(model, rng):
    # The reference port's loss is mean/std with weight 50 (review finding 2 of #10).
    from tfstyle.losses import mean_std_loss
    from tfstyle.models.metanet.meta_style_transfer import DEFAULT_STYLE_WEIGHT

    assert DEFAULT_STYLE_WEIGHT == 50.0
    images = tf.constant(rng.uniform(size=(2, 32, 32, 3)).astype("float32"))
    style = tf.constant(rng.uniform(size=(1, 32, 32, 3)).astype("float32"))
    feats, style_feats = model.backbone(images), model.backbone(style)
    _, terms = model.objective(feats, feats, style_feats, images)
    expected, _ = mean_std_loss(feats, style_feats, model.style_layers)
    assert float(terms["style"]) == pytest.approx(model.style_weight * float(expected), rel=1e-5)
    assert float(terms["content"]) == 0.0


def _cross_style_spread(model, styles):
    """Spread of the generated parameters across styles, over their typical size."""
    params = np.stack(
        [np.concatenate([p.numpy().ravel() for p in model.generate(s[None])]) for s in styles]
    )
    return np.abs(params - params.mean(axis=0)).mean() / np.abs(params).mean()


def test_standardized_inputs_make_the_network_depend_on_the_style():
    # Layer-normalised inputs are mostly what every painting shares: on the ImageNet
    # features after 400 steps, outputs in 7 styles were 0.0075 apart (0.145 at 300
    # steps with standardised inputs).
    rng = np.random.default_rng(4)
    styles = [rng.uniform(size=(32, 32, 3)).astype("float32") ** k for k in (0.5, 1, 2, 4)]
    spreads = {}
    for mode in ("layer", "standardize"):
        keras.utils.set_random_seed(5)
        model = MetaNetStyleTransfer(
            MetaTransformerNet("reference", 0.125),
            hidden_per_group=8,
            input_normalization=mode,
            vgg_weights=None,
        )
        if mode == "standardize":
            before = _cross_style_spread(model, styles)  # statistics not set: layer norm
            model.set_feature_statistics(styles)
            z = model.meta.normalize_features(
                tf.concat([model.style_features_at_scale(tf.constant(s[None])) for s in styles], 0)
            ).numpy()
            np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-3)
            # Unit deviation, except features that never vary (dead random-VGG units).
            assert np.median(np.abs(z.std(axis=0) - 1)) < 1e-2
            assert int(model.meta.feature_count.numpy()) == 4
        spreads[mode] = _cross_style_spread(model, styles)
    np.testing.assert_allclose(before, spreads["layer"], rtol=1e-5)
    # At initialisation already: 0.80 against 0.43 of the parameters' typical size.
    assert spreads["standardize"] > 1.5 * spreads["layer"], spreads


def test_runs_and_files_from_before_standardization_keep_layer_norm(model, tmp_path):
    from tfstyle.errors import InvalidArgumentError
    from tfstyle.models.metanet.train import MetaNetRecipe
    from tfstyle.training.run_config import check_run_config

    config = model.get_config()
    config.pop("input_normalization")
    assert MetaNetStyleTransfer.from_config(config).input_normalization == "layer"
    assert model.input_normalization == "standardize"
    old = {"family": "metanet", "style_dir": "s"}  # config.json of an earlier run
    (tmp_path / "config.json").write_text(json.dumps(old))
    keys = ("input_normalization",)
    new = {**old, "input_normalization": "standardize"}
    upgrade = MetaNetRecipe.upgrade_run_config
    with pytest.raises(InvalidArgumentError, match="input_normalization: 'layer'"):
        check_run_config(str(tmp_path), new, keys, upgrade)
    assert check_run_config(str(tmp_path), {**old, "input_normalization": "layer"}, keys, upgrade)


def test_statistics_skip_paintings_that_fail_to_decode(tmp_path):
    from tests.conftest import write_image
    from tfstyle.models.metanet.train import _readable

    good = write_image(tmp_path / "good.png", size=(40, 30))
    data = open(write_image(tmp_path / "cut.png", size=(64, 64)), "rb").read()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 3])  # header intact, data cut
    images = list(_readable([str(tmp_path / "cut.png"), good]))
    assert len(images) == 1 and images[0].shape == (30, 40, 3)
