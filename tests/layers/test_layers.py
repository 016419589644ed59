import keras
import numpy as np
import pytest
import tensorflow as tf

from tfstyle.layers import (
    ConditionalInstanceNormalization,
    ConvBlock,
    ImageLayerNormalization,
    InstanceNormalization,
    NearestUpsampling2D,
    ReflectionPadding2D,
    ResidualBlock,
)


def _round_trip(layer, inputs):
    """Serialises through get_config/from_config and checks equal outputs."""
    expected = layer(inputs)
    clone = layer.__class__.from_config(layer.get_config())
    clone(inputs)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(inputs), expected, atol=1e-6)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert type(restored) is type(layer)


def test_reflection_padding(rng):
    x = rng.uniform(size=(2, 5, 6, 3)).astype("float32")
    y = ReflectionPadding2D(2)(x)
    assert y.shape == (2, 9, 10, 3)
    np.testing.assert_array_equal(y[:, 0, 2:-2], x[:, 2])  # mirrored, edge not repeated
    assert ReflectionPadding2D(2).compute_output_shape((None, None, 7, 3)) == (None, None, 11, 3)
    _round_trip(ReflectionPadding2D(3), x)


def test_nearest_upsampling_keeps_channels_static_with_dynamic_size(rng):
    layer = NearestUpsampling2D(2)

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 8])])
    def f(x):
        y = layer(x)
        assert y.shape[-1] == 8  # static channel count: TFLite can convert the next conv
        return y

    x = rng.uniform(size=(1, 3, 4, 8)).astype("float32")
    y = f(x).numpy()
    assert y.shape == (1, 6, 8, 8)
    np.testing.assert_array_equal(y[:, ::2, ::2], x)
    np.testing.assert_array_equal(y[:, 1::2, 1::2], x)
    _round_trip(layer, x)


