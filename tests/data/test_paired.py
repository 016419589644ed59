"""Paired and unpaired pipelines: AB halves, matched names, derived inputs, resume."""

import numpy as np
import pytest
from PIL import Image

from tests.conftest import write_image
from tfstyle.data import (
    ab_folder_source,
    derived_source,
    matched_folders_source,
    paired_dataset,
    scan_folder,
    unpaired_dataset,
)
from tfstyle.data.paired import derive_input, paired_samples
from tfstyle.errors import InvalidArgumentError


def _ab_folder(tmp_path, count=3):
    folder = tmp_path / "ab"
    folder.mkdir()
    for i in range(count):
        pixels = np.zeros((20, 40, 3), np.uint8)
        pixels[:, :20, 0] = 255  # A: red left half
        pixels[:, 20:, 2] = 200 + i  # B: blue right half
        Image.fromarray(pixels).save(folder / f"{i}.png")
    return folder


def test_ab_images_split_into_input_and_target(tmp_path):
    source = ab_folder_source(_ab_folder(tmp_path))
    batch = next(iter(paired_dataset(source, 16, 2, seed=1)))
    a, b = batch["a"].numpy(), batch["b"].numpy()
    assert a.shape == b.shape == (2, 16, 16, 3)
    np.testing.assert_allclose(a[..., 0], 1.0, atol=0.02)
    assert a[..., 2].max() < 0.02 and b[..., 0].max() < 0.02 and b[..., 2].min() > 0.75
    swapped = next(iter(paired_dataset(source, 16, 2, seed=1, direction="BtoA")))
    np.testing.assert_array_equal(swapped["a"], b)


def test_matched_folders_pair_by_name_and_refuse_no_overlap(tmp_path):
    for folder, names in (("x", ["1", "2", "3"]), ("y", ["2", "3", "4"])):
        (tmp_path / folder).mkdir()
        for name in names:
            write_image(tmp_path / folder / f"{name}.png", size=(20, 20))
    source = matched_folders_source(str(tmp_path / "x"), str(tmp_path / "y"))
    assert [p.split("/")[-1] for p in source.paths_a] == ["2.png", "3.png"]
    (tmp_path / "z").mkdir()
    write_image(tmp_path / "z" / "9.png")
    with pytest.raises(InvalidArgumentError, match="no file names in common"):
        matched_folders_source(str(tmp_path / "x"), str(tmp_path / "z"))


def test_derived_inputs(rng):
    photo = np.zeros((32, 32, 3), np.float32)
    photo[:, 16:] = [0.9, 0.5, 0.1]  # one vertical edge
    edges = derive_input(photo, "edges").numpy()
    assert set(np.unique(edges)) <= {0.0, 1.0}
    assert edges[:, 14:18].min() == 0.0 and edges[:, :8].min() == 1.0  # a line at the edge only
    gray = derive_input(photo, "gray").numpy()
    np.testing.assert_allclose(gray[..., 0], gray[..., 2])
    blur = derive_input(photo, "blur").numpy()
    assert 0.0 < blur[5, 15, 0] < 0.9
    with pytest.raises(InvalidArgumentError, match="edges"):
        derived_source(".", "sketch")


def test_resume_position_and_samples(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(5):
        write_image(folder / f"{i}.png", np.random.default_rng(i), size=(30, 24))
    (folder / "broken.png").write_bytes(b"\x89PNG not really")
    source = derived_source(str(folder), "gray")
    stream = list(paired_dataset(source, 16, 2, seed=4).take(4))
    resumed = next(iter(paired_dataset(source, 16, 2, seed=4, start_step=3)))
    np.testing.assert_array_equal(resumed["b"], stream[3]["b"])
    inputs, targets = paired_samples(source, 16)
    assert inputs.shape == targets.shape == (2, 16, 16, 3)
    a = scan_folder(str(folder))
    both = next(iter(unpaired_dataset(a, a, 16, 1, seed=0)))
    assert both["a"].shape == both["b"].shape == (1, 16, 16, 3)
    assert not np.array_equal(both["a"], both["b"])  # independent streams
