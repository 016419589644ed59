"""tf.distribute for every trainer: strategies, the input pipeline per replica, losses.

One code path serves one device, several devices of one machine (`MirroredStrategy`)
and several machines (`MultiWorkerMirroredStrategy`, configured by `TF_CONFIG` as
Keras users expect): the driver builds the models and optimisers inside
`strategy.scope()`, runs each step with `strategy.run`, and feeds every replica its
slice of the global batch.

Data: the recipe's dataset yields global batches whose content is a pure function of
(seed, step). Every worker builds that same stream and feeds its replicas their
slices, so step s trains on the same images with 1 or N replicas, and a
run can move between replica counts and resume where it stopped.
"""

import json
import os

import tensorflow as tf

from tfstyle.errors import InvalidArgumentError

STRATEGIES = ("auto", "none", "mirrored", "multi_worker")


def tf_config():
    """The parsed `TF_CONFIG` environment variable, or None."""
    text = os.environ.get("TF_CONFIG")
    if not text:
        return None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidArgumentError(f"TF_CONFIG is not valid JSON: {e}") from None
    if not isinstance(config.get("cluster"), dict) or not isinstance(config.get("task"), dict):
        raise InvalidArgumentError('TF_CONFIG needs "cluster" and "task" entries')
    return config


def _cluster_size(config):
    return sum(len(v) for v in config["cluster"].values()) if config else 0


def make_strategy(kind="auto"):
    """The `tf.distribute.Strategy` for `kind`.

    Call it before any other TensorFlow op: `MultiWorkerMirroredStrategy` configures
    the collective ops at program start.

    Args:
        kind: "none" (the default strategy: one device), "mirrored" (every GPU of this
            machine, else every logical CPU device), "multi_worker" (the cluster in
            `TF_CONFIG`), or "auto": multi_worker when `TF_CONFIG` names more than one
            task, mirrored when this machine has several GPUs, else none.
    """
    if kind not in STRATEGIES:
        raise InvalidArgumentError(
            f"--distribute must be one of {', '.join(STRATEGIES)}, got '{kind}'"
        )
    config = tf_config()
    if kind == "auto":
        if _cluster_size(config) > 1:
            kind = "multi_worker"
        elif len(tf.config.list_physical_devices("GPU")) > 1:
            kind = "mirrored"
        else:
            kind = "none"
    if kind == "none":
        return tf.distribute.get_strategy()
    if kind == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in gpus or tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    if config is None:
        raise InvalidArgumentError(
            "--distribute multi_worker needs TF_CONFIG (see scripts/launch_workers.py)"
        )
    return tf.distribute.MultiWorkerMirroredStrategy()


def is_chief(strategy):
    """True on the worker that writes checkpoints, logs, samples and release files."""
    resolver = getattr(strategy.extended, "_cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    task_type, task_id = resolver.task_type, resolver.task_id or 0
    if task_type == "chief":
        return True
    has_chief = "chief" in (resolver.cluster_spec().as_dict() or {})
    return task_type == "worker" and task_id == 0 and not has_chief


def worker_id(strategy):
    resolver = getattr(strategy.extended, "_cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return 0
    return int(resolver.task_id or 0)


def check_global_batch(strategy, batch_size):
    """The global batch must split evenly over the replicas."""
    replicas = strategy.num_replicas_in_sync
    if batch_size % replicas:
        raise InvalidArgumentError(
            f"--batch_size {batch_size} (the global batch) must be a multiple of the "
            f"{replicas} replicas"
        )


class ReplicaBatches:
    """Iterates a dataset of global batches as per-replica values: every replica of
    this worker gets its slice of each global batch.

    The global batches come from an ordinary local iterator and are split with
    `strategy.experimental_distribute_values_from_function`; tf.distribute's own
    distributed iterators took 15-60 s to shut down in a two-worker run on one CPU.

    Args:
        strategy: the run's strategy.
        dataset: global batches (a tensor, or a dict of tensors with the batch first).
        replicated: dict keys that every replica gets whole (e.g. MetaNet's single style
            image of the step) instead of a slice.
    """

    def __init__(self, strategy, dataset, replicated=()):
        self.strategy = strategy
        self.replicas = strategy.num_replicas_in_sync
        self.replicated = tuple(replicated)
        self.iterator = iter(dataset.prefetch(2))

    def __iter__(self):
        return self

    def __next__(self):
        batch = next(self.iterator)
        if self.replicas == 1:
            return batch

        def value(context):
            index = context.replica_id_in_sync_group
            if isinstance(batch, dict):
                return {
                    k: v if k in self.replicated else self._cut(v, index) for k, v in batch.items()
                }
            return self._cut(batch, index)

        return self.strategy.experimental_distribute_values_from_function(value)

    def _cut(self, x, index):
        size = x.shape[0] // self.replicas
        return x[index * size : (index + 1) * size]


def replica_loss(loss, optimizer=None):
    """This replica's share of a loss, for its gradient.

    Optimisers sum gradients across replicas, so each replica's mean loss is divided by
    the replica count (Keras does this only in its own train step, not in an overridden
    `compute_loss` or a custom `train_step`); `optimizer.scale_loss` then applies the
    loss scale of mixed float16. Call it inside the gradient tape.
    """
    context = tf.distribute.get_replica_context()
    replicas = context.num_replicas_in_sync if context is not None else 1
    if replicas > 1:
        loss = loss * tf.cast(1.0 / replicas, loss.dtype)
    return optimizer.scale_loss(loss) if optimizer is not None else loss


def minimize(optimizer, tape, loss, variables):
    """One optimiser update of `variables` from a loss recorded on `tape` (one replica's
    mean loss; see `replica_loss`). Use `with tape:` around the loss computation."""
    with tape:
        scaled = replica_loss(loss, optimizer)
    gradients = tape.gradient(scaled, variables)
    optimizer.apply(gradients, variables)
