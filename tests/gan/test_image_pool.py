"""The image pool (fill, swap probability, checkpoint)."""

import numpy as np
import tensorflow as tf

from tfstyle.gan import ImagePool


def _images(start, count):
    """Distinct (count, 2, 2, 1) images whose value is their index."""
    return tf.reshape(tf.range(start, start + count, dtype=tf.float32), (count, 1, 1, 1)) * tf.ones(
        (1, 2, 2, 1)
    )


def test_pool_fills_then_swaps_with_probability_one_half():
    pool = ImagePool(size=4, seed=3)
    pool.build((None, 2, 2, 1))
    query = tf.function(pool.__call__)
    first = query(_images(0, 4))  # filling: every image comes back as is
    np.testing.assert_array_equal(first, _images(0, 4))
    assert int(pool.count.numpy()) == 4
    swapped, stored_seen = 0, set()
    trials = 1000
    for i in range(trials):
        image = _images(100 + i, 1)
        out = float(query(image)[0, 0, 0, 0])
        if out != 100 + i:
            swapped += 1
            stored_seen.add(out)
            assert out < 100 + i  # an image fed earlier, never an invented one
    assert abs(swapped / trials - 0.5) < 0.05, swapped
    assert stored_seen & {0.0, 1.0, 2.0, 3.0}  # the first stored images come back too
    assert int(pool.draws.numpy()) == 4 + trials


def test_pool_is_restored_by_a_checkpoint(tmp_path):
    pool = ImagePool(size=3, seed=0)
    pool.build((None, 2, 2, 1))
    for i in range(5):
        pool(_images(10 * i, 2))
    checkpoint = tf.train.Checkpoint(pool=pool)
    path = checkpoint.save(str(tmp_path / "ckpt"))
    expected = [pool(_images(100 + i, 1)).numpy() for i in range(20)]

    fresh = ImagePool(size=3, seed=0)
    fresh.build((None, 2, 2, 1))
    tf.train.Checkpoint(pool=fresh).restore(path).assert_existing_objects_matched()
    assert int(fresh.count.numpy()) == 3 and int(fresh.draws.numpy()) == 10
    got = [fresh(_images(100 + i, 1)).numpy() for i in range(20)]
    np.testing.assert_array_equal(np.stack(got), np.stack(expected))


def test_pool_of_size_zero_is_the_identity():
    pool = ImagePool(size=0)
    pool.build((None, 2, 2, 1))
    np.testing.assert_array_equal(pool(_images(0, 3)), _images(0, 3))
