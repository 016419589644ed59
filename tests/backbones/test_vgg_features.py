import keras
import numpy as np
import pytest
import tensorflow as tf

from tfstyle.backbones import VGG_LAYERS, CaffePreprocess, VGGFeatures, resolve_layer_name
from tfstyle.errors import WeightsError


@pytest.mark.parametrize(
    "name,expected",
    [
        ("relu4_2", "block4_conv2"),
        ("conv4_2", "block4_conv2"),
        ("block4_conv2", "block4_conv2"),
        ("RELU1_1", "block1_conv1"),
        ("pool3", "block3_pool"),
    ],
)
def test_aliases(name, expected):
    assert resolve_layer_name(name) == expected


def test_unknown_layer_lists_valid_names():
    with pytest.raises(ValueError) as error:
        resolve_layer_name("relu4_4", "vgg16")
    assert "block4_conv3" in str(error.value) and "relu4_4" in str(error.value)
    with pytest.raises(ValueError, match="block5_conv4"):
        VGGFeatures(["relu9_9"], weights=None)


def test_vgg19_has_the_extra_convs():
    assert "block4_conv4" in VGG_LAYERS["vgg19"]
    assert "block4_conv4" not in VGG_LAYERS["vgg16"]


def test_outputs_are_keyed_by_keras_names_with_right_shapes(rng):
    vgg = VGGFeatures(["relu1_1", "conv2_2", "relu4_2"], weights=None)
    out = vgg(rng.uniform(size=(2, 32, 48, 3)).astype("float32"))
    assert set(out) == {"block1_conv1", "block2_conv2", "block4_conv2"}
    assert out["block1_conv1"].shape == (2, 32, 48, 64)
    assert out["block2_conv2"].shape == (2, 16, 24, 128)
    assert out["block4_conv2"].shape == (2, 4, 6, 512)


def test_builds_only_up_to_the_deepest_layer():
    vgg = VGGFeatures(["relu2_1"], weights=None)
    assert [layer.name for layer in vgg._stack] == [
        "block1_conv1",
        "block1_conv2",
        "block1_pool",
        "block2_conv1",
    ]
    assert vgg.deepest_layer == "block2_conv1"
    assert vgg.count_params() == (3 * 9 * 64 + 64) + (64 * 9 * 64 + 64) + (64 * 9 * 128 + 128)


def test_vgg16_option():
    vgg = VGGFeatures(["relu5_3"], architecture="vgg16", weights=None)
    assert len([n for n in (layer.name for layer in vgg._stack) if "conv" in n]) == 13


def test_preprocessing_matches_keras(rng):
    x = rng.uniform(size=(2, 8, 8, 3)).astype("float32")
    expected = keras.applications.vgg19.preprocess_input(x * 255.0)
    np.testing.assert_allclose(CaffePreprocess()(x).numpy(), expected, atol=1e-4)


def test_preprocessing_is_float32_under_mixed_bfloat16(rng):
    """Scaling to 0..255 and subtracting the mean in bfloat16 lost up to ~1 unit."""
    x = rng.uniform(size=(1, 8, 8, 3)).astype("float32")
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        vgg = VGGFeatures(["block1_conv1"], weights=None)
        out = vgg.preprocess(x)
        feats = vgg(x)["block1_conv1"]
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert out.dtype == "float32" and feats.dtype == "bfloat16"
    expected = keras.applications.vgg19.preprocess_input(x * 255.0)
    np.testing.assert_allclose(out, expected, atol=1e-4)


def test_frozen_no_trainable_variables(rng):
    vgg = VGGFeatures(["relu3_1"], weights=None)
    assert vgg.trainable_variables == []
    assert len(vgg.non_trainable_variables) == 10
    x = tf.constant(rng.uniform(size=(1, 16, 16, 3)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(vgg(x)["block3_conv1"])
    assert tape.gradient(y, x) is not None  # gradients flow to the image, not the weights


def test_average_pooling(rng):
    vgg = VGGFeatures(["relu2_1"], weights=None, pooling="avg")
    assert isinstance(vgg._stack[2], keras.layers.AveragePooling2D)
    with pytest.raises(ValueError, match="pooling"):
        VGGFeatures(["relu2_1"], weights=None, pooling="median")


def test_loads_a_weights_file(tmp_path, rng):
    reference = keras.applications.VGG19(include_top=False, weights=None)
    path = str(tmp_path / "vgg19.weights.h5")
    reference.save_weights(path)
    vgg = VGGFeatures(["relu3_1"], weights=path)
    for name in ("block1_conv1", "block3_conv1"):
        np.testing.assert_array_equal(
            vgg._stack[[layer.name for layer in vgg._stack].index(name)].kernel.numpy(),
            reference.get_layer(name).kernel.numpy(),
        )


def test_missing_weights_file_is_a_clear_error(tmp_path):
    with pytest.raises(WeightsError, match="does not exist"):
        VGGFeatures(["relu1_1"], weights=str(tmp_path / "nope.h5"))


def test_wrong_weights_file_is_a_clear_error(tmp_path):
    path = str(tmp_path / "vgg16.weights.h5")
    keras.applications.VGG16(include_top=False, weights=None).save_weights(path)
    with pytest.raises(WeightsError, match="vgg19"):
        VGGFeatures(["relu1_1"], architecture="vgg19", weights=path)


def test_config_round_trip():
    vgg = VGGFeatures(["relu1_1", "relu2_1"], architecture="vgg16", weights=None, pooling="avg")
    clone = VGGFeatures.from_config(vgg.get_config())
    assert clone.layer_names == vgg.layer_names
    assert clone.architecture == "vgg16" and clone.pooling == "avg"
