import keras
import pytest

from tfstyle.adversarial import mnist_classifier, save_model, train_classifier
from tfstyle.data.digits import synthetic_digits


@pytest.fixture(scope="session")
def digits():
    """(train images, train labels, test images, test labels): printed digits."""
    return (*synthetic_digits(2000, seed=0), *synthetic_digits(200, seed=1))


@pytest.fixture(scope="session")
def classifier(digits):
    """A small digit classifier (~90% on held-out printed digits)."""
    images, labels = digits[:2]
    return train_classifier(mnist_classifier(), images, labels, epochs=5, batch_size=64)


@pytest.fixture(scope="session")
def classifier_file(classifier, tmp_path_factory):
    return save_model(classifier, str(tmp_path_factory.mktemp("models") / "digits.keras"))


@pytest.fixture(scope="session")
def linear_classifier(digits):
    """Logistic regression on the pixels: a model with one shared weak direction per
    class pair, where a universal perturbation must exist."""
    images, labels = digits[:2]
    model = keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]
    )
    return train_classifier(model, images, labels, epochs=5, batch_size=64)
