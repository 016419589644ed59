"""A resumable training loop: checkpoints, TensorBoard, samples, release weights.

Two kinds of checkpoint on purpose:
- full training state for exact resume (`tf.train.CheckpointManager` over the trained
  networks, the optimiser and the step; the data position follows from the step);
- release weights of the inference network only, written at the end.

Re-running the same command with the same output folder resumes from the latest
checkpoint; a process killed with SIGKILL loses at most the steps since then.
"""

import dataclasses
import os
import time

import numpy as np
import tensorflow as tf

from tfstyle.io import atomic_write, save_image


@dataclasses.dataclass
class TrainState:
    """What the loop reports after every step (passed to `on_step`)."""

    step: int
    total_steps: int
    start_step: int
    logs: dict
    seconds: float


def _checkpoint(model, step):
    items = {"step": step, "optimizer": model.optimizer}
    items.update(
        model.checkpoint_items()
        if hasattr(model, "checkpoint_items")
        else {"generator": model.generator}
    )
    return tf.train.Checkpoint(**items)


def restore_step(model, output_dir):
    """Builds the optimiser state, restores the latest checkpoint if any; returns the step."""
    model.optimizer.build(model.trainable_variables)
    step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
    manager = tf.train.CheckpointManager(
        _checkpoint(model, step), os.path.join(output_dir, "checkpoints"), max_to_keep=3
    )
    if manager.latest_checkpoint:
        manager.checkpoint.restore(manager.latest_checkpoint).assert_existing_objects_matched()
    return step, manager


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
):
    """Trains a compiled model whose `train_step` takes a batch of content images.

    Args:
        model: a compiled Keras model (optimizer set) with a `generator` attribute or a
            `checkpoint_items()` method naming what to checkpoint.
        make_dataset: `make_dataset(start_step)` returns an iterable of batches that
            starts where step `start_step` of a fresh run would be.
        total_steps: train until this step.
        output_dir: checkpoints/, logs/ (TensorBoard) and samples/ go here.
        checkpoint_every: steps between checkpoints (and one at the end).
        log_every: steps between TensorBoard scalar writes.
        sample_every: steps between sample images (0: only at the end).
        sample_images: (N, H, W, 3) images stylised for the samples.
        jit_compile: compile the step with XLA.
        on_step: `on_step(TrainState)` after every step, e.g. for a progress bar.

    Returns:
        The final step.
    """
    step, manager = restore_step(model, output_dir)
    start_step = int(step.numpy())
    writer = tf.summary.create_file_writer(os.path.join(output_dir, "logs"))
    train_step = tf.function(model.train_step, jit_compile=jit_compile)
    started = time.monotonic()
    if start_step >= total_steps:
        return start_step
    iterator = iter(make_dataset(start_step))
    try:
        while int(step.numpy()) < total_steps:
            batch = next(iterator)
            logs = train_step(batch)
            step.assign_add(1)
            current = int(step.numpy())
            values = {k: float(v) for k, v in logs.items()}
            if current % log_every == 0 or current == total_steps:
                with writer.as_default(step=current):
                    for key, value in values.items():
                        tf.summary.scalar(key, value)
                model.reset_metrics()
            if on_step is not None:
                on_step(
                    TrainState(
                        current,
                        total_steps,
                        start_step,
                        values,
                        time.monotonic() - started,
                    )
                )
            if sample_images is not None and sample_every and current % sample_every == 0:
                _write_samples(model, sample_images, output_dir, writer, current)
            if current % checkpoint_every == 0:
                manager.save(checkpoint_number=current)
    except KeyboardInterrupt:
        manager.save(checkpoint_number=int(step.numpy()))
        raise
    final = int(step.numpy())
    if manager.latest_checkpoint is None or not manager.latest_checkpoint.endswith(f"-{final}"):
        manager.save(checkpoint_number=final)
    if sample_images is not None:
        _write_samples(model, sample_images, output_dir, writer, final)
    writer.flush()
    return final


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


def save_release(generator, output_dir):
    """Writes the inference network only: `generator.keras` and `generator.weights.h5`."""
    paths = {}
    for name in ("generator.keras", "generator.weights.h5"):
        path = os.path.join(output_dir, name)
        with atomic_write(path, overwrite=True) as tmp:
            target = tmp + (".keras" if name.endswith(".keras") else ".weights.h5")
            if name.endswith(".keras"):
                generator.save(target)
            else:
                generator.save_weights(target)
            os.replace(target, tmp)
        paths[name] = path
    return paths
