import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import random_image
from tfstyle.models.johnson import FastStyleTransfer, TransformerNet


def _net(preset="paper", **kwargs):
    net = TransformerNet.from_preset(preset, **kwargs)
    if net.conditional:
        net.build([(None, None, None, 3), (None, net.num_styles)])
    else:
        net.build((None, None, None, 3))
    return net


def test_paper_preset_parameter_count():
    # The paper's table: about 1.68M parameters.
    assert _net("paper").count_params() == 1_679_235


def test_lite_presets_are_smaller():
    assert _net("lite").count_params() < 0.3 * 1_679_235
    assert _net("lite_025").count_params() < _net("lite").count_params()


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"normalization": "batch"},
        {"upsampling": "transpose"},
        {"padding": "zero"},
        {"num_residual_blocks": 2},
    ],
)
def test_output_shape_and_range(rng, options):
    net = _net("lite_025", **options)
    y = net(rng.uniform(size=(2, 32, 44, 3)).astype("float32")).numpy()
    assert y.shape == (2, 32, 44, 3)
    assert y.min() >= 0.0 and y.max() <= 1.0


def test_conditional_network_takes_style_weights(rng):
    net = _net("lite_025", normalization="conditional_instance", num_styles=3)
    x = rng.uniform(size=(2, 16, 16, 3)).astype("float32")
    assert net([x, np.eye(3, dtype="float32")[:2]]).shape == (2, 16, 16, 3)


def test_serialisation_round_trip(tmp_path, rng):
    net = _net("lite_025", upsampling="transpose")
    x = rng.uniform(size=(1, 16, 16, 3)).astype("float32")
    path = str(tmp_path / "net.keras")
    net.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded(x), net(x), atol=1e-6)
    assert loaded.get_config() == net.get_config()
    with pytest.raises(ValueError, match="preset"):
        TransformerNet.from_preset("huge")


def _model(rng, **kwargs):
    model = FastStyleTransfer(TransformerNet.from_preset("lite_025"), vgg_weights=None, **kwargs)
    model.build((None, 32, 32, 3))
    model.set_style(random_image(rng, 48, 40))
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    return model


def test_trainable_variables_are_exactly_the_generators(rng):
    model = _model(rng)
    ids = lambda variables: sorted(id(v) for v in variables)
    assert ids(model.trainable_variables) == ids(model.generator.trainable_variables)
    assert model.backbone.trainable_variables == []


def test_a_few_steps_lower_the_loss(rng):
    model = _model(rng)
    batch = tf.constant(np.stack([random_image(rng) for _ in range(2)]))
    step = tf.function(model.train_step)
    losses = []
    for _ in range(12):
        logs = step(batch)
        losses.append(float(logs["loss"]))
        model.reset_metrics()
    assert set(logs) >= {"loss", "content", "style", "tv"}
    assert np.mean(losses[-3:]) < 0.7 * np.mean(losses[:3])


def test_content_target_stops_at_the_content_layer(rng, monkeypatch):
    model = _model(rng)
    seen = []
    original = model.backbone.call
    monkeypatch.setattr(
        model.backbone, "call", lambda x, layers=None: seen.append(layers) or original(x, layers)
    )
    model.train_step(tf.constant(random_image(rng)[None]))
    assert seen[0] == ["block2_conv2"] and seen[1] is None


def test_needs_a_style(rng):
    model = FastStyleTransfer(TransformerNet.from_preset("lite_025"), vgg_weights=None)
    model.compile(optimizer="adam")
    with pytest.raises(ValueError, match="set_style"):
        model.train_step(tf.constant(random_image(rng)[None]))


def test_mixed_precision_step_runs_with_float32_losses(rng):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = _model(rng)
        logs = model.train_step(tf.constant(random_image(rng)[None]))
        assert np.isfinite(float(logs["loss"]))
        assert model.generator.conv_in.conv.kernel.dtype == "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_config_round_trip(rng):
    model = _model(rng, style_weight=3.0)
    clone = FastStyleTransfer.from_config(model.get_config())
    assert clone.style_weight == 3.0
    assert clone.generator.get_config() == model.generator.get_config()
