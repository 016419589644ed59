"""A resumable training loop under a tf.distribute strategy: checkpoints, TensorBoard,
samples, evaluation, release weights.

Two kinds of checkpoint on purpose:
- full training state for exact resume (`tf.train.CheckpointManager` over every
  trained network, every optimiser, the step and any extra state such as image pools;
  the data position follows from the step);
- release weights of the inference networks only, written at the end.

Re-running the same command with the same output folder resumes from the latest
checkpoint; a process killed with SIGKILL loses at most the steps since then. A
checkpoint restores on any number of replicas.
"""

import dataclasses
import json
import os
import shutil
import time

import keras
import numpy as np
import tensorflow as tf

from tfstyle.data.allocator import restore_malloc_thresholds
from tfstyle.errors import InvalidArgumentError
from tfstyle.io import atomic_write, save_image
from tfstyle.ops.fused import fused_kernels
from tfstyle.training import distribute

EVAL_LOG = "eval.jsonl"  # one JSON line per evaluation, in the run folder


@dataclasses.dataclass
class TrainState:
    """What the loop reports after every step (passed to `on_step`)."""

    step: int
    total_steps: int
    start_step: int
    logs: dict
    seconds: float
    evaluation: dict | None = None  # {name: value} at the steps that evaluated


def default_networks(model):
    """What a single-network model checkpoints: `checkpoint_items()` or its generator."""
    if hasattr(model, "checkpoint_items"):
        return model.checkpoint_items()
    return {"generator": model.generator}


def default_optimizers(model):
    """A compiled single-optimiser model: its optimiser over its trainable variables."""
    return {"optimizer": (model.optimizer, model.trainable_variables)}


def fused_train_step(model):
    """`model.train_step` as every trainer traces it: inside `fused_kernels`, so each
    instance norm of the step (forward and backward) is one fused kernel per image."""

    def train_step(batch):
        with fused_kernels():
            return model.train_step(batch)

    return train_step


def train_step_function(model, jit_compile=False):
    """`fused_train_step` as one tf.function: the fixed-batch steps of the benchmarks."""
    return tf.function(fused_train_step(model), jit_compile=jit_compile)


def _checkpoint_directory(output_dir):
    return os.path.join(output_dir, "checkpoints")


def latest_checkpoint(output_dir):
    """The prefix of the run's latest checkpoint in `output_dir`, or None (a new run)."""
    return tf.train.latest_checkpoint(_checkpoint_directory(output_dir))


def _constant_rate(optimizer):
    """The optimiser's learning rate as a float when it is a constant (a variable), else
    None (a schedule, which the checkpoint does not hold)."""
    rate = optimizer.learning_rate
    return float(rate.numpy()) if isinstance(rate, keras.Variable) else None


