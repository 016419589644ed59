"""FGSM, BIM and PGD: inside the budget and the pixel range, targeted attacks reach the
target, the ImageNet classifier carries its Caffe preprocessing, class names resolve."""

import keras
import numpy as np
import pytest

from tfstyle.adversarial import attack, imagenet_classifier, predict, resolve_class
from tfstyle.errors import InvalidArgumentError


def test_held_out_accuracy_of_the_fixture(classifier, digits):
    assert np.mean(predict(classifier, digits[2]) == digits[3]) > 0.8


@pytest.mark.parametrize("method", ["fgsm", "bim", "pgd"])
def test_attacks_stay_inside_the_budget_and_the_pixel_range(method, classifier, digits):
    images = digits[2][:16]
    epsilon = 8 / 255
    result = attack(classifier, images, epsilon, method=method, steps=5)
    assert np.abs(result.perturbation).max() <= epsilon + 1e-6
    assert result.adversarial.min() >= 0.0 and result.adversarial.max() <= 1.0
    np.testing.assert_allclose(result.adversarial - images, result.perturbation, atol=1e-7)
    steps = 1 if method == "fgsm" else 5
    assert result.classes.shape == (steps + 1, 16) and result.probabilities.shape == (
        steps + 1,
        16,
        10,
    )
    np.testing.assert_array_equal(result.classes[0], predict(classifier, images))
    np.testing.assert_array_equal(result.classes[-1], predict(classifier, result.adversarial))


def test_untargeted_attacks_lower_accuracy_more_with_more_steps(classifier, digits):
    images, labels = digits[2][:64], digits[3][:64]
    fgsm = attack(classifier, images, 0.15, method="fgsm", labels=labels)
    pgd = attack(classifier, images, 0.15, method="pgd", steps=10, labels=labels)
    clean = np.mean(fgsm.classes[0] == labels)
    assert np.mean(fgsm.classes[-1] == labels) < clean
    assert np.mean(pgd.classes[-1] == labels) <= np.mean(fgsm.classes[-1] == labels)


def test_targeted_pgd_reaches_its_target(classifier, digits):
    images = digits[2][:20]
    target = (predict(classifier, images) + 1) % 10
    result = attack(classifier, images, 0.3, method="pgd", steps=20, target=target)
    assert result.success.mean() >= 0.9
    np.testing.assert_array_equal(result.success, result.classes[-1] == target)
    reached = result.confidences[-1][result.success]
    assert reached.mean() > 0.5


def test_bad_settings_are_errors(classifier, digits):
    for kwargs in ({"method": "cw"}, {"steps": 0, "method": "bim"}):
        with pytest.raises(InvalidArgumentError):
            attack(classifier, digits[2][:2], 0.1, **kwargs)
    for epsilon in (0.0, 1.5):
        with pytest.raises(InvalidArgumentError):
            attack(classifier, digits[2][:2], epsilon)


def test_imagenet_classifier_applies_the_caffe_preprocessing_and_returns_logits(rng):
    model = imagenet_classifier("vgg16", weights=None)
    x = rng.uniform(size=(1, 224, 224, 3)).astype("float32")
    vgg = model.layers[-1]
    expected = vgg(keras.applications.vgg16.preprocess_input(x * 255.0))
    np.testing.assert_allclose(model(x), expected, rtol=1e-4, atol=1e-4)
    assert not np.isclose(np.sum(model(x)), 1.0)  # logits, not probabilities


def test_class_names_and_ids_resolve():
    names = ["tench", "goldfish", "great_white_shark", "ostrich"]
    assert resolve_class("ostrich", names) == 3
    assert resolve_class("Great White Shark", names) == 2
    assert resolve_class("1", names) == 1
    assert resolve_class("7", num_classes=10) == 7
    with pytest.raises(InvalidArgumentError, match="did you mean goldfish"):
        resolve_class("gold", names)
    with pytest.raises(InvalidArgumentError, match="out of range"):
        resolve_class("12", num_classes=10)
    with pytest.raises(InvalidArgumentError, match="no class names"):
        resolve_class("ostrich", None, 10)


def test_load_classifier_refuses_what_is_not_a_classifier(tmp_path):
    from tfstyle.adversarial import load_classifier, save_model

    for path in (tmp_path / "none.keras", tmp_path / "x.h5"):
        with pytest.raises(InvalidArgumentError):
            load_classifier(str(path))
    (tmp_path / "junk.keras").write_bytes(b"junk")
    with pytest.raises(InvalidArgumentError, match="not a readable Keras model"):
        load_classifier(str(tmp_path / "junk.keras"))
    image_to_image = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(3, 1)])
    save_model(image_to_image, str(tmp_path / "net.keras"))
    with pytest.raises(InvalidArgumentError, match="not an image classifier"):
        load_classifier(str(tmp_path / "net.keras"))


def test_budgets_parse_as_fractions():
    from tfstyle.cli import parse_fraction

    assert parse_fraction("2/255", "--epsilon") == 2 / 255
    assert parse_fraction("0.1", "--epsilon") == 0.1
    for text in ("2/0", "x", "1/2/3"):
        with pytest.raises(InvalidArgumentError, match="--epsilon"):
            parse_fraction(text, "--epsilon")
