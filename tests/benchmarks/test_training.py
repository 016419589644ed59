import numpy as np

from tfstyle.benchmarks import reference, training
from tfstyle.models.johnson import TransformerNet


def test_plain_reference_trains_johnsons_network():
    # The reference does the job tfstyle's Johnson step does: the same network size,
    # a finite loss that a few steps on one batch lower.
    rng = np.random.default_rng(0)
    step = reference.PlainJohnsonStep(None, rng.uniform(size=(32, 32, 3)), size=32)
    paper = TransformerNet.from_preset("paper")
    paper.build((None, 32, 32, 3))
    assert step.net.count_params() == paper.count_params()
    images = rng.uniform(size=(2, 32, 32, 3)).astype("float32")
    losses = [float(step.step(images)) for _ in range(4)]
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]


def test_driver_timing_runs_the_training_scripts_path(tmp_path):
    photos = training.write_photos(str(tmp_path / "photos"), count=3, size=(48, 40))
    styles = training.write_styles(str(tmp_path / "styles"))
    recipe = training.family_recipe(
        "johnson", photos, styles, str(tmp_path / "run"), "float32", None, image_size=32
    )
    timing = training.driver_step_seconds(recipe)
    assert timing["seconds"] > 0 and timing["batch"] == 4
    assert timing["images_per_s"] == 4 / timing["seconds"]
    # It ran the driver: a run folder with a checkpoint at the last step and TensorBoard.
    assert (tmp_path / "run" / "checkpoints").is_dir() and (tmp_path / "run" / "logs").is_dir()
    assert "float32" in timing["precision"]


def test_unknown_family_or_missing_folder_fails_before_any_timing(tmp_path):
    import pytest

    from tfstyle.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="unknown nope; choose from johnson"):
        training.check_families(["johnson", "nope"])
    with pytest.raises(InvalidArgumentError, match="is not a folder"):
        training.check_families(["johnson"], str(tmp_path / "missing"))
    training.check_families(list(training.FAMILIES), str(tmp_path))
