import numpy as np
import pytest
import scipy.optimize
import tensorflow as tf

from tfstyle.optimizers import lbfgs_minimize


def _rosenbrock(x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = tf.reduce_sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    return value, tape.gradient(value, x), {}


def test_solves_a_quadratic_like_scipy():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20, 20)).astype(np.float32)
    matrix = tf.constant(a @ a.T + 20 * np.eye(20, dtype=np.float32))
    target = tf.constant(rng.normal(size=20).astype(np.float32))

    def quadratic(x):
        d = x - target
        value = 0.5 * tf.reduce_sum(d * tf.linalg.matvec(matrix, d))
        return value, tf.linalg.matvec(matrix, d), {}

    ours = lbfgs_minimize(quadratic, tf.zeros(20), 60)
    np.testing.assert_allclose(ours["x"].numpy(), target.numpy(), atol=1e-3)
    reference = scipy.optimize.minimize(
        lambda x: [float(v) for v in [quadratic(tf.constant(x, tf.float32))[0]]][0],
        np.zeros(20),
        method="L-BFGS-B",
    )
    assert ours["loss"] <= reference.fun + 1e-3


@pytest.mark.parametrize("line_search", [False, True])
def test_rosenbrock(line_search):
    result = lbfgs_minimize(
        _rosenbrock, tf.constant([-1.2, 1.0, -1.2, 1.0]), 500, line_search=line_search
    )
    np.testing.assert_allclose(result["x"].numpy(), 1.0, atol=1e-2)


def test_one_evaluation_per_iteration_without_line_search():
    result = lbfgs_minimize(_rosenbrock, tf.constant([-1.2, 1.0]), 10, tolerance=0.0)
    assert result["iterations"] == 10 and result["evaluations"] == 11


def test_callback_sees_every_iteration_and_can_stop():
    seen = []

    def callback(iteration, x, loss, extras, evaluations):
        seen.append((iteration, loss))
        return iteration == 3

    result = lbfgs_minimize(_rosenbrock, tf.constant([-1.2, 1.0]), 50, callback=callback)
    assert [i for i, _ in seen] == [1, 2, 3] and result["iterations"] == 3


def test_non_finite_loss_is_an_error():
    def bad(x):
        return tf.constant(float("nan")), tf.ones_like(x), {}

    with pytest.raises(FloatingPointError):
        lbfgs_minimize(bad, tf.ones(3), 5)


def test_max_step_caps_every_coordinate_move():
    moves = []
    previous = {"x": tf.constant([3.0, -2.0, 0.5])}

    def steep(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            value = tf.reduce_sum(1e4 * x**4)
        return value, tape.gradient(value, x), {}

    def record(iteration, x, loss, extras, evaluations):
        moves.append(float(tf.reduce_max(tf.abs(x - previous["x"]))))
        previous["x"] = x

    result = lbfgs_minimize(
        steep, previous["x"], 30, line_search=True, max_step=0.25, callback=record
    )
    assert max(moves) <= 0.25 + 1e-6
    assert result["loss"] < 1e-2


def test_a_failed_line_search_never_accepts_a_worse_point():
    # A gradient with the wrong sign: no step along it lowers the loss. Before review
    # finding 6 of #10 the exhausted backtracking took the (worse) last candidate.
    def misleading(x):
        return tf.reduce_sum(x**2), -2.0 * x, {}

    x0 = tf.constant([1.0, -2.0, 0.5])
    result = lbfgs_minimize(misleading, x0, 5, line_search=True)
    assert result["loss"] == pytest.approx(5.25)
    np.testing.assert_array_equal(result["x"].numpy(), x0.numpy())
    assert not result["converged"]


def test_a_rejected_curvature_pair_keeps_the_last_scaling():
    from tfstyle.optimizers.lbfgs import _History

    history = _History(5)
    assert history.remember(tf.constant([1.0, 0.0]), tf.constant([4.0, 0.0]))
    assert history.gamma == pytest.approx(0.25)
    # s.y < 0 (negative curvature): the pair is refused, gamma stays (torch keeps it;
    # it used to fall back to 1, a 4x too long next step here).
    assert not history.remember(tf.constant([1.0, 0.0]), tf.constant([-1.0, 0.0]))
    assert history.gamma == pytest.approx(0.25)
    assert len(history.pairs) == 1
