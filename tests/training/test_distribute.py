"""tf.distribute: one step on two replicas equals one step on one device; a 2-replica
checkpoint restores and resumes on one; data slices per replica cover the batch."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import REPO, write_image
from tfstyle.training.distribute import ReplicaBatches


def _mirrored_check(tmp_path, families):
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(4):
        write_image(photos / f"{i}.png", np.random.default_rng(i), size=(40, 36))
    script = os.path.join(REPO, "tests", "training", "mirrored_check.py")
    result = subprocess.run(
        [sys.executable, script, str(tmp_path / "runs"), str(photos), ",".join(families)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2
    for family in families:
        r = report[family]
        np.testing.assert_allclose(r["loss_two"], r["loss_one"], rtol=1e-5)
        # Same update within float noise: far below the size of the update itself.
        assert r["max_update"] > 0
        assert r["max_weight_diff"] < 1e-3 * r["max_update"] + 1e-7, r
        assert r["restored_step"] == 1 and r["max_restore_diff"] == 0.0, r
        assert r["resumed_loss"] is not None


def test_mirrored_step_equals_single_device_and_checkpoint_moves_between_them(tmp_path):
    # One perceptual family and one adversarial family (several networks and
    # optimisers, an image pool); the others run with `make test-slow`.
    _mirrored_check(tmp_path, ["johnson", "cyclegan"])


@pytest.mark.slow
def test_mirrored_step_of_the_other_families(tmp_path):
    _mirrored_check(tmp_path, ["adain", "cartoongan", "srgan", "munit"])


def test_every_replica_gets_its_slice_of_the_global_batch():
    """With one replica the batch passes whole; `replicated` keys are never sliced."""
    strategy = tf.distribute.get_strategy()
    data = tf.data.Dataset.range(3).map(
        lambda s: {"image": tf.fill([4, 2], s), "style": tf.fill([1, 2], s)}
    )
    batches = list(ReplicaBatches(strategy, data, replicated=("style",)))
    assert len(batches) == 3
    assert batches[1]["image"].shape == (4, 2) and int(batches[1]["style"][0, 0]) == 1

    class Two:  # what ReplicaBatches asks of a two-replica strategy
        num_replicas_in_sync = 2

        @staticmethod
        def experimental_distribute_values_from_function(fn):
            return [fn(type("Context", (), {"replica_id_in_sync_group": i})) for i in (0, 1)]

    first, second = next(ReplicaBatches(Two(), data, replicated=("style",)))
    assert first["image"].shape == (2, 2) and second["image"].shape == (2, 2)
    assert first["style"].shape == (1, 2) and second["style"].shape == (1, 2)
