"""The real attack.py, universal_perturbation.py and train_mnist_classifier.py: a run
each, and bad input as one line with nothing written."""

import numpy as np
from PIL import Image

from tests.conftest import assert_one_line_error, run_cli, write_image


def _digit(path, digits):
    Image.fromarray((digits[2][0, ..., 0] * 255).astype(np.uint8)).convert("RGB").save(path)
    return str(path)


def test_attack_writes_the_adversarial_image_and_the_sheet(tmp_path, classifier_file, digits):
    digit = _digit(tmp_path / "digit.png", digits)
    out = tmp_path / "adv.png"
    result = run_cli(
        "attack.py", "--model", classifier_file, "--input", digit, "--target", "3",
        "--epsilon", "77/255", "--output", out,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "target 3" in result.stdout and "budget 0.30196" in result.stdout
    adversarial = np.asarray(Image.open(out), np.float32) / 255
    assert adversarial.shape == (28, 28, 3)
    clean = np.asarray(Image.open(digit), np.float32) / 255
    assert np.abs(adversarial - clean).max() <= 77 / 255 + 1e-6
    sheet = Image.open(tmp_path / "adv_sheet.png")
    assert sheet.width > 3 * 28 * 7  # three enlarged panels with labels
    # Each start costs seconds: the other bad values are checked in the library
    # (parse_fraction, resolve_class, load_classifier, check_output_path).
    bad = [
        ["--input", tmp_path / "missing.png"],
        ["--input", digit, "--target", "ostrich"],  # a name, and the model has no names
        ["--input", digit, "--model", digit],  # not a model
    ]
    for args in bad:
        flags = ["--model", classifier_file, "--output", tmp_path / "bad.png", *args]
        assert_one_line_error(run_cli("attack.py", *flags))
        assert not (tmp_path / "bad.png").exists() and not (tmp_path / "bad_sheet.png").exists()


def test_universal_perturbation_reports_rates_and_writes_the_sheet(tmp_path, classifier_file):
    out = tmp_path / "uap.png"
    common = ["--model", classifier_file, "--data", "synthetic", "--images", "40"]
    result = run_cli(
        "universal_perturbation.py", *common, "--epsilon", "0.1,51/255", "--max_passes", "1",
        "--output", out,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith(" 0.")]
    assert [row[0] for row in rows] == ["0.1000", "0.2000"]
    assert all(0.0 <= float(x) <= 1.0 for row in rows for x in row[1:3])
    assert Image.open(out).height > 2 * 28 * 3
    image = tmp_path / "photo.png"
    write_image(image, size=(32, 32))
    for args in (["--model", image],):
        flags = [*common, "--output", tmp_path / "bad.png", *args]
        assert_one_line_error(run_cli("universal_perturbation.py", *flags))
        assert not (tmp_path / "bad.png").exists()


def test_train_mnist_classifier_refuses_to_overwrite(tmp_path, classifier_file):
    before = open(classifier_file, "rb").read()
    result = run_cli(
        "train_mnist_classifier.py", "--data", "synthetic", "--output", classifier_file
    )
    assert_one_line_error(result)
    assert open(classifier_file, "rb").read() == before
