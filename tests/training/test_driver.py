"""The driver on a toy recipe with two networks, two optimisers and extra state:
checkpoints hold all of them, a killed run resumes exactly, release files per network."""

import dataclasses
import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfstyle.errors import InvalidArgumentError
from tfstyle.training import Recipe, TrainConfig, driver
from tfstyle.training.distribute import minimize
from tfstyle.training.loop import RunState


class TwoNets(keras.Model):
    """A toy adversarial pair: `generator` maps noise to vectors, `critic` scores them;
    each has its own optimiser; `seen` is a ring buffer of generated vectors (like
    CycleGAN's image pool) and `updates` a counter, both checkpointed extra state."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.generator = keras.Sequential([keras.layers.Dense(8, activation="tanh")])
        self.critic = keras.Sequential(
            [keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)]
        )
        self.generator.build((None, 3))
        self.critic.build((None, 8))
        self.g_optimizer = keras.optimizers.Adam(1e-2)
        self.c_optimizer = keras.optimizers.SGD(1e-2, momentum=0.9)
        self.seen = keras.Variable(np.zeros((4, 8), np.float32), trainable=False, name="seen")
        self.updates = keras.Variable(0, dtype="int64", trainable=False, name="updates")
        self.trackers = {n: keras.metrics.Mean(name=n) for n in ("g_loss", "c_loss")}
        self.built = True

    @property
    def metrics(self):
        return list(self.trackers.values())

    def train_step(self, batch):
        noise, real = batch["noise"], batch["real"]
        with tf.GradientTape() as tape:
            fake = self.generator(noise)
            c_loss = tf.reduce_mean(self.critic(fake)) - tf.reduce_mean(self.critic(real))
        minimize(self.c_optimizer, tape, c_loss, self.critic.trainable_variables)
        with tf.GradientTape() as tape:
            fake = self.generator(noise)
            g_loss = -tf.reduce_mean(self.critic(fake))
        minimize(self.g_optimizer, tape, g_loss, self.generator.trainable_variables)
        self.seen.assign(tf.concat([self.seen[1:], tf.reduce_mean(fake, 0, keepdims=True)], 0))
        self.updates.assign_add(1)
        self.trackers["g_loss"].update_state(g_loss)
        self.trackers["c_loss"].update_state(c_loss)
        return {}


@dataclasses.dataclass(kw_only=True)
class ToyConfig(TrainConfig):
    dataset: str | None = None


class ToyRecipe(Recipe):
    name = "toy"
    config_class = ToyConfig

    def prepare(self):
        pass  # noise in, no photos

    def build(self):
        return TwoNets()

    def networks(self, model):
        return {"generator": model.generator, "critic": model.critic}

    def optimizers(self, model):
        return {
            "g_optimizer": (model.g_optimizer, model.generator.trainable_variables),
            "c_optimizer": (model.c_optimizer, model.critic.trainable_variables),
        }

    def extra_state(self, model):
        return {"seen": model.seen, "updates": model.updates}

    def dataset(self, start_step):
        def batch(step):
            seed = tf.stack([tf.constant(7, tf.int64), step])
            noise = tf.random.stateless_normal([4, 3], seed=seed)
            real = tf.random.stateless_uniform([4, 8], seed=seed + 1)
            return {"noise": noise, "real": real}

        return tf.data.Dataset.counter(start_step).map(batch)

    def sample_images(self):
        return None

    def release(self, model):
        return {"generator": model.generator, "critic": model.critic}


def _config(out, steps):
    return ToyConfig(
        output_dir=str(out),
        steps=steps,
        checkpoint_every=3,
        batch_size=4,
        mixed_precision="float32",
    )


def _state(model):
    return {
        "weights": [w.numpy().copy() for w in model.weights],
        "g_optimizer": [v.numpy().copy() for v in model.g_optimizer.variables],
        "c_optimizer": [v.numpy().copy() for v in model.c_optimizer.variables],
        "extra": [model.seen.numpy().copy(), model.updates.numpy().copy()],
    }


def _assert_same(a, b):
    for key in a:
        for x, y in zip(a[key], b[key], strict=True):
            np.testing.assert_array_equal(x, y, err_msg=key)


def test_two_networks_two_optimisers_resume_after_a_kill(tmp_path):
    keras.utils.set_random_seed(0)
    reference = ToyRecipe(_config(tmp_path / "ref", 6))
    result = driver.run(reference)
    assert result["step"] == 6
    for name in ("generator", "critic"):
        assert os.path.exists(tmp_path / "ref" / f"{name}.keras")
        assert os.path.exists(tmp_path / "ref" / f"{name}.weights.h5")

    # A run killed after step 5: checkpoint at 3, steps 4 and 5 lost with the process.
    run_dir = tmp_path / "run"
    killed = ToyRecipe(_config(run_dir, 3))
    captured = {}
    original = killed.build
    killed.build = lambda: captured.setdefault("model", original())
    driver.run(killed)
    model = captured["model"]
    at_3 = _state(model)
    assert int(model.updates.numpy()) == 3
    step = tf.function(model.train_step)
    for batch in killed.dataset(3).take(2):
        step(batch)

    # A new process rebuilds everything from scratch and restores step 3 exactly.
    keras.utils.set_random_seed(99)
    fresh = ToyRecipe(_config(run_dir, 6)).build()
    recipe = ToyRecipe(_config(run_dir, 6))
    state = RunState(
        str(run_dir), recipe.networks(fresh), recipe.optimizers(fresh), recipe.extra_state(fresh)
    )
    assert state.restore() == 3
    _assert_same(_state(fresh), at_3)
    assert int(fresh.updates.numpy()) == 3 and np.abs(fresh.seen.numpy()).sum() > 0

    # Resuming the run lands where the uninterrupted one did.
    keras.utils.set_random_seed(0)
    resumed = ToyRecipe(_config(run_dir, 6))
    captured.clear()
    original = resumed.build
    resumed.build = lambda: captured.setdefault("model", original())
    assert driver.run(resumed)["step"] == 6
    final = captured["model"]
    assert int(final.updates.numpy()) == 6
    ref_generator = keras.saving.load_model(tmp_path / "ref" / "generator.keras")
    for a, b in zip(final.generator.get_weights(), ref_generator.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_checkpoint_names_must_be_unique(tmp_path):
    model = TwoNets()
    with pytest.raises(ValueError, match="unique"):
        RunState(
            str(tmp_path),
            {"generator": model.generator},
            {"generator": (model.g_optimizer, model.generator.trainable_variables)},
        )


def test_global_batch_must_split_over_replicas(tmp_path):
    from tfstyle.training.distribute import check_global_batch

    class Four:
        num_replicas_in_sync = 4

    check_global_batch(Four(), 8)
    with pytest.raises(InvalidArgumentError, match="multiple of the 4 replicas"):
        check_global_batch(Four(), 6)


class EvaluatedToy(ToyRecipe):
    def __init__(self, config):
        super().__init__(config)
        self.evaluated = []

    def evaluate(self, model, step):
        self.evaluated.append(step)
        return {"critic_mean": float(tf.reduce_mean(model.seen))}


def test_evaluation_hook_runs_every_eval_every_and_is_logged(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    config = dataclasses.replace(_config(tmp_path / "run", 5), eval_every=2)
    recipe = EvaluatedToy(config)
    reported = []
    driver.run(recipe, on_step=lambda s: s.evaluation and reported.append(s.step))
    assert recipe.evaluated == [2, 4, 5]  # every 2 steps, and at the end
    assert reported == [2, 4, 5]  # the progress callback sees each evaluation
    lines = (tmp_path / "run" / "eval.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [2, 4, 5]
    assert "critic_mean" in json.loads(lines[0])
    events = EventAccumulator(str(tmp_path / "run" / "logs"), size_guidance={"tensors": 0})
    events.Reload()
    steps = [event.step for event in events.Tensors("eval/critic_mean")]
    assert steps == [2, 4, 5]
    assert {"g_loss", "c_loss"} <= set(events.Tags()["tensors"])
