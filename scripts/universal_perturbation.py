r"""One universal adversarial perturbation for a digit classifier (Moosavi-Dezfooli et
al., CVPR 2017), with its fooling rate on held-out digits against a random perturbation
of the same L-inf norm.

Examples:
    python scripts/train_mnist_classifier.py --output runs/mnist_classifier.keras
    python scripts/universal_perturbation.py --model runs/mnist_classifier.keras \
        --epsilon 0.1,0.2,0.3 --output runs/uap.png

The perturbation is computed on --images training digits and measured on the held-out
split; --output is a sheet with one row per epsilon: the perturbation (grey = 0) and
held-out digits with it added, labelled with the classifier's clean -> perturbed class.
"""

import numpy as np
from absl import flags

from tfstyle import cli
from tfstyle.adversarial import (
    fooling_rate,
    load_classifier,
    predict,
    random_perturbation,
    universal_perturbation,
)
from tfstyle.adversarial.sheets import digit_sheet
from tfstyle.data.digits import DIGIT_SOURCES, load_digits
from tfstyle.errors import InvalidArgumentError
from tfstyle.io import check_output_path, save_image

_MODEL = flags.DEFINE_string("model", None, "Digit classifier (.keras), 28 x 28 x 1 inputs.")
_DATA = flags.DEFINE_enum("data", "auto", list(DIGIT_SOURCES), "Where the digits come from.")
_EPSILON = flags.DEFINE_list("epsilon", ["0.1", "0.2", "0.3"], "L-inf budgets (or a/255).")
_IMAGES = flags.DEFINE_integer(
    "images", 1000, "Training digits the perturbation is computed on.", lower_bound=10
)
_PASSES = flags.DEFINE_integer("max_passes", 10, "Passes over those digits.", lower_bound=1)
_TARGET_RATE = flags.DEFINE_float(
    "target_rate", 0.8, "Stop once this fooling rate is reached.", lower_bound=0, upper_bound=1
)
_OUTPUT = flags.DEFINE_string("output", None, "The sheet (.png).")
_SEED = flags.DEFINE_integer("seed", 0, "Seed of the order and the random baseline.")
_OVERWRITE = flags.DEFINE_bool("overwrite", False, "Replace an existing --output.")
flags.mark_flags_as_required(["model", "output"])


def main(argv):
    check_output_path(_OUTPUT.value, _OVERWRITE.value, extensions=(".png",))
    budgets = [cli.parse_fraction(text, "--epsilon") for text in _EPSILON.value]
    classifier = load_classifier(_MODEL.value)
    if tuple(classifier.inputs[0].shape[1:]) != (28, 28, 1):
        raise InvalidArgumentError(
            f"'{_MODEL.value}' takes {tuple(classifier.inputs[0].shape[1:])} inputs; "
            "a digit classifier takes (28, 28, 1)"
        )
    images, _, source = load_digits(
        _DATA.value, "train", synthetic_count=max(_IMAGES.value, 60), notify=print
    )
    held_out, labels, _ = load_digits(source, "test", synthetic_count=max(_IMAGES.value, 60))
    images = images[np.random.default_rng(_SEED.value).permutation(len(images))[: _IMAGES.value]]
    clean = predict(classifier, held_out)
    print(
        f"{source}: perturbation from {len(images)} training digits, measured on "
        f"{len(held_out)} held-out ones (clean accuracy {np.mean(clean == labels):.4f})"
    )
    rows = []
    print("epsilon  fooling rate  random (same norm)  passes")
    for epsilon in budgets:
        result = universal_perturbation(
            classifier,
            images,
            epsilon,
            max_passes=_PASSES.value,
            target_rate=_TARGET_RATE.value,
            seed=_SEED.value,
        )
        rate = fooling_rate(classifier, held_out, result.perturbation, clean)
        noise = random_perturbation(images.shape[1:], epsilon, _SEED.value)
        baseline = fooling_rate(classifier, held_out, noise, clean)
        print(f"{epsilon:7.4f}  {rate:12.4f}  {baseline:18.4f}  {len(result.fooling_rates):6d}")
        rows.append((epsilon, result.perturbation))
    save_image(_OUTPUT.value, digit_sheet(classifier, rows, held_out[:8]), _OVERWRITE.value)
    print(f"wrote {_OUTPUT.value}")


if __name__ == "__main__":
    cli.run(main)