class RunState:
    """The checkpointed state of a run: step, networks, optimisers and extra state.

    Checkpoints are written by the chief; other workers of a multi-worker run take part
    in the save (it may read distributed variables) into a scratch folder they delete.

    Args:
        output_dir: the run folder (checkpoints go to `output_dir/checkpoints`).
        networks: {name: keras network}.
        optimizers: {name: (optimizer, variables it updates)}; built here so their
            state exists before a restore.
        extra: {name: trackable} restored with the rest (pools, counters, EMA weights).
        strategy: the run's strategy.
    """

    def __init__(self, output_dir, networks, optimizers, extra=None, strategy=None):
        self.strategy = strategy or tf.distribute.get_strategy()
        self.chief = distribute.is_chief(self.strategy)
        extra = dict(extra or {})
        clash = (set(networks) & set(optimizers)) | ((set(networks) | set(optimizers)) & set(extra))
        if clash or "step" in set(networks) | set(optimizers) | set(extra):
            raise ValueError(f"checkpoint names must be unique, got {sorted(clash or {'step'})}")
        with self.strategy.scope():
            for optimizer, variables in optimizers.values():
                optimizer.build(variables)
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        items = {"step": self.step, **networks, **extra}
        items.update({name: optimizer for name, (optimizer, _) in optimizers.items()})
        self.checkpoint = tf.train.Checkpoint(**items)
        self.optimizers = [optimizer for optimizer, _ in optimizers.values()]
        self.directory = _checkpoint_directory(output_dir)
        write_dir = self.directory
        if not self.chief:
            write_dir = os.path.join(
                output_dir, f".worker_{distribute.worker_id(self.strategy)}_checkpoints"
            )
        self.manager = tf.train.CheckpointManager(self.checkpoint, write_dir, max_to_keep=3)
        self.saved_step = None

    def restore(self):
        """Restores the latest checkpoint of the run (the chief's), if any; returns the step.

        A constant learning rate is a setting, not state: the checkpoint holds the one
        the run started with, and the optimiser keeps the one it was built with now (so
        `--learning_rate` on a resume takes effect, as a schedule's settings do).
        """
        latest = latest_checkpoint(os.path.dirname(self.directory))
        if latest:
            rates = [_constant_rate(optimizer) for optimizer in self.optimizers]
            try:
                self.checkpoint.restore(latest).assert_existing_objects_matched()
            except (ValueError, AssertionError) as e:  # shapes or variables differ
                raise InvalidArgumentError(
                    f"the checkpoint in '{os.path.dirname(self.directory)}' does not fit "
                    f"this network (another architecture made it, e.g. a preset that "
                    f"has changed since: {str(e).splitlines()[0][:160]}); resume it with "
                    f"the code that made it, or train into a new --output_dir"
                ) from None
            for optimizer, rate in zip(self.optimizers, rates, strict=True):
                if rate is not None:
                    optimizer.learning_rate = rate
        self.saved_step = int(self.step.numpy()) if latest else None
        return int(self.step.numpy())

    def save(self):
        """Saves the current step; every worker calls it at the same steps."""
        step = int(self.step.numpy())
        self.manager.save(checkpoint_number=step)
        self.saved_step = step
        if not self.chief:
            shutil.rmtree(self.manager.directory, ignore_errors=True)


def train(
    model,
    make_dataset,
    total_steps,
    output_dir,
    checkpoint_every=500,
    log_every=10,
    sample_every=0,
    sample_images=None,
    jit_compile=False,
    on_step=None,
    strategy=None,
    networks=None,
    optimizers=None,
    extra_state=None,
    replicated=(),
    evaluate=None,
    eval_every=0,
):
    """Trains a model whose `train_step(batch)` updates its networks.

    The model (and its optimisers) must have been built inside `strategy.scope()`.
    Logs are the model's metrics (`model.metrics`), synchronised across replicas.

    Args:
        model: a Keras model with a `train_step`; a single-optimiser model is compiled.
        make_dataset: `make_dataset(start_step)` returns a dataset of global batches
            that starts where step `start_step` of a fresh run would be.
        total_steps: train until this step.
        output_dir: checkpoints/, logs/ (TensorBoard) and samples/ go here.
        checkpoint_every: steps between checkpoints (and one at the end).
        log_every: steps between TensorBoard scalar writes.
        sample_every: steps between sample images (0: only at the end).
        sample_images: (N, H, W, 3) images for the samples (`model.render_samples`).
        jit_compile: compile the replica step with XLA.
        on_step: `on_step(TrainState)` after every step, e.g. for a progress bar.
        strategy: the `tf.distribute.Strategy` (default: the current one).
        networks: {name: network} to checkpoint (default `default_networks(model)`).
        optimizers: {name: (optimizer, variables)} (default `default_optimizers(model)`).
        extra_state: {name: trackable} checkpointed too.
        replicated: batch keys every replica gets whole (see `ReplicaBatches`).
        evaluate: `evaluate(step)` -> {name: scalar} or None, every `eval_every` steps
            and at the last step; logged to TensorBoard under eval/ and to `eval.jsonl`.

    Returns:
        The final step.
    """
    strategy = strategy or tf.distribute.get_strategy()
    state = RunState(
        output_dir,
        networks or default_networks(model),
        optimizers or default_optimizers(model),
        extra_state,
        strategy,
    )
    start_step = state.restore()
    step = state.step
    writer = (
        tf.summary.create_file_writer(os.path.join(output_dir, "logs"))
        if state.chief
        else tf.summary.create_noop_writer()
    )
    replica_step = (
        train_step_function(model, jit_compile=True) if jit_compile else fused_train_step(model)
    )

    @tf.function
    def distributed_step(batch):
        strategy.run(replica_step, args=(batch,))
        return model.get_metrics_result()

    started = time.monotonic()
    if start_step >= total_steps:
        return start_step
    batches = distribute.ReplicaBatches(strategy, make_dataset(start_step), replicated)
    model.reset_metrics()
    first = True
    try:
        while int(step.numpy()) < total_steps:
            batch = next(batches)
            if first:  # the generator pipelines have run: undo their allocator setting
                restore_malloc_thresholds()
                first = False
            logs = distributed_step(batch)
            step.assign_add(1)
            current = int(step.numpy())
            values = {k: float(v) for k, v in logs.items()}
            if current % log_every == 0 or current == total_steps:
                with writer.as_default(step=current):
                    for key, value in values.items():
                        tf.summary.scalar(key, value)
                model.reset_metrics()
            evaluation = None
            due = eval_every and (current % eval_every == 0 or current == total_steps)
            if evaluate is not None and due:
                evaluation = _evaluate(evaluate, writer, current, output_dir, state.chief)
            if on_step is not None:
                seconds = time.monotonic() - started
                on_step(TrainState(current, total_steps, start_step, values, seconds, evaluation))
            if state.chief and sample_images is not None and sample_every:
                if current % sample_every == 0:
                    _write_samples(model, sample_images, output_dir, writer, current)
            if current % checkpoint_every == 0:
                state.save()
    except KeyboardInterrupt:
        state.save()
        raise
    final = int(step.numpy())
    if state.saved_step != final:
        state.save()
    if state.chief and sample_images is not None:
        _write_samples(model, sample_images, output_dir, writer, final)
    writer.flush()
    return final


