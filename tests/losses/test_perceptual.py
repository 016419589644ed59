import numpy as np
import pytest
import tensorflow as tf

from tfstyle import losses

# Features with 2 positions (1 x 2) and 2 channels: F = [[1, 2], [3, 4]] (rows = positions).
F = np.array([[[[1.0, 2.0], [3.0, 4.0]]]], np.float32)
RAW_GRAM = np.array([[10.0, 14.0], [14.0, 20.0]], np.float32)  # F^T F


def test_gram_normalisations():
    np.testing.assert_allclose(losses.gram_matrix(F, "none")[0], RAW_GRAM)
    np.testing.assert_allclose(losses.gram_matrix(F, "johnson")[0], RAW_GRAM / 4)  # C*H*W = 4
    np.testing.assert_allclose(losses.gram_matrix(F, "gatys")[0], RAW_GRAM / 8)  # 2*N*M = 8
    with pytest.raises(ValueError, match="gatys"):
        losses.gram_matrix(F, "unknown")


def test_gatys_style_term_is_the_papers_E_l():
    # E_l = 1 / (4 N^2 M^2) sum (G - A)^2 with N = 2 filters, M = 2 positions, A = 0.
    expected = (RAW_GRAM**2).sum() / (4 * 2**2 * 2**2)
    zero = np.zeros((2, 2), np.float32)
    assert float(losses.style_layer_loss(F, zero, "gatys")) == pytest.approx(expected)


def test_johnson_style_term_is_squared_frobenius():
    target = np.eye(2, dtype=np.float32)
    expected = ((RAW_GRAM / 4 - target) ** 2).sum()
    assert float(losses.style_layer_loss(F, target, "johnson")) == pytest.approx(expected)


def test_style_loss_weights_layers_and_names_terms():
    feats = {"a": F, "b": 2 * F}
    grams = {"a": np.zeros((2, 2), np.float32), "b": np.zeros((2, 2), np.float32)}
    total, terms = losses.style_loss(feats, grams, {"a": 1.0, "b": 0.5}, "johnson")
    a = ((RAW_GRAM / 4) ** 2).sum()
    assert float(terms["style/a"]) == pytest.approx(a)
    assert float(terms["style/b"]) == pytest.approx(0.5 * 16 * a)  # Gram scales with 2^2
    assert float(total) == pytest.approx(a + 8 * a)


def test_content_loss():
    zero = np.zeros_like(F)
    assert float(losses.content_loss(F, zero, "johnson")) == pytest.approx(30 / 4)
    assert float(losses.content_loss(F, zero, "gatys")) == pytest.approx(15.0)


def test_total_variation():
    image = np.array([[[[0.0], [1.0]], [[2.0], [3.0]]]], np.float32)  # 1 x 2 x 2 x 1
    assert float(losses.total_variation_loss(image, "l2")) == pytest.approx(4.0 + 1.0)
    assert float(losses.total_variation_loss(image, "l1")) == pytest.approx(2.0 + 1.0)
    assert float(losses.total_variation_loss(np.ones((1, 4, 4, 3), np.float32))) == 0.0


def test_mean_std_and_loss():
    x = np.array([[[[1.0], [3.0]], [[1.0], [3.0]]]], np.float32)
    mean, std = losses.mean_std(x, epsilon=0.0)
    assert float(mean[0, 0, 0, 0]) == pytest.approx(2.0)
    assert float(std[0, 0, 0, 0]) == pytest.approx(1.0)
    total, terms = losses.mean_std_loss({"l": x}, {"l": x + 1.0})
    assert float(total) == pytest.approx(1.0, abs=1e-4)  # mean differs by 1, std equal
    assert set(terms) == {"style/l"}


def test_perceptual_loss_aggregates_named_terms():
    feats = {"c": F, "s": F}
    total, terms = losses.perceptual_loss(
        feats,
        content_targets={"c": np.zeros_like(F)},
        content_layers={"c": 1.0},
        style_grams={"s": np.zeros((2, 2), np.float32)},
        style_layers={"s": 1.0},
        images=np.zeros((1, 4, 4, 3), np.float32),
        content_weight=2.0,
        style_weight=3.0,
        tv_weight=1.0,
    )
    assert set(terms) == {"content", "style", "style/s", "tv"}
    assert float(terms["content"]) == pytest.approx(2 * 7.5)
    assert float(total) == pytest.approx(float(terms["content"] + terms["style"] + terms["tv"]))


@pytest.mark.parametrize("jit", [False, True])
def test_losses_run_in_tf_function_and_xla(jit):
    @tf.function(jit_compile=jit)
    def objective(x):
        feats = {"l": x}
        style, _ = losses.style_loss(feats, {"l": tf.zeros((3, 3))}, {"l": 1.0})
        mean_std, _ = losses.mean_std_loss(feats, {"l": x * 2.0})
        return (
            style
            + losses.content_loss(x, tf.zeros_like(x))
            + losses.total_variation_loss(x)
            + mean_std
        )

    x = tf.random.uniform((2, 8, 8, 3))
    eager = (
        losses.style_loss({"l": x}, {"l": tf.zeros((3, 3))}, {"l": 1.0})[0]
        + losses.content_loss(x, tf.zeros_like(x))
        + losses.total_variation_loss(x)
        + losses.mean_std_loss({"l": x}, {"l": x * 2.0})[0]
    )
    np.testing.assert_allclose(float(objective(x)), float(eager), rtol=1e-5)


def test_bfloat16_features_are_reduced_in_float32():
    x = tf.cast(tf.random.uniform((1, 8, 8, 4)), tf.bfloat16)
    assert losses.gram_matrix(x).dtype == tf.float32
    assert losses.content_loss(x, x).dtype == tf.float32


def test_gram_gradient_equals_autodiff_of_the_plain_product():
    # gram_matrix has a hand-written gradient F (dG + dG^T); it must equal autodiff's.
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(2, 5, 4, 3)).astype("float32"))
    weights = tf.constant(rng.normal(size=(2, 3, 3)).astype("float32"))  # not symmetric

    def grad(fn):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(fn(x) * weights)
        return tape.gradient(loss, x)

    def plain(x):
        return tf.einsum("bijc,bijd->bcd", x, x) / 60.0

    np.testing.assert_allclose(grad(losses.gram_matrix), grad(plain), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_total_variation_gradient_equals_autodiff(kind):
    rng = np.random.default_rng(1)
    x = tf.constant(rng.normal(size=(2, 5, 6, 3)).astype("float32"))

    def plain(x):
        dy, dx = x[:, 1:] - x[:, :-1], x[:, :, 1:] - x[:, :, :-1]
        f = tf.square if kind == "l2" else tf.abs
        return tf.reduce_mean(f(dy)) + tf.reduce_mean(f(dx))

    def grad(fn):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = 3.0 * fn(x)
        return loss, tape.gradient(loss, x)

    ours, expected = grad(lambda x: losses.total_variation_loss(x, kind)), grad(plain)
    np.testing.assert_allclose(ours[0], expected[0], rtol=1e-6)
    np.testing.assert_allclose(ours[1], expected[1], rtol=1e-5, atol=1e-7)
