"""The one driver that runs any registered training recipe.

    result = run(JohnsonRecipe(config), on_start=..., on_step=...)

It does, in this order and the same for every family: validate the settings, create
the tf.distribute strategy (before any other TensorFlow op, as multi-worker needs),
set precision and seeds, let the recipe read its inputs (bad input fails here, before
anything is written), build the model and optimisers inside `strategy.scope()`, write
config.json (refusing to resume with other identity settings), restore the latest
checkpoint, train, and write the release files.
"""

import dataclasses

import keras

from tfstyle.precision import choose_precision
from tfstyle.training import distribute, loop
from tfstyle.training.recipe import COMMON_IDENTITY_KEYS, Recipe
from tfstyle.training.run_config import check_run_config, write_run_config


def run(recipe, on_start=None, on_step=None, strategy=None, on_note=None):
    """Trains (or resumes) the run of `recipe` and writes its release networks.

    Args:
        recipe: a `Recipe` instance holding its config.
        on_start: `on_start(info)` once before the first step, with total_steps,
            resumed, skipped files, content_images, replicas, chief, precision (the
            policy and why), precision_warning (or None) and the recipe's `start_info()`.
        on_step: `on_step(TrainState)` after every step.
        strategy: a `tf.distribute.Strategy` (default: from `config.distribute`).
        on_note: `on_note(message)` for news before the start (e.g. a dataset download).

    Returns:
        {"step": final step, "<name>.keras": path, "<name>.weights.h5": path, ...}
        (release files are written by the chief only) plus the recipe's start_info.
    """
    config = recipe.config
    recipe.validate()
    strategy = strategy or distribute.make_strategy(config.distribute)
    distribute.check_global_batch(strategy, config.batch_size)
    chief = distribute.is_chief(strategy)
    # Library callers of old passed a bool: True meant bfloat16.
    requested = {True: "bf16", False: "float32"}.get(config.mixed_precision, config.mixed_precision)
    precision = choose_precision(requested)
    keras.mixed_precision.set_global_policy(precision.policy)
    try:
        keras.utils.set_random_seed(config.seed)
        if on_note is not None:
            recipe.notify = on_note
        recipe.prepare()
        total = recipe.total_steps()
        with strategy.scope():
            model = recipe.build()
        sources = {k: v for k, v in recipe.sources().items() if v is not None}
        skipped = tuple(path for source in sources.values() for path in source.skipped)
        facts = {k: v.size for k, v in sources.items()}
        facts["skipped_files"] = len(skipped)
        full = {
            **dataclasses.asdict(config),
            **facts,
            "family": recipe.name,
            "precision_policy": precision.policy,
            **recipe.record(),
            "total_steps": total,
        }
        keys = tuple(COMMON_IDENTITY_KEYS) + tuple(recipe.identity_keys)
        # Written once everything before is known to be valid: bad input leaves no folder.
        if chief:
            resumed = write_run_config(config.output_dir, full, keys, recipe.upgrade_run_config)
        else:
            resumed = check_run_config(config.output_dir, full, keys, recipe.upgrade_run_config)
        info = {
            "total_steps": total,
            "resumed": resumed,
            "skipped": skipped,
            "content_images": facts.get("content_images"),
            "replicas": strategy.num_replicas_in_sync,
            "chief": chief,
            "precision": precision.describe(),
            "precision_warning": precision.warning,
            **recipe.start_info(),
        }
        if on_start is not None:
            on_start(info)
        final = loop.train(
            model,
            recipe.dataset,
            total,
            config.output_dir,
            checkpoint_every=config.checkpoint_every,
            sample_every=config.sample_every,
            sample_images=recipe.sample_images() if chief else None,
            jit_compile=config.jit_compile,
            on_step=on_step,
            strategy=strategy,
            networks=recipe.networks(model),
            optimizers=recipe.optimizers(model),
            extra_state=recipe.extra_state(model),
            replicated=recipe.replicated_inputs,
            evaluate=_evaluation(recipe, model),
            eval_every=config.eval_every,
        )
        # Release networks are built in float32 whatever the training precision.
        keras.mixed_precision.set_global_policy("float32")
        result = {"step": final, **recipe.start_info()}
        if chief:
            for name, network in recipe.release(model).items():
                result.update(loop.save_release(network, config.output_dir, name))
        return result
    finally:
        keras.mixed_precision.set_global_policy("float32")


def _evaluation(recipe, model):
    if type(recipe).evaluate is Recipe.evaluate:  # no evaluation in this family
        return None
    return lambda step: recipe.evaluate(model, step)
