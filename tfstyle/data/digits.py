"""Labelled 28 x 28 digits for the MNIST classifier and its universal perturbation.

Sources, in the order `"auto"` tries them:
- "mnist": TFDS `mnist` (60,000 / 10,000), prepared once; needs its download.
- "sklearn": scikit-learn's bundled 1,797 digits (8 x 8, 17 grey levels), scaled to a
  20 x 20 box centred in 28 x 28 as MNIST's; no download (`pip install scikit-learn`).
- "synthetic": printed digits drawn with the fonts at hand (`data/synthetic.py`);
  always available, and what the tests use.
"""

import numpy as np

from tfstyle.data.content import tfds_source
from tfstyle.data.synthetic import _fonts, draw_digit
from tfstyle.errors import DatasetUnavailableError, InvalidArgumentError

DIGIT_SOURCES = ("auto", "mnist", "sklearn", "synthetic")
SPLITS = ("train", "test")
_SKLEARN_TEST_SHARE = 0.25


def _mnist(split, notify=None):
    import tensorflow_datasets as tfds

    source = tfds_source("mnist", split, notify=notify)
    images, labels = tfds.as_numpy(
        tfds.load("mnist", split=split, as_supervised=True, batch_size=-1, data_dir=source.data_dir)
    )
    return images.astype(np.float32) / 255.0, labels.astype(np.int64)


def _sklearn(split):
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise InvalidArgumentError(
            "scikit-learn is not installed: pip install scikit-learn (its digits need no "
            "download), or use --data synthetic"
        ) from None
    import tensorflow as tf

    digits = load_digits()
    images = digits.images.astype(np.float32)[..., None] / 16.0
    boxed = tf.image.resize(images, (20, 20), method="bilinear").numpy()
    images = np.pad(boxed, ((0, 0), (4, 4), (4, 4), (0, 0)))
    order = np.random.default_rng(0).permutation(len(images))
    cut = int(round(len(images) * (1 - _SKLEARN_TEST_SHARE)))
    keep = order[:cut] if split == "train" else order[cut:]
    return np.clip(images[keep], 0.0, 1.0), digits.target[keep].astype(np.int64)


def synthetic_digits(count, seed=0):
    """(images (count, 28, 28, 1) float32 in [0, 1], labels (count,)): printed digits,
    the labels cycling 0..9."""
    rng = np.random.default_rng(seed)
    fonts = _fonts(96)
    labels = np.arange(count) % 10
    images = np.stack([draw_digit(int(d), rng, fonts) for d in labels]).astype(np.float32)
    return images[..., None] / 255.0, labels.astype(np.int64)


def load_digits(source="auto", split="train", synthetic_count=6000, notify=None):
    """Labelled digits: (images (N, 28, 28, 1) float32 in [0, 1], labels (N,) int64).

    Args:
        source: one of DIGIT_SOURCES.
        split: "train" or "test" (held out: never seen by a classifier trained on
            "train").
        synthetic_count: images of the "synthetic" train split (the test split has a
            sixth of it, drawn with another seed).
        notify: `notify(message)`, e.g. before a download or a fallback.

    Returns:
        (images, labels, name of the source used).
    """
    if source not in DIGIT_SOURCES:
        raise InvalidArgumentError(
            f"--data must be one of {', '.join(DIGIT_SOURCES)}, got '{source}'"
        )
    if split not in SPLITS:
        raise InvalidArgumentError(f"split must be 'train' or 'test', got '{split}'")
    if source in ("auto", "mnist"):
        try:
            return (*_mnist(split, notify), "mnist")
        except DatasetUnavailableError:
            if source == "mnist":
                raise
            if notify:
                notify("MNIST cannot be downloaded here; using scikit-learn's digits")
    if source in ("auto", "sklearn"):
        try:
            return (*_sklearn(split), "sklearn")
        except InvalidArgumentError:
            if source == "sklearn":
                raise
            if notify:
                notify("scikit-learn is not installed; using synthetic printed digits")
    count = synthetic_count if split == "train" else max(10, synthetic_count // 6)
    return (*synthetic_digits(count, seed=0 if split == "train" else 1), "synthetic")
