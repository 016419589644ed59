"""Synthetic handwriting-like digits, for training DCGAN where MNIST cannot be downloaded.

Digits are drawn with the fonts at hand (Pillow's bundled scalable font and any
DejaVu font of the system), in white on black like MNIST, with a random stroke width,
size, slant, rotation and offset, a mild elastic distortion and blur, at 28 x 28.
They are not handwriting: a GAN trained on them learns the look of printed digits.
"""

import glob
import json
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

MANIFEST = "digits.json"
FONT_GLOBS = ("/usr/share/fonts/truetype/dejavu/*.ttf", "/usr/share/fonts/**/*.ttf")


def _fonts(size):
    paths = sorted({p for pattern in FONT_GLOBS for p in glob.glob(pattern, recursive=True)})[:12]
    fonts = [ImageFont.load_default(size=size)]
    for path in paths:
        try:
            fonts.append(ImageFont.truetype(path, size))
        except OSError:
            continue
    return fonts


def draw_digit(digit, rng, fonts, side=28):
    """One (side, side) uint8 image of `digit`."""
    canvas = 4 * side
    image = Image.new("L", (canvas, canvas), 0)
    draw = ImageDraw.Draw(image)
    font = fonts[rng.integers(len(fonts))]
    stroke = int(rng.integers(0, 4))
    draw.text(
        (canvas / 2, canvas / 2),
        str(digit),
        fill=255,
        font=font,
        anchor="mm",
        stroke_width=stroke,
        stroke_fill=255,
    )
    shear = rng.uniform(-0.3, 0.3)
    image = image.transform(
        image.size, Image.AFFINE, (1, shear, -shear * canvas / 2, 0, 1, 0), Image.BILINEAR
    )
    image = image.rotate(rng.uniform(-15, 15), Image.BILINEAR)
    box = image.getbbox() or (0, 0, canvas, canvas)
    glyph = image.crop(box)
    scale = rng.uniform(16, 22) / max(glyph.size)
    glyph = glyph.resize(
        (max(1, round(glyph.size[0] * scale)), max(1, round(glyph.size[1] * scale))), Image.LANCZOS
    )
    out = Image.new("L", (side, side), 0)
    dx, dy = rng.integers(-2, 3, size=2)
    out.paste(glyph, ((side - glyph.size[0]) // 2 + dx, (side - glyph.size[1]) // 2 + dy))
    pixels = np.asarray(out, np.float32)
    # A smooth random displacement field: strokes wobble like a hand's.
    ys, xs = np.mgrid[0:side, 0:side].astype(np.float32)
    field = [
        np.asarray(
            Image.fromarray(rng.normal(0, 1.0, (4, 4)).astype(np.float32), "F").resize(
                (side, side), Image.BICUBIC
            )
        )
        for _ in range(2)
    ]
    yy = np.clip(np.round(ys + field[0]), 0, side - 1).astype(int)
    xx = np.clip(np.round(xs + field[1]), 0, side - 1).astype(int)
    warped = Image.fromarray(pixels[yy, xx].astype(np.uint8), "L")
    return np.asarray(warped.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.7))))


def write_synthetic_digits(folder, count=20_000, seed=0):
    """Writes `count` digit PNGs (`<digit>_<index>.png`) into `folder` once; a folder
    already holding the same set (its manifest) is reused. Returns the folder."""
    manifest = os.path.join(folder, MANIFEST)
    wanted = {"count": int(count), "seed": int(seed), "side": 28}
    if os.path.exists(manifest):
        with open(manifest) as f:
            if json.load(f) == wanted:
                return folder
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    fonts = _fonts(96)
    for index in range(count):
        digit = index % 10
        Image.fromarray(draw_digit(digit, rng, fonts)).save(
            os.path.join(folder, f"{digit}_{index:06d}.png")
        )
    with open(manifest, "w") as f:  # written last: an interrupted set is redone
        json.dump(wanted, f)
    return folder
