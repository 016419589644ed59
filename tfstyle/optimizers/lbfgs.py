"""L-BFGS on TensorFlow tensors, as torch.optim.LBFGS runs it for neural-style.

Nocedal & Wright, "Numerical Optimization", algorithm 7.4 (two-loop recursion). With
no line search (the default, as neural-style uses it) each iteration costs exactly one
loss-and-gradient evaluation, and the state never leaves the device: no float64
copies through numpy as scipy needs. A backtracking (Armijo) line search is available
for objectives where a unit step can overshoot.
"""

import math

import tensorflow as tf


def _dot(a, b):
    return tf.reduce_sum(a * b)


def lbfgs_minimize(
    value_and_gradient,
    x0,
    steps,
    history_size=20,
    learning_rate=1.0,
    line_search=False,
    max_step=None,
    callback=None,
    tolerance=1e-9,
):
    """Minimises `value_and_gradient` from `x0` for `steps` iterations.

    Args:
        value_and_gradient: `f(x) -> (loss, gradient, extras)` on float32 tensors;
            `extras` is passed to `callback` (e.g. named loss terms).
        x0: starting point (any shape).
        steps: maximum iterations.
        history_size: correction pairs kept.
        learning_rate: step length after the first iteration (1 is the quasi-Newton step).
        line_search: backtrack (halve the step) until the Armijo condition holds.
        max_step: if set, no coordinate moves by more than this in one iteration (for
            images in [0, 1], a natural trust region that stops early overshoots).
        callback: `callback(iteration, x, loss, extras, evaluations)`; return True to stop.
        tolerance: stop when the step or the loss change falls below it.

    Returns:
        dict: x, loss, iterations, evaluations, converged.
    """
    x = tf.convert_to_tensor(x0, tf.float32)
    loss, grad, extras = value_and_gradient(x)
    evaluations = 1
    history = _History(history_size)
    direction = step_size = previous_grad = None
    converged = False
    iteration = 0
    for iteration in range(1, int(steps) + 1):
        steepest = previous_grad is None
        if steepest:
            direction = -grad
            step_size = (
                min(1.0, 1.0 / max(float(tf.reduce_sum(tf.abs(grad))), 1e-12)) * learning_rate
            )
        else:
            history.remember(direction * step_size, grad - previous_grad)
            direction = history.direction(grad)
            step_size = learning_rate
        previous_grad = grad
        slope = float(_dot(grad, direction))
        if slope > -tolerance:  # not a descent direction: restart from steepest descent
            history.clear()
            direction = -grad
            steepest = True
            slope = float(_dot(grad, direction))
        if max_step is not None:
            largest = float(tf.reduce_max(tf.abs(direction)))
            if largest * step_size > max_step:
                step_size = max_step / largest
        previous_loss = float(loss)
        candidate = x + step_size * direction
        new_loss, new_grad, new_extras = value_and_gradient(candidate)
        evaluations += 1
        while line_search and not _sufficient(new_loss, previous_loss, step_size, slope):
            step_size *= 0.5
            if step_size < 1e-10:
                break
            candidate = x + step_size * direction
            new_loss, new_grad, new_extras = value_and_gradient(candidate)
            evaluations += 1
        if line_search and not _sufficient(new_loss, previous_loss, step_size, slope):
            # Backtracking ran out without a decrease: stay where we are (accepting the
            # worse point undid progress). A quasi-Newton direction may be what failed,
            # so retry from steepest descent; if that fails too, stop.
            if steepest:
                break
            history.clear()
            previous_grad = None
            continue
        if not math.isfinite(float(new_loss)):
            raise FloatingPointError(f"L-BFGS produced a non-finite loss at iteration {iteration}")
        x, loss, grad, extras = candidate, new_loss, new_grad, new_extras
        stop = callback(iteration, x, float(loss), extras, evaluations) if callback else False
        change = abs(previous_loss - float(loss))
        if stop or change < tolerance * max(1.0, abs(previous_loss)) and iteration > 1:
            converged = not stop
            break
    return {
        "x": x,
        "loss": float(loss),
        "iterations": iteration,
        "evaluations": evaluations,
        "converged": converged,
    }


def _sufficient(new_loss, previous_loss, step_size, slope):
    """Armijo condition: a finite loss that fell by at least 1e-4 of the predicted drop."""
    value = float(new_loss)
    return math.isfinite(value) and value <= previous_loss + 1e-4 * step_size * slope


class _History:
    """The correction pairs (s, y) and the initial Hessian scaling gamma = s.y / y.y.

    A pair that breaks the curvature condition (s.y <= 0, a non-convex stretch) is not
    stored and leaves gamma as it was, as torch.optim.LBFGS does (resetting it to 1
    threw away the scale learnt so far and gave a badly sized next step).
    """

    def __init__(self, size):
        self.size = size
        self.pairs = []
        self.gamma = 1.0

    def clear(self):
        self.pairs = []

    def remember(self, s, y):
        ys = float(_dot(y, s))
        if ys <= 1e-10:
            return False
        if len(self.pairs) == self.size:
            self.pairs.pop(0)
        self.pairs.append((s, y, 1.0 / ys))
        self.gamma = ys / float(_dot(y, y))
        return True

    def direction(self, grad):
        """-H grad by the two-loop recursion (Nocedal & Wright, algorithm 7.4)."""
        q = -grad
        alphas = []
        for s_i, y_i, rho_i in reversed(self.pairs):
            alpha = rho_i * _dot(s_i, q)
            alphas.append(alpha)
            q = q - alpha * y_i
        r = q * self.gamma
        for (s_i, y_i, rho_i), alpha in zip(self.pairs, reversed(alphas), strict=True):
            beta = rho_i * _dot(y_i, r)
            r = r + s_i * (alpha - beta)
        return r
