"""Gradient-sign attacks under an L-inf budget: FGSM (Goodfellow et al., 2015), BIM
(Kurakin et al., 2017) and PGD (Madry et al., 2018), targeted or untargeted.

The classifier is any Keras model from images in [0, 1] (its own preprocessing inside,
e.g. `imagenet_classifier`'s Caffe BGR mean subtraction) to logits, so the budget
`epsilon` is in [0, 1] pixel units: 2/255 moves each channel by at most 2 grey levels.
"""

import dataclasses

import numpy as np
import tensorflow as tf

from tfstyle.errors import InvalidArgumentError

METHODS = ("fgsm", "bim", "pgd")


@dataclasses.dataclass
class AttackResult:
    """What an attack did, per image of the batch.

    Attributes:
        adversarial: (B, H, W, C) float32 in [0, 1].
        perturbation: adversarial - original, every value within [-epsilon, epsilon].
        probabilities: (steps + 1, B, K) the softmax before the attack and after each step.
        classes: (steps + 1, B) the predicted class at each of those points.
        confidences: (steps + 1, B) the probability of that class.
        original_classes: (B,) the prediction on the clean images.
        target: (B,) the target classes, or None for an untargeted attack.
        success: (B,) the target was reached (targeted) or the prediction left the
            original label (untargeted).
    """

    adversarial: np.ndarray
    perturbation: np.ndarray
    probabilities: np.ndarray
    classes: np.ndarray
    confidences: np.ndarray
    original_classes: np.ndarray
    target: np.ndarray | None
    success: np.ndarray


def _probabilities(logits, from_logits):
    logits = tf.cast(logits, tf.float32)
    return tf.nn.softmax(logits) if from_logits else logits


def attack(
    classifier,
    images,
    epsilon,
    method="pgd",
    steps=10,
    step_size=None,
    target=None,
    labels=None,
    from_logits=True,
    seed=0,
):
    """Perturbs `images` within an L-inf ball of radius `epsilon` to change the
    classifier's decision.

    Untargeted: each step ascends the cross-entropy of the true label (`labels`, by
    default the clean prediction); targeted: descends that of `target`. Each step moves
    by `step_size` times the gradient's sign, then projects onto the ball and [0, 1].

    Args:
        classifier: a Keras model (or callable) mapping images in [0, 1] to logits.
        images: (B, H, W, C) in [0, 1].
        epsilon: the L-inf budget in [0, 1] units (e.g. 2 / 255).
        method: "fgsm" (one step of size epsilon), "bim" (iterative, from the image) or
            "pgd" (iterative, from a uniform random point of the ball).
        steps: iterations of bim and pgd.
        step_size: per-step move (default: 2.5 epsilon / steps, Madry et al.'s).
        target: an int or (B,) ints for a targeted attack; None for untargeted.
        labels: (B,) true labels of an untargeted attack (default: the prediction).
        from_logits: False when the classifier outputs probabilities.
        seed: seed of pgd's random start.

    Returns:
        An `AttackResult`.
    """
    if method not in METHODS:
        raise InvalidArgumentError(f"method must be one of {', '.join(METHODS)}, got '{method}'")
    if not 0.0 < float(epsilon) <= 1.0:
        raise InvalidArgumentError(f"epsilon must be in (0, 1] (pixel units), got {epsilon}")
    if method == "fgsm":
        steps, step_size = 1, float(epsilon)
    elif steps < 1:
        raise InvalidArgumentError(f"steps must be at least 1, got {steps}")
    step_size = float(step_size or 2.5 * float(epsilon) / steps)
    x0 = tf.convert_to_tensor(np.asarray(images, np.float32))
    batch = int(x0.shape[0])
    clean = _probabilities(classifier(x0, training=False), from_logits)
    original = tf.argmax(clean, axis=-1)
    if target is not None:
        goal = tf.cast(tf.broadcast_to(tf.convert_to_tensor(target), [batch]), tf.int64)
    else:
        goal = original if labels is None else tf.cast(tf.convert_to_tensor(labels), tf.int64)
    sign = -1.0 if target is not None else 1.0
    low, high = tf.maximum(x0 - epsilon, 0.0), tf.minimum(x0 + epsilon, 1.0)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            logits = tf.cast(classifier(x, training=False), tf.float32)
            if not from_logits:
                logits = tf.math.log(tf.maximum(logits, 1e-12))
            loss = tf.reduce_sum(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=goal, logits=logits)
            )
        moved = x + sign * step_size * tf.sign(tape.gradient(loss, x))
        return tf.clip_by_value(moved, low, high), tf.nn.softmax(logits)

    x = x0
    if method == "pgd":
        noise = tf.random.stateless_uniform(x0.shape, [seed, 0], -epsilon, epsilon)
        x = tf.clip_by_value(x0 + noise, low, high)
    # The step returns the probabilities at its input, so step i > 0 reports the
    # result of step i - 1; the last step's result needs one more forward pass.
    history = [clean]
    for i in range(steps):
        x, before = step(x)
        if i:
            history.append(before)
    history.append(_probabilities(classifier(x, training=False), from_logits))
    probabilities = np.stack([p.numpy() for p in history])
    classes = probabilities.argmax(-1)
    final = classes[-1]
    success = final == goal.numpy() if target is not None else final != goal.numpy()
    adversarial = x.numpy()
    return AttackResult(
        adversarial=adversarial,
        perturbation=adversarial - x0.numpy(),
        probabilities=probabilities,
        classes=classes,
        confidences=probabilities.max(-1),
        original_classes=original.numpy(),
        target=goal.numpy() if target is not None else None,
        success=success,
    )


def fgsm(classifier, images, epsilon, **kwargs):
    """The fast gradient sign method: one step of size epsilon."""
    return attack(classifier, images, epsilon, method="fgsm", **kwargs)


def bim(classifier, images, epsilon, steps=10, **kwargs):
    """The basic iterative method: `steps` projected sign steps from the image."""
    return attack(classifier, images, epsilon, method="bim", steps=steps, **kwargs)


def pgd(classifier, images, epsilon, steps=10, **kwargs):
    """Projected gradient descent: BIM from a random point of the ball."""
    return attack(classifier, images, epsilon, method="pgd", steps=steps, **kwargs)
