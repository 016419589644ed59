import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from tests.conftest import write_image
from tfstyle.data import ContentSource, content_dataset, scan_folder


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "sub").mkdir()
    for i in range(5):
        write_image(tmp_path / f"img{i}.jpg", np.random.default_rng(i), size=(40 + i, 30))
    write_image(tmp_path / "sub" / "deep.png", size=(20, 50), mode="L")
    (tmp_path / "broken.jpg").write_text("not a jpeg")
    return tmp_path


def test_scan_skips_and_counts_unreadable_files(folder):
    source = scan_folder(folder)
    assert source.size == 6 and len(source.skipped) == 1
    assert any(p.endswith("deep.png") for p in source.paths)


def test_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no readable"):
        scan_folder(tmp_path)
    with pytest.raises(ValueError, match="--content_dir .* not a folder"):
        scan_folder(tmp_path / "missing")
    with pytest.raises(ValueError, match="--style_dir .* not a folder"):
        scan_folder(tmp_path / "missing", "style_dir")


def test_batches_are_crops_in_unit_range(folder):
    batch = next(iter(content_dataset(scan_folder(folder), image_size=16, batch_size=3)))
    assert batch.shape == (3, 16, 16, 3) and batch.dtype == tf.float32
    assert float(tf.reduce_min(batch)) >= 0.0 and float(tf.reduce_max(batch)) <= 1.0


def test_resume_position_reproduces_the_same_batches(folder):
    source = scan_folder(folder)
    fresh = [b.numpy() for b in content_dataset(source, 16, 2, seed=7).take(8)]
    resumed = [b.numpy() for b in content_dataset(source, 16, 2, seed=7, start_step=5).take(3)]
    for a, b in zip(fresh[5:], resumed, strict=True):
        np.testing.assert_array_equal(a, b)
    other_seed = next(iter(content_dataset(source, 16, 2, seed=8))).numpy()
    assert not np.array_equal(other_seed, fresh[0])


def test_tfds_source_with_mock_data():
    with tfds.testing.mock_data(num_examples=6):
        source = ContentSource(tfds_name="coco/2017")
        batch = next(iter(content_dataset(source, image_size=16, batch_size=2)))
    assert batch.shape == (2, 16, 16, 3)


def test_files_that_fail_to_decode_do_not_shift_a_resume(tmp_path):
    # Two files whose header reads but whose pixels do not: they pass the scan and fail
    # in the pipeline. Dropping them shifted every later position of a resumed run by
    # the number of failures so far (review finding 7 of #10).
    for i in range(6):
        write_image(tmp_path / f"img{i}.png", np.random.default_rng(i), size=(24, 20))
    for name in ("img1.png", "img4.png"):
        data = (tmp_path / name).read_bytes()
        (tmp_path / name).write_bytes(data[: len(data) // 2])
    source = scan_folder(tmp_path)
    assert source.size == 6
    fresh = [b.numpy() for b in content_dataset(source, 16, 1, seed=3).take(14)]
    for start in (3, 7, 11):
        resumed = [
            b.numpy() for b in content_dataset(source, 16, 1, seed=3, start_step=start).take(3)
        ]
        for a, b in zip(fresh[start : start + 3], resumed, strict=True):
            np.testing.assert_array_equal(a, b)


def test_tfds_resume_reproduces_the_same_batches():
    with tfds.testing.mock_data(num_examples=6):
        source = ContentSource(tfds_name="coco/2017")
        fresh = [b.numpy() for b in content_dataset(source, 16, 2, seed=1).take(5)]
        resumed = [b.numpy() for b in content_dataset(source, 16, 2, seed=1, start_step=3).take(2)]
        for a, b in zip(fresh[3:], resumed, strict=True):
            np.testing.assert_array_equal(a, b)


def test_resize_side_crops_a_smaller_part_of_the_picture(tmp_path):
    ramp = np.tile(np.linspace(0, 255, 64, dtype=np.float32)[None, :, None], (64, 1, 3))
    from PIL import Image

    Image.fromarray(ramp.astype(np.uint8)).save(tmp_path / "ramp.png")
    source = scan_folder(tmp_path)
    whole = next(iter(content_dataset(source, 16, 1))).numpy()[0]
    zoomed = next(iter(content_dataset(source, 16, 1, resize_side=64))).numpy()[0]
    assert np.ptp(whole[..., 0]) > 0.85
    assert np.ptp(zoomed[..., 0]) < 0.35
