"""The resumable loop: checkpoints, resume after a simulated kill, release weights."""

import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import write_image
from tfstyle.data import content_dataset, scan_folder
from tfstyle.errors import InvalidArgumentError
from tfstyle.layers import InstanceNormalization
from tfstyle.models.johnson import FastStyleTransfer, TransformerNet
from tfstyle.training import train
from tfstyle.training.loop import (
    RunState,
    default_networks,
    default_optimizers,
    save_release,
    train_step_function,
)


def _model(seed=0):
    keras.utils.set_random_seed(seed)
    model = FastStyleTransfer(TransformerNet.from_preset("lite_025"), vgg_weights=None)
    model.build((None, 16, 16, 3))
    model.set_style(np.random.default_rng(1).uniform(size=(24, 24, 3)).astype("float32"))
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    return model


def _source(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(6):
        write_image(folder / f"{i}.png", np.random.default_rng(i), size=(24, 20))
    return scan_folder(folder)


def _optimizer_state(model):
    return [v.numpy().copy() for v in model.optimizer.variables]


def test_resume_after_kill_continues_from_the_checkpoint(tmp_path):
    source = _source(tmp_path)
    data = lambda start: content_dataset(source, 16, 2, seed=3, start_step=start)

    # Uninterrupted reference: 6 steps.
    reference = _model()
    train(reference, data, 6, str(tmp_path / "ref"), checkpoint_every=3)

    # "Killed" run: 5 steps with a checkpoint at 3, then the process dies (no save at 5).
    run_dir = str(tmp_path / "run")
    killed = _model()
    train(killed, data, 3, run_dir, checkpoint_every=3)
    state_at_3 = _optimizer_state(killed)
    weights_at_3 = [w.copy() for w in killed.generator.get_weights()]
    train_step = tf.function(killed.train_step)
    for batch in data(3).take(2):
        train_step(batch)  # steps 4 and 5, lost with the process

    # A new process resumes: it must restart from step 3 with identical optimiser state.
    resumed = _model(seed=99)
    state = RunState(run_dir, default_networks(resumed), default_optimizers(resumed))
    assert state.restore() == 3
    for a, b in zip(_optimizer_state(resumed), state_at_3, strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(resumed.generator.get_weights(), weights_at_3, strict=True):
        np.testing.assert_array_equal(a, b)
    assert train(resumed, data, 6, run_dir, checkpoint_every=3) == 6
    # Same data, same state: the resumed run lands where the uninterrupted one did, up
    # to the float noise of multithreaded CPU kernels (far below what 3 steps move).
    final = np.concatenate([w.ravel() for w in resumed.generator.get_weights()])
    expected = np.concatenate([w.ravel() for w in reference.generator.get_weights()])
    start = np.concatenate([w.ravel() for w in weights_at_3])
    assert np.linalg.norm(final - expected) < 0.1 * np.linalg.norm(expected - start)


def test_a_checkpoint_of_another_network_is_refused_in_one_line(tmp_path):
    """Resuming a run whose network has changed shape since (the mobile preset did on
    2026-12-05) is a clear error naming the run, not a traceback from the restore."""
    source = _source(tmp_path)
    data = lambda start: content_dataset(source, 16, 2, seed=3, start_step=start)
    run_dir = str(tmp_path / "run")
    train(_model(), data, 2, run_dir, checkpoint_every=2)
    other = FastStyleTransfer(TransformerNet(filters=(4, 8, 12)), vgg_weights=None)
    other.build((None, 16, 16, 3))
    other.compile(optimizer=keras.optimizers.Adam(1e-3))
    state = RunState(run_dir, default_networks(other), default_optimizers(other))
    with pytest.raises(InvalidArgumentError, match="does not fit this network") as e:
        state.restore()
    assert run_dir in str(e.value) and "\n" not in str(e.value)


def test_resume_takes_the_learning_rate_it_is_given(tmp_path):
    """A constant learning rate is a setting: a resume with --learning_rate 1e-4 trains
    at 1e-4 (the checkpoint's 1e-3 used to win); the rest of the state is restored."""
    source = _source(tmp_path)
    data = lambda start: content_dataset(source, 16, 2, seed=3, start_step=start)
    run_dir = str(tmp_path / "run")
    first = _model()
    train(first, data, 2, run_dir, checkpoint_every=2)
    moments = _optimizer_state(first)

    resumed = _model(seed=99)
    resumed.optimizer.learning_rate = 1e-4
    state = RunState(run_dir, default_networks(resumed), default_optimizers(resumed))
    assert state.restore() == 2
    np.testing.assert_allclose(float(resumed.optimizer.learning_rate.numpy()), 1e-4, rtol=1e-6)
    assert int(resumed.optimizer.iterations.numpy()) == 2
    learning_rates = 0
    for a, b, variable in zip(
        _optimizer_state(resumed), moments, resumed.optimizer.variables, strict=True
    ):
        if "learning_rate" in variable.path:
            learning_rates += 1
        else:
            np.testing.assert_array_equal(a, b)  # iterations and moments as saved
    assert learning_rates == 1

    # A schedule is rebuilt from the flags, not read from the checkpoint: left alone.
    def scheduled(seed):
        model = _model(seed)
        schedule = keras.optimizers.schedules.InverseTimeDecay(1e-3, 1, 1e-5)
        model.compile(optimizer=keras.optimizers.Adam(schedule))
        return model, schedule

    model, _ = scheduled(0)
    train(model, data, 2, str(tmp_path / "scheduled"), checkpoint_every=2)
    model, schedule = scheduled(7)
    state = RunState(
        str(tmp_path / "scheduled"), default_networks(model), default_optimizers(model)
    )
    assert state.restore() == 2
    assert model.optimizer._learning_rate is schedule


def test_logs_samples_and_release(tmp_path):
    source = _source(tmp_path)
    model = _model()
    seen = []
    out = str(tmp_path / "run")
    samples = np.random.default_rng(0).uniform(size=(2, 16, 16, 3)).astype("float32")
    train(
        model,
        lambda s: content_dataset(source, 16, 2, start_step=s),
        4,
        out,
        checkpoint_every=2,
        log_every=1,
        sample_every=2,
        sample_images=samples,
        on_step=seen.append,
    )
    assert [s.step for s in seen] == [1, 2, 3, 4]
    assert set(seen[-1].logs) >= {"loss", "content", "style", "tv"}
    assert sorted(os.listdir(os.path.join(out, "samples"))) == [
        "step_0000002.png",
        "step_0000004.png",
    ]
    assert any(f.startswith("events.out.tfevents") for f in os.listdir(os.path.join(out, "logs")))
    paths = save_release(model.generator, out)
    loaded = keras.saving.load_model(paths["generator.keras"])
    np.testing.assert_allclose(loaded(samples), model.generator(samples), atol=1e-5)
    assert not [f for f in os.listdir(out) if f.endswith(".tmp")]


def test_run_config_refuses_changed_identity_and_reads_older_runs(tmp_path):
    from tfstyle.training.run_config import write_run_config

    keys = ("family", "style")
    (tmp_path / "config.json").write_text(json.dumps({"style": "mosaic"}))  # no "family"
    assert write_run_config(str(tmp_path), {"family": "johnson", "style": "mosaic"}, keys)
    with pytest.raises(InvalidArgumentError, match="family"):
        write_run_config(str(tmp_path), {"family": "cin", "style": "mosaic"}, keys)


def test_a_run_with_layer_flags_resumes(tmp_path):
    """--content_layer gives a tuple, which config.json holds as a list: the same
    command resumes (it was refused as "other settings" until 2026-12-05)."""
    from tfstyle.training.run_config import write_run_config

    keys = ("family", "content_layers")
    config = {"family": "johnson", "content_layers": ("block3_conv4",)}
    assert not write_run_config(str(tmp_path), config, keys)
    assert write_run_config(str(tmp_path), config, keys)
    with pytest.raises(InvalidArgumentError, match="content_layers"):
        write_run_config(str(tmp_path), {**config, "content_layers": ("block2_conv2",)}, keys)


def test_run_config_reads_a_null_style_size_as_the_paintings_own_size(tmp_path):
    """Johnson/CIN runs written before --style_size defaulted to 256 recorded null for
    "the painting's own size" (0 now): they resume with 0 and refuse the new default."""
    from tfstyle.models.johnson.train import JohnsonRecipe
    from tfstyle.training.run_config import write_run_config

    keys = ("family", "style_size")
    old = {"family": "johnson", "style_size": None}
    (tmp_path / "config.json").write_text(json.dumps(old))

    def write(config):
        return write_run_config(str(tmp_path), config, keys, JohnsonRecipe.upgrade_run_config)

    with pytest.raises(InvalidArgumentError, match="style_size: 0 -> 256"):
        write({"family": "johnson", "style_size": 256})
    assert write({"family": "johnson", "style_size": 0})
    # A CIN run adding a style to such a network inherits its null.
    assert write({"family": "johnson", "style_size": None})


@pytest.mark.parametrize("key, value", [("input_noise", 0.04), ("lr_drop_fraction", 0.25)])
def test_runs_from_before_a_flag_resume_with_its_old_behaviour(tmp_path, key, value):
    """Runs written before --input_noise trained without noise, those before
    --lr_drop_fraction at a constant rate (whose optimiser checkpoints a rate variable,
    a schedule's does not): a resume keeps 0 and refuses another value in one line."""
    from tfstyle.models.johnson.train import IDENTITY_KEYS, JohnsonRecipe
    from tfstyle.training.run_config import write_run_config

    (tmp_path / "config.json").write_text(json.dumps({"family": "johnson"}))

    def write(config):
        return write_run_config(
            str(tmp_path), config, IDENTITY_KEYS, JohnsonRecipe.upgrade_run_config
        )

    with pytest.raises(InvalidArgumentError, match=f"{key}: 0.0 -> {value}"):
        write({"family": "johnson", key: value})
    assert write({"family": "johnson", key: 0.0})


def test_johnson_takes_the_painting_at_256_px_by_default():
    """fast-neural-style's -style_image_size 256; 0 keeps the painting's own size."""
    from tfstyle.models.johnson.train import JohnsonTrainConfig
    from tfstyle.training.recipe import load_style

    config = JohnsonTrainConfig(style="mosaic", output_dir="unused")
    assert max(load_style("mosaic", config.style_size)[1].shape[:2]) == 256
    assert load_style("mosaic", 0)[1].shape[:2] == (391, 470)  # the bundled file's size


def test_training_steps_run_each_instance_norm_as_one_fused_kernel_per_image():
    # The step every trainer traces (and the benchmarks time) takes FusedBatchNormV3 and
    # its own gradient kernel for every image of every instance norm.
    model = _model()
    graph = train_step_function(model).get_concrete_function(tf.zeros((2, 16, 16, 3))).graph
    kinds = [op.type for op in graph.get_operations()]
    norms = [x for x in model.generator._flatten_layers() if isinstance(x, InstanceNormalization)]
    assert norms and kinds.count("FusedBatchNormV3") == 2 * len(norms)
    assert kinds.count("FusedBatchNormGradV3") == 2 * len(norms)
