"""Adversarial examples: gradient-sign attacks (FGSM, BIM, PGD) on any Keras classifier
and universal perturbations, with the classifiers they are shown on."""

from tfstyle.adversarial.attacks import METHODS, AttackResult, attack, bim, fgsm, pgd
from tfstyle.adversarial.classifiers import (
    imagenet_class_names,
    imagenet_classifier,
    load_classifier,
    mnist_classifier,
    resolve_class,
    save_model,
    train_classifier,
)
from tfstyle.adversarial.universal import (
    UniversalResult,
    fooling_rate,
    predict,
    random_perturbation,
    universal_perturbation,
)

__all__ = [
    "METHODS",
    "AttackResult",
    "UniversalResult",
    "attack",
    "bim",
    "fgsm",
    "fooling_rate",
    "imagenet_class_names",
    "imagenet_classifier",
    "load_classifier",
    "mnist_classifier",
    "pgd",
    "predict",
    "random_perturbation",
    "resolve_class",
    "save_model",
    "train_classifier",
    "universal_perturbation",
]