def test_instance_norm_normalises_each_image_and_channel(rng):
    x = (rng.normal(size=(2, 8, 8, 4)) * 5 + 3).astype("float32")
    y = InstanceNormalization()(x).numpy()
    np.testing.assert_allclose(y.mean(axis=(1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(y.std(axis=(1, 2)), 1, atol=1e-2)
    _round_trip(InstanceNormalization(epsilon=1e-3), x)


def test_instance_norm_keeps_float32_statistics_under_bfloat16(rng):
    layer = InstanceNormalization(dtype="mixed_bfloat16")
    x = tf.cast(rng.normal(size=(1, 8, 8, 4)) * 100 + 1000, tf.bfloat16)
    y = layer(x)
    assert y.dtype == tf.bfloat16
    assert abs(float(tf.reduce_mean(tf.cast(y, tf.float32)))) < 0.05


def test_conditional_instance_norm_picks_and_blends_rows(rng):
    layer = ConditionalInstanceNormalization(num_styles=2)
    x = rng.normal(size=(1, 4, 4, 3)).astype("float32")
    layer([x, np.array([[1.0, 0.0]], "float32")])
    layer.set_weights(
        [np.array([[1, 1, 1], [2, 2, 2]], "float32"), np.array([[0, 0, 0], [5, 5, 5]], "float32")]
    )
    normalized = InstanceNormalization(center=False, scale=False)(x)
    one_hot_1 = layer([x, np.array([[0.0, 1.0]], "float32")])
    np.testing.assert_allclose(one_hot_1, 2 * normalized + 5, atol=1e-5)
    blend = layer([x, np.array([[0.5, 0.5]], "float32")])
    np.testing.assert_allclose(blend, 1.5 * normalized + 2.5, atol=1e-5)
    _round_trip(layer, [x, np.array([[0.3, 0.7]], "float32")])


def test_image_layer_norm_takes_one_mean_and_variance_per_image(rng):
    x = rng.uniform(size=(2, 5, 7, 3)).astype("float32") * np.array([1.0, 5.0, -2.0], "float32")
    layer = ImageLayerNormalization()
    layer.build(x.shape)
    layer.set_weights([np.array([1.0, 2.0, 3.0], "float32"), np.array([0.0, 1.0, -1.0], "float32")])
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    std = np.sqrt(x.var(axis=(1, 2, 3), keepdims=True) + 1e-5)
    expected = (x - mean) / std * np.array([1.0, 2.0, 3.0]) + np.array([0.0, 1.0, -1.0])
    np.testing.assert_allclose(layer(x), expected, atol=1e-5)
    assert layer(x[:, :3, :4]).shape == (2, 3, 4, 3)  # any size: per-channel affine only
    _round_trip(layer, x)


def test_four_by_four_stride_two_reflect_conv_halves_the_size(rng):
    x = rng.uniform(size=(1, 12, 10, 3)).astype("float32")
    assert ConvBlock(4, 4, strides=2)(x).shape == (1, 6, 5, 4)  # PyTorch's k4 s2 p1


@pytest.mark.parametrize("normalization", ["instance", "batch", "layer", "none"])
@pytest.mark.parametrize("padding", ["reflect", "zero"])
def test_conv_block_shapes(rng, normalization, padding):
    x = rng.uniform(size=(2, 8, 12, 4)).astype("float32")
    assert ConvBlock(6, 3, strides=2, normalization=normalization, padding=padding)(x).shape == (
        2,
        4,
        6,
        6,
    )
    for upsampling in ("resize_conv", "transpose"):
        block = ConvBlock(
            5, 3, upsample=True, upsampling=upsampling, normalization=normalization, padding=padding
        )
        assert block(x).shape == (2, 16, 24, 5)
    _round_trip(ConvBlock(6, 9, normalization=normalization, padding=padding), x)


def test_residual_block(rng):
    x = rng.uniform(size=(1, 8, 8, 6)).astype("float32")
    block = ResidualBlock(6)
    assert block(x).shape == x.shape
    _round_trip(block, x)
    with pytest.raises(ValueError, match="padding"):
        ConvBlock(4, padding="circular")


def test_nearest_upsampling_gradient_is_exact_and_runs_under_xla(rng):
    layer = NearestUpsampling2D(2)
    x = tf.constant(rng.uniform(size=(1, 3, 5, 2)).astype("float32"))
    weights = tf.constant(rng.uniform(size=(1, 6, 10, 2)).astype("float32"))

    def loss(v):
        return tf.reduce_sum(layer(v) * weights)

    with tf.GradientTape() as tape:
        tape.watch(x)
        ours = tape.gradient(loss(x), x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        reference = tf.image.resize(x, (6, 10), method="nearest")
        expected = tape.gradient(tf.reduce_sum(reference * weights), x)
    np.testing.assert_allclose(ours, expected, atol=1e-6)

    @tf.function(jit_compile=True)
    def xla_grad(v):
        with tf.GradientTape() as tape:
            tape.watch(v)
            value = loss(v)
        return tape.gradient(value, v)

    np.testing.assert_allclose(xla_grad(x), expected, atol=1e-6)


def _textbook_instance_norm(x, gamma, beta, epsilon=1e-5):
    mean = tf.reduce_mean(x, axis=(1, 2), keepdims=True)
    variance = tf.reduce_mean(tf.square(x - mean), axis=(1, 2), keepdims=True)
    return (x - mean) / tf.sqrt(variance + epsilon) * gamma + beta


def test_instance_norm_value_and_gradient_equal_the_textbook_formula(rng):
    # The layer applies one multiply-add and takes the variance around a stop-gradient
    # mean; values and gradients (input, gamma, beta) must be the textbook ones.
    x = tf.constant((rng.normal(size=(2, 6, 5, 3)) * 4 + 2).astype("float32"))
    layer = InstanceNormalization()
    layer.build(x.shape)
    layer.gamma.assign(rng.uniform(0.5, 2, 3).astype("float32"))
    layer.beta.assign(rng.normal(size=3).astype("float32"))
    weights = tf.constant(rng.normal(size=(2, 6, 5, 3)).astype("float32"))

    def grads(fn):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn()
            loss = tf.reduce_sum(tf.square(y) * weights)
        return [y] + tape.gradient(loss, [x, layer.gamma.value, layer.beta.value])

    ours = grads(lambda: layer(x))
    expected = grads(lambda: _textbook_instance_norm(x, layer.gamma.value, layer.beta.value))
    for a, b in zip(ours, expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def _graph_ops(fn, *args):
    return [op.type for op in tf.function(fn).get_concrete_function(*args).graph.get_operations()]


def _norm_and_gradients(layer, inputs, x):
    """A norm layer's output and the gradients of sum(sin(output)) w.r.t. `x` and its
    weights."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(inputs)
        loss = tf.reduce_sum(tf.sin(y))
    return [y] + tape.gradient(loss, [x] + [w.value for w in layer.trainable_weights])


def test_fused_instance_norm_equals_the_plain_ops(rng):
    # Inside fused_kernels (Keras inference and every training step) each image takes
    # one FusedBatchNormV3 in training mode, with the same values and gradients as the
    # plain ops; a dynamic batch of two keeps the plain ops, and so do statistics
    # being recorded.
    from tfstyle.layers.normalization import recorded_statistics
    from tfstyle.ops.fused import fused_kernels

    layer = InstanceNormalization()
    layer.build((None, None, None, 3))
    layer.gamma.assign(rng.uniform(0.5, 2, 3).astype("float32"))
    layer.beta.assign(rng.normal(size=3).astype("float32"))
    x = tf.constant((rng.normal(size=(2, 9, 7, 3)) * 3 + 5).astype("float32"))
    expected = _textbook_instance_norm(x, layer.gamma.value, layer.beta.value)
    plain = _norm_and_gradients(layer, x, x)
    dynamic = tf.function(layer, input_signature=[tf.TensorSpec([None, None, None, 3])])
    with fused_kernels():
        assert _graph_ops(layer, x[:1]).count("FusedBatchNormV3") == 1
        assert _graph_ops(layer, x).count("FusedBatchNormV3") == 2
        np.testing.assert_allclose(layer(x[:1]), expected[:1], rtol=1e-5, atol=1e-5)
        fused = _norm_and_gradients(layer, x, x)
        for a, b in zip(fused, plain, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(dynamic(x[:1]), expected[:1], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(dynamic(x), expected, rtol=1e-5, atol=1e-5)
        with recorded_statistics() as recorded:
            layer(x[:1])
        assert recorded.flat().shape == (1, 6)
        mixed = InstanceNormalization(dtype="mixed_bfloat16")
        mixed.build((None, None, None, 3))
        mixed.set_weights(layer.get_weights())
        bf16 = _norm_and_gradients(mixed, x, x)  # float32 arithmetic, bfloat16 out
        assert bf16[0].dtype == tf.bfloat16
        for a, b in zip(bf16, plain, strict=True):
            np.testing.assert_allclose(tf.cast(a, "float32"), b, rtol=0.05, atol=0.05)


def test_fused_conditional_instance_norm_equals_the_plain_ops(rng):
    # CIN's per-image (gamma, beta), blended from the style weights, feed one fused
    # kernel per image, with the plain ops' values and gradients.
    from tfstyle.ops.fused import fused_kernels

    layer = ConditionalInstanceNormalization(3)
    layer.build([(None, None, None, 4), (None, 3)])
    layer.gamma.assign(rng.uniform(0.5, 2, (3, 4)).astype("float32"))
    layer.beta.assign(rng.normal(size=(3, 4)).astype("float32"))
    x = tf.constant((rng.normal(size=(2, 9, 7, 4)) * 3 + 5).astype("float32"))
    weights = tf.constant([[0.2, 0.0, 0.8], [0.0, 1.0, 0.0]], tf.float32)
    plain = _norm_and_gradients(layer, [x, weights], x)
    dynamic = tf.function(
        layer, input_signature=[[tf.TensorSpec([None, None, None, 4]), tf.TensorSpec([None, 3])]]
    )
    with fused_kernels():
        assert _graph_ops(layer, [x, weights]).count("FusedBatchNormV3") == 2
        fused = _norm_and_gradients(layer, [x, weights], x)
        for a, b in zip(fused, plain, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
        one = layer([x[1:], weights[1:]])
        np.testing.assert_allclose(one, plain[0][1:], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(dynamic([x[1:], weights[1:]]), one, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(dynamic([x, weights]), plain[0], rtol=1e-5, atol=1e-5)


def _values_and_gradients(block, x):
    """A conv block's output and the gradients of sum(sin(output)) with respect to its
    input, kernel and bias."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = block(x)
        loss = tf.reduce_sum(tf.sin(y))
    return [y] + tape.gradient(loss, [x, block.conv.kernel.value, block.conv.bias.value])


@pytest.mark.parametrize("kernel_size", [5, 7, 9])
@pytest.mark.parametrize("padding", ["reflect", "zero"])
def test_rgb_output_conv_on_space_to_depth_equals_the_plain_conv(rng, kernel_size, padding):
    # A large kernel to <= 4 channels takes the space-to-depth path when the size is
    # static and even; values and gradients equal those of the plain convolution.
    block = ConvBlock(3, kernel_size, padding=padding, normalization="none", activation=False)
    x = tf.constant(rng.normal(size=(2, 12, 10, 8)).astype("float32"))
    block.build(x.shape)
    assert block.rearranged and block._rearrange(x)
    block.conv.bias.assign(rng.normal(size=3).astype("float32"))

    def run(rearrange):
        block.rearranged = rearrange
        return _values_and_gradients(block, x)

    fast, plain = run(True), run(False)
    for a, b in zip(fast, plain, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    odd = tf.constant(rng.normal(size=(1, 7, 10, 8)).astype("float32"))
    block.rearranged = True
    assert not block._rearrange(odd)  # odd sizes (and dynamic ones) keep the plain conv
    assert block(odd).shape == (1, 7, 10, 3)


@pytest.mark.parametrize("padding", ["reflect", "zero"])
def test_upsampling_conv_on_the_input_grid_equals_resize_then_conv(rng, padding):
    # Nearest x2 + pad + 3 x 3 conv is computed as a 2 x 2 conv to four phases of the
    # input's grid; values and gradients equal those of the resize path, for static,
    # odd and dynamic sizes.
    block = ConvBlock(6, 3, upsample=True, padding=padding, normalization="none")
    x = tf.constant(rng.normal(size=(2, 7, 5, 4)).astype("float32"))
    block.build(x.shape)
    assert block.subpixel
    block.conv.bias.assign(rng.normal(size=6).astype("float32"))

    def run(subpixel):
        block.subpixel = subpixel
        return _values_and_gradients(block, x)

    fast, plain = run(True), run(False)
    assert fast[0].shape == (2, 14, 10, 6)
    for a, b in zip(fast, plain, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    block.subpixel = True
    dynamic = tf.function(block, input_signature=[tf.TensorSpec([None, None, None, 4])])
    np.testing.assert_allclose(dynamic(x), fast[0], rtol=1e-5, atol=1e-5)
    for kept in (
        ConvBlock(6, 5, upsample=True),
        ConvBlock(6, 3, upsample=True, upsampling="transpose"),
        ConvBlock(6, 3, upsample=True, separable=True),
    ):
        assert not kept.subpixel  # other kernels and transposed convs keep their path


def test_even_input_output_conv_takes_the_space_to_depth_path_with_dynamic_sizes(rng):
    block = ConvBlock(3, 9, normalization="none", activation=False, even_input=True)
    x = tf.constant(rng.normal(size=(1, 12, 10, 8)).astype("float32"))
    block.build(x.shape)

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 8])])
    def dynamic(x):
        assert block._rearrange(x)  # traced with unknown height and width
        return block(x)

    plain = ConvBlock.from_config({**block.get_config(), "even_input": False})
    plain.build(x.shape)
    plain.set_weights(block.get_weights())
    assert not plain._rearrange(tf.TensorSpec([None, None, None, 8]))
    plain.rearranged = False  # the plain convolution whatever the size
    np.testing.assert_allclose(dynamic(x), plain(x), rtol=1e-4, atol=1e-4)
    _round_trip(block, x)


@pytest.mark.parametrize("mode", ["REFLECT", "SYMMETRIC"])
@pytest.mark.parametrize("margin", [1, 3])
def test_edge_pad_equals_tf_pad(rng, mode, margin):
    # Every int margin pads with slices and a concatenation (TFLite's MIRROR_PAD is a
    # reference kernel, 5-8x slower) and MirrorPadGrad as gradient: the same values
    # and gradients as tf.pad, and no MirrorPad op for the exports to convert.
    from tfstyle.ops import mirror_pad
    from tfstyle.ops.pad import edge_pad

    x = tf.constant(rng.normal(size=(2, 9, 7, 3)).astype("float32"))
    paddings = [[0, 0], [margin, margin], [margin, margin], [0, 0]]
    weights = tf.constant(rng.normal(size=(2, 9 + 2 * margin, 7 + 2 * margin, 3)), "float32")

    def padded_and_gradient(pad):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = pad(x)
            loss = tf.reduce_sum(tf.sin(y) * weights)
        return y, tape.gradient(loss, x)

    ours = padded_and_gradient(lambda v: edge_pad(v, margin, mode))
    reference = padded_and_gradient(lambda v: tf.pad(v, paddings, mode=mode))
    for a, b in zip(ours, reference, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    if mode == "REFLECT":
        np.testing.assert_array_equal(mirror_pad(x, margin), ours[0])
    spec = tf.TensorSpec([None, None, None, 3])
    graph = tf.function(lambda v: edge_pad(v, margin, mode)).get_concrete_function(spec).graph
    assert "MirrorPad" not in [op.type for op in graph.get_operations()]


def _quarters():
    """A partition of a 16 x 24 image into four unequal regions: rows 0-4 and 4-16 by
    columns 0-9 and 9-24, each as (region in fractions of the size, pixels)."""
    for top, bottom in ((0, 4), (4, 16)):
        for left, right in ((0, 9), (9, 24)):
            region = np.array([[top / 16, left / 24, bottom / 16, right / 24]], "float32")
            yield region, (bottom - top) * (right - left)


@pytest.mark.parametrize("layer", ["instance", "image_layer"])
def test_measured_statistics_over_a_partition_add_up_to_the_whole_images(rng, layer):
    """`measured_statistics` normalises with the given statistics and records each
    layer's own mean and variance over a region: the regions of a partition, weighted
    by area, give the whole image's (what tiles use to rebuild the untiled pass)."""
    from tfstyle.layers.normalization import measured_statistics, recorded_statistics

    norm = InstanceNormalization() if layer == "instance" else ImageLayerNormalization()
    x = rng.normal(1.0, 2.0, (1, 16, 24, 5)).astype("float32")
    with recorded_statistics() as whole:
        expected = norm(x)
    whole = whole.flat().numpy()
    given = whole * 1.5 + 0.25  # what the layer normalises with, not what it measures
    with measured_statistics(given, np.array([[0, 0, 1, 1]], "float32")) as measured:
        out = norm(x)
    np.testing.assert_allclose(measured.flat().numpy(), whole, rtol=1e-5, atol=1e-6)
    with pytest.raises(AssertionError):  # normalised with `given`, not its own
        np.testing.assert_allclose(out, expected, atol=1e-3)
    means, squares = 0.0, 0.0
    for region, pixels in _quarters():
        with measured_statistics(given, region) as part:
            norm(x)
        mean, variance = np.split(part.flat().numpy()[0], 2)
        area = pixels / (16 * 24)
        means, squares = means + area * mean, squares + area * (variance + mean * mean)
    mean, variance = np.split(whole[0], 2)
    np.testing.assert_allclose(means, mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(squares - means * means, variance, rtol=1e-4)


@pytest.mark.parametrize("layer", ["instance", "image_layer"])
def test_integer_moments_of_a_partition_add_up_to_the_whole_images_exactly(rng, layer):
    """Inside `integer_moments` the layers measure with int64 sums of their input
    rounded to INTEGER_STEP: the regions' sums and counts add up to the whole image's
    exactly, and `moments_from_sums` in NumPy gives the whole pass's float32
    statistics bit for bit (float sums differ in the last bits with their order);
    the statistics stay within the rounding of the float ones."""
    from tfstyle.layers.normalization import (
        integer_moments,
        measured_statistics,
        moments_from_sums,
        recorded_statistics,
    )

    norm = InstanceNormalization() if layer == "instance" else ImageLayerNormalization()
    x = rng.normal(1.0, 2.0, (1, 16, 24, 5)).astype("float32")
    with recorded_statistics() as plain:
        norm(x)
    with integer_moments(), recorded_statistics() as whole:
        norm(x)
    whole = whole.flat().numpy()
    # 384 pixels rounded to 2**-10: ~2e-5 off in mean and variance.
    np.testing.assert_allclose(whole, plain.flat().numpy(), rtol=1e-4, atol=1e-4)
    firsts, seconds, counts = 0, 0, 0
    for region, pixels in _quarters():
        with integer_moments(), measured_statistics(whole * 1.5, region) as part:
            norm(x)
        first, second = np.split(part.flat().numpy()[0], 2)
        assert first.dtype == np.int64
        count = part.flat_counts().numpy()[0, 0]
        assert count == pixels * (1 if layer == "instance" else 5)
        firsts, seconds, counts = firsts + first, seconds + second, counts + count
    mean, variance = moments_from_sums(firsts, seconds, counts, in_numpy=True)
    np.testing.assert_array_equal(np.concatenate([mean, variance]), whole[0])
