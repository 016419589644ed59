r"""Adversarial examples: perturb a photo, within an L-inf budget, until a classifier
sees what you ask for (targeted) or anything else (untargeted).

Examples:
    # Keras' ImageNet VGG19 (a fresh install downloads its weights once, ~550 MB).
    python scripts/attack.py --model vgg19 --input photo.jpg --target ostrich \
        --epsilon 2/255 --output photo_ostrich.png
    # Untargeted FGSM on your own Keras classifier (images in [0, 1] -> logits).
    python scripts/attack.py --model runs/mnist_classifier.keras --input digit.png \
        --method fgsm --epsilon 0.2 --output digit_adv.png

Writes the adversarial image (at the classifier's input size) and, next to it,
<output>_sheet.png: original | perturbation amplified | adversarial, with the top-5
classes of each.
"""

import os

from absl import flags

from tfstyle import cli
from tfstyle.adversarial import (
    METHODS,
    attack,
    imagenet_class_names,
    load_classifier,
    resolve_class,
)
from tfstyle.adversarial.sheets import attack_sheet
from tfstyle.io import check_output_path, load_image, save_image
from tfstyle.ops.resize import fit_image

_MODEL = flags.DEFINE_string("model", "vgg19", "vgg19, vgg16 or a Keras classifier (.keras).")
_WEIGHTS = flags.DEFINE_string(
    "weights", "imagenet", "vgg19/vgg16: imagenet (downloaded once) or a local .h5 with top."
)
_INPUT = flags.DEFINE_string("input", None, "The image to perturb.")
_TARGET = flags.DEFINE_string(
    "target", None, "Class to reach, by name (ostrich) or id (9); none: untargeted."
)
_EPSILON = flags.DEFINE_string("epsilon", "2/255", "L-inf budget in [0, 1] pixel units.")
_METHOD = flags.DEFINE_enum("method", "pgd", list(METHODS), "fgsm, bim or pgd.")
_STEPS = flags.DEFINE_integer("steps", 20, "Iterations of bim and pgd.", lower_bound=1)
_CLASS_INDEX = flags.DEFINE_string(
    "class_index", None, "ImageNet class names (Keras' imagenet_class_index.json), offline."
)
_OUTPUT = flags.DEFINE_string("output", None, "The adversarial image (.png).")
_SEED = flags.DEFINE_integer("seed", 0, "Seed of pgd's random start.")
_OVERWRITE = flags.DEFINE_bool("overwrite", False, "Replace existing outputs.")
flags.mark_flags_as_required(["input", "output"])


def main(argv):
    epsilon = cli.parse_fraction(_EPSILON.value, "--epsilon")
    sheet = os.path.splitext(_OUTPUT.value)[0] + "_sheet.png"
    for path in (_OUTPUT.value, sheet):
        check_output_path(path, _OVERWRITE.value, extensions=(".png",))
    image = load_image(_INPUT.value)
    classifier = load_classifier(_MODEL.value, _WEIGHTS.value)
    imagenet = _MODEL.value in ("vgg19", "vgg16")
    names = None
    if imagenet and (_CLASS_INDEX.value or not (_TARGET.value or "").isdigit()):
        names = imagenet_class_names(_CLASS_INDEX.value)
    count = int(classifier.outputs[0].shape[-1])
    target = None if _TARGET.value is None else resolve_class(_TARGET.value, names, count)
    height, width, channels = classifier.inputs[0].shape[1:]
    image = fit_image(image, height, width, channels)
    result = attack(
        classifier,
        image[None],
        epsilon,
        method=_METHOD.value,
        steps=_STEPS.value,
        target=target,
        seed=_SEED.value,
    )

    def name(index):
        return names[index] if names else str(index)

    before, after = result.classes[0, 0], result.classes[-1, 0]
    print(
        f"{name(before)} ({result.confidences[0, 0]:.3f}) -> {name(after)} "
        f"({result.confidences[-1, 0]:.3f}) with L-inf {abs(result.perturbation).max():.5f} "
        f"(budget {epsilon:.5f}); {'reached' if result.success[0] else 'missed'} "
        f"{'target ' + name(target) if target is not None else 'a change of class'}"
    )
    adversarial = result.adversarial[0]
    save_image(
        _OUTPUT.value, adversarial if channels == 3 else adversarial.repeat(3, -1), _OVERWRITE.value
    )
    save_image(sheet, attack_sheet(result, image, epsilon, names), _OVERWRITE.value)
    print(f"wrote {_OUTPUT.value} and {sheet}")


if __name__ == "__main__":
    cli.run(main)