def _evaluate(evaluate, writer, step, output_dir, chief):
    """Runs `evaluate(step)`: TensorBoard scalars "eval/<name>" and, on the chief, a
    line of `eval.jsonl` in the run folder. Returns the results (None if none)."""
    results = {k: float(v) for k, v in (evaluate(step) or {}).items()}
    if not results:
        return None
    with writer.as_default(step=step):
        for key, value in results.items():
            tf.summary.scalar(f"eval/{key}", value)
    if chief:
        with open(os.path.join(output_dir, EVAL_LOG), "a") as f:
            f.write(json.dumps({"step": step, **results}) + "\n")
    return results


def _write_samples(model, images, output_dir, writer, step):
    """A grid of sample images: `model.render_samples(images)` gives one row (N, H, W, 3)
    or several (R, N, H, W, 3); without it, the generator's outputs are the row."""
    render = getattr(model, "render_samples", None)
    images = tf.convert_to_tensor(images)
    stylized = render(images) if render else model.generator(images, training=False)
    stylized = np.clip(np.asarray(stylized, np.float32), 0.0, 1.0)
    rows = stylized if stylized.ndim == 5 else stylized[None]
    flat = rows.reshape((-1,) + rows.shape[2:])
    with writer.as_default(step=step):
        tf.summary.image("samples", flat, max_outputs=len(flat))
    grid = np.concatenate([np.concatenate(list(row), axis=1) for row in rows], axis=0)
    save_image(os.path.join(output_dir, "samples", f"step_{step:07d}.png"), grid, overwrite=True)


def save_release(network, output_dir, name="generator"):
    """Writes one inference network: `<name>.keras` and `<name>.weights.h5`."""
    paths = {}
    for filename in (f"{name}.keras", f"{name}.weights.h5"):
        path = os.path.join(output_dir, filename)
        with atomic_write(path, overwrite=True) as tmp:
            target = tmp + (".keras" if filename.endswith(".keras") else ".weights.h5")
            if filename.endswith(".keras"):
                network.save(target)
            else:
                network.save_weights(target)
            os.replace(target, tmp)
        paths[filename] = path
    return paths
