r"""Train the small MNIST classifier that universal_perturbation.py attacks.

Examples:
    python scripts/train_mnist_classifier.py --output runs/mnist_classifier.keras
    # Offline: scikit-learn's bundled digits (pip install scikit-learn) or printed ones.
    python scripts/train_mnist_classifier.py --data sklearn --output runs/digits.keras

--data auto takes MNIST from TensorFlow Datasets (downloaded once), else scikit-learn's
digits, else synthetic printed digits; the held-out accuracy is printed.
"""

from absl import flags

from tfstyle import cli
from tfstyle.adversarial import mnist_classifier, predict, save_model, train_classifier
from tfstyle.data.digits import DIGIT_SOURCES, load_digits
from tfstyle.io import check_output_path

_DATA = flags.DEFINE_enum("data", "auto", list(DIGIT_SOURCES), "Where the digits come from.")
_OUTPUT = flags.DEFINE_string("output", None, "The classifier (.keras).")
_EPOCHS = flags.DEFINE_integer("epochs", 5, "Passes over the training digits.", lower_bound=1)
_BATCH = flags.DEFINE_integer("batch_size", 128, "Batch size.", lower_bound=1)
_SEED = flags.DEFINE_integer("seed", 0, "Seed of the initialisation and order.")
_OVERWRITE = flags.DEFINE_bool("overwrite", False, "Replace an existing --output.")
flags.mark_flags_as_required(["output"])


def main(argv):
    check_output_path(_OUTPUT.value, _OVERWRITE.value, extensions=(".keras",))
    images, labels, source = load_digits(_DATA.value, "train", notify=print)
    test_images, test_labels, _ = load_digits(source, "test")
    print(f"{source}: {len(images)} training and {len(test_images)} held-out digits")

    def report(epoch, logs):
        print(
            f"epoch {epoch + 1}/{_EPOCHS.value}: loss {logs['loss']:.4f}, accuracy {logs['accuracy']:.4f}"
        )

    model = train_classifier(
        mnist_classifier(), images, labels, _EPOCHS.value, _BATCH.value, _SEED.value, report
    )
    accuracy = float((predict(model, test_images) == test_labels).mean())
    save_model(model, _OUTPUT.value, overwrite=_OVERWRITE.value)
    print(f"held-out accuracy {accuracy:.4f} on {len(test_images)} {source} digits")
    print(f"wrote {_OUTPUT.value}")


if __name__ == "__main__":
    cli.run(main)
