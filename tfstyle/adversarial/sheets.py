"""Side-by-side pictures of attacks: image | perturbation (amplified) | adversarial,
with the classifier's labels under each."""

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tfstyle.adversarial.universal import predict

_LINE = 14  # pixels per text line of Pillow's default font


def _rgb(image):
    image = np.clip(np.asarray(image, np.float32), 0.0, 1.0)
    return np.repeat(image, 3, axis=-1) if image.shape[-1] == 1 else image


def show_perturbation(perturbation, epsilon):
    """Maps [-epsilon, epsilon] to [0, 1] (grey = no change): the amplified view."""
    return _rgb(0.5 + np.asarray(perturbation, np.float32) / (2.0 * epsilon))


def _captioned(image, lines, scale=1):
    """`image` (H, W, 3) in [0, 1] enlarged `scale` x, with `lines` of text below."""
    pixels = (np.clip(image, 0, 1) * 255).round().astype(np.uint8)
    panel = Image.fromarray(pixels).resize(
        (pixels.shape[1] * scale, pixels.shape[0] * scale), Image.NEAREST
    )
    canvas = Image.new("RGB", (panel.width, panel.height + _LINE * len(lines) + 4), "white")
    canvas.paste(panel, (0, 0))
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default()
    for i, line in enumerate(lines):
        draw.text((2, panel.height + 2 + i * _LINE), line, fill="black", font=font)
    return np.asarray(canvas, np.float32) / 255.0


def _row(panels, gap=4):
    height = max(p.shape[0] for p in panels)
    padded = [
        np.pad(p, ((0, height - p.shape[0]), (0, gap), (0, 0)), constant_values=1.0) for p in panels
    ]
    return np.concatenate(padded, axis=1)


def _column(rows, gap=4):
    width = max(r.shape[1] for r in rows)
    padded = [
        np.pad(r, ((0, gap), (0, width - r.shape[1]), (0, 0)), constant_values=1.0) for r in rows
    ]
    return np.concatenate(padded, axis=0)


def attack_sheet(result, original, epsilon, names=None, top=5):
    """original | perturbation x (0.5 / epsilon) | adversarial, with the top classes of
    the clean and the adversarial image under them.

    Args:
        result: an `AttackResult` of one image.
        original: (H, W, C) the clean image.
        epsilon: the budget (sets the amplification).
        names: class names by id (ids are shown without them).
        top: classes listed per image.
    """

    def labels(probabilities):
        order = np.argsort(probabilities)[::-1][:top]
        return [f"{names[i] if names else i}: {probabilities[i]:.3f}"[:34] for i in order]

    scale = max(1, 224 // original.shape[0])
    return _row(
        [
            _captioned(_rgb(original), ["original", *labels(result.probabilities[0, 0])], scale),
            _captioned(
                show_perturbation(result.perturbation[0], epsilon),
                [
                    f"perturbation x {0.5 / epsilon:.0f}",
                    f"L-inf {np.abs(result.perturbation).max():.4f}",
                ],
                scale,
            ),
            _captioned(
                _rgb(result.adversarial[0]),
                ["adversarial", *labels(result.probabilities[-1, 0])],
                scale,
            ),
        ]
    )


def digit_sheet(classifier, rows, digits, scale=3):
    """One row per (epsilon, perturbation): the perturbation, then `digits` with it
    added, each captioned "clean -> perturbed" class."""
    clean = predict(classifier, digits)
    lines = []
    for epsilon, perturbation in rows:
        perturbed = np.clip(digits + perturbation, 0.0, 1.0)
        after = predict(classifier, perturbed)
        panels = [
            _captioned(show_perturbation(perturbation, epsilon), [f"eps {epsilon:.3f}"], scale)
        ]
        panels += [
            _captioned(_rgb(image), [f"{c} -> {a}"], scale)
            for image, c, a in zip(perturbed, clean, after, strict=True)
        ]
        lines.append(_row(panels))
    return _column(lines)
