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


def test_mobile_preset_is_narrow_with_few_full_resolution_channels(tmp_path, rng):
    """The phone-class network: 8 channels at full resolution, 16 at half, 32 in the
    residual blocks, plain 3x3 convs between 5x5 edge convs; saved and loaded it is the
    same; it exports to a float16 TFLite file under 1 MB and to ONNX, both matching
    Keras."""
    from export.pipeline import export_model

    net = _net("mobile")
    assert net.filters == (8, 16, 32) and net.edge_kernel_size == 5 and not net.separable
    assert net.count_params() < 120_000
    for block in [net.down1, net.up2] + [b.block_a for b in net.residual_blocks]:
        assert block.conv.kernel.shape[:2] == (3, 3)
    assert net.residual_blocks[0].block_a.conv.kernel.shape == (3, 3, 32, 32)
    assert net.conv_in.conv.kernel.shape == (5, 5, 3, 8)
    assert net.conv_out.conv.kernel.shape == (5, 5, 8, 3)
    x = rng.uniform(size=(1, 36, 28, 3)).astype("float32")
    y = net(x).numpy()
    assert y.shape == x.shape and 0.0 <= y.min() and y.max() <= 1.0
    path = str(tmp_path / "net.keras")
    net.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded(x), y, atol=1e-6)
    assert loaded.get_config() == net.get_config()
    net.tflite_variants, net.fixed_size_export = ("float16",), False
    manifest = export_model(
        path, str(tmp_path / "out"), ("tflite", "onnx"), generator=net, statistics=False
    )
    assert all(a["meets_goal"] for a in manifest["artefacts"]), manifest["artefacts"]
    (f16,) = [a for a in manifest["artefacts"] if a["format"] == "tflite"]
    assert f16["bytes"] < 1_000_000
    # Reflection padding (zero padding taught a frame), as slices and concatenations:
    # TFLite's MIRROR_PAD is a reference kernel, outside XNNPACK.
    assert "DEPTHWISE_CONV_2D" not in f16["ops"] and net.padding == "reflect"
    assert "MIRROR_PAD" not in f16["ops"] and "CONCATENATION" in f16["ops"]


def test_separable_option_uses_depthwise_then_pointwise_kernels(rng):
    """`separable=True`: the sampling convs and residual blocks are a 3x3 depthwise then
    a 1x1 kernel (the mobile preset's layout until 2026-12-05); the edge convs stay
    plain."""
    net = _net("mobile", separable=True, filters=(8, 16, 64))
    for block in [net.down1, net.up2] + [b.block_a for b in net.residual_blocks]:
        assert isinstance(block.conv, keras.layers.SeparableConv2D)
        assert block.conv.depthwise_kernel.shape[:2] == (3, 3)
        assert block.conv.pointwise_kernel.shape[:2] == (1, 1)
    assert net.conv_in.conv.kernel.shape == (5, 5, 3, 8) and net.count_params() < 60_000
    x = rng.uniform(size=(1, 36, 28, 3)).astype("float32")
    assert net(x).shape == x.shape


def test_edge_padding_mirrors_the_input_and_crops_the_margin(rng):
    """`edge_padding=8` (the zero-padded mobile preset's until 2026-12-06) is the
    zero-margin network run on the input mirrored by 8 px, cropped back."""
    net = _net("mobile", padding="zero", edge_padding=8)
    assert _net("mobile").edge_padding == 0
    plain = _net("mobile", padding="zero", edge_padding=0)
    plain.set_weights(net.get_weights())
    x = rng.uniform(size=(1, 36, 28, 3)).astype("float32")
    mirrored = np.pad(x, ((0, 0), (8, 8), (8, 8), (0, 0)), mode="reflect")
    expected = plain(mirrored).numpy()[:, 8:-8, 8:-8]
    np.testing.assert_allclose(net(x).numpy(), expected, atol=2e-6)
    with pytest.raises(ValueError, match="multiple of 4"):
        TransformerNet(edge_padding=6)


def test_bad_network_settings_are_refused():
    with pytest.raises(ValueError, match="filters"):
        TransformerNet(filters=(8, 16))
    with pytest.raises(ValueError, match="odd"):
        TransformerNet(edge_kernel_size=4)
    with pytest.raises(ValueError, match="separable"):
        TransformerNet(separable=True, upsampling="transpose")


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


def test_input_noise_perturbs_only_training_calls_and_follows_the_step(rng):
    model = _model(rng, input_noise=0.1)
    x = tf.constant(random_image(rng)[None])
    clean = model.generator(x, training=False)
    np.testing.assert_array_equal(model(x, training=False), clean)
    first = model(x, training=True)
    assert float(tf.reduce_max(tf.abs(first - model.generator(x, training=True)))) > 1e-3
    # A pure function of the optimiser's step: a resume at that step replays it.
    np.testing.assert_array_equal(model(x, training=True), first)
    model.optimizer.iterations.assign_add(1)
    assert not np.array_equal(model(x, training=True), first)
    assert FastStyleTransfer.from_config(model.get_config()).input_noise == 0.1
    with pytest.raises(ValueError, match="input_noise"):
        FastStyleTransfer(TransformerNet.from_preset("lite_025"), vgg_weights=None, input_noise=-1)
