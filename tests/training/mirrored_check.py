"""Run by test_distribute.py in a fresh process (logical devices must be set before
TensorFlow starts): one step of a family under MirroredStrategy over two logical CPU
devices against one device, and a 2-replica checkpoint resumed on one. Prints JSON."""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from tfstyle.gan import AdversarialModel  # noqa: E402
from tfstyle.models.adain.train import AdaINRecipe, AdaINTrainConfig  # noqa: E402
from tfstyle.models.cartoongan.train import CartoonGANRecipe, CartoonGANTrainConfig  # noqa: E402
from tfstyle.models.cyclegan.train import CycleGANRecipe, CycleGANTrainConfig  # noqa: E402
from tfstyle.models.johnson.train import JohnsonRecipe, JohnsonTrainConfig  # noqa: E402
from tfstyle.models.munit.train import MUNITRecipe, MUNITTrainConfig  # noqa: E402
from tfstyle.models.super_resolution.train import (  # noqa: E402
    SRTrainConfig,
    SuperResolutionRecipe,
)
from tfstyle.training import driver  # noqa: E402
from tfstyle.training.loop import RunState  # noqa: E402

# SGD, so equal gradients mean equal weights (Adam's first step is ~lr * sign(g), which
# turns float noise in near-zero gradients into full-size differences).
FAMILIES = {
    "johnson": (JohnsonRecipe, JohnsonTrainConfig, {"style": "mosaic", "preset": "lite_025"}),
    "adain": (AdaINRecipe, AdaINTrainConfig, {"decoder_width": 0.125, "lr_decay": 0.0}),
    # Two networks and two optimisers per phase, image pools (not full after one step,
    # so they return the fakes themselves on every replica).
    "cyclegan": (
        CycleGANRecipe,
        CycleGANTrainConfig,
        {
            "generator_blocks": 1,
            "filters": 4,
            "discriminator_filters": 4,
            "receptive_field": 16,
            "pool_size": 4,
        },
    ),
    # Four networks, two optimisers, random style codes that come with the batch (each
    # replica gets its slice of the global batch's codes).
    "munit": (
        MUNITRecipe,
        MUNITTrainConfig,
        {
            "filters": 4,
            "num_blocks": 1,
            "mlp_dim": 8,
            "discriminator_filters": 4,
            "discriminator_scales": 2,
            "discriminator_layers": 2,
        },
    ),
    # Both stages are one graph (a second trace broke MirroredStrategy's collectives).
    "cartoongan": (
        CartoonGANRecipe,
        CartoonGANTrainConfig,
        {"filters": 4, "generator_blocks": 1, "discriminator_filters": 4, "init_steps": 0},
    ),
    # Batch norm in both networks: its statistics are the global batch's (synchronized).
    "srgan": (
        SuperResolutionRecipe,
        SRTrainConfig,
        {"model": "srgan", "preset": "lite", "discriminator_filters": 4},
    ),
}
LOSS_KEYS = {"cyclegan": "g_total", "cartoongan": "g_total", "munit": "g_total"}


def sgd(recipe_class):
    class WithSGD(recipe_class):
        def build(self):
            model = super().build()
            if isinstance(model, AdversarialModel):
                model.compile({p: keras.optimizers.SGD(1e-4) for p in model.phase_variables()})
            else:
                model.compile(optimizer=keras.optimizers.SGD(1e-4))
            return model

    return WithSGD


def one_step(strategy, out, family, photos, steps=1):
    recipe_class, config_class, extra = FAMILIES[family]
    if family == "adain":
        extra = {**extra, "style_dir": photos}
    if family in ("cyclegan", "munit"):
        extra = {**extra, "a_dir": photos, "b_dir": photos}
    if family == "cartoongan":
        extra = {**extra, "cartoon_dir": photos}
    config = config_class(
        output_dir=out,
        content_dir=None if family in ("cyclegan", "munit") else photos,
        image_size=32,
        batch_size=4,
        steps=steps,
        vgg_weights=None,
        sample_every=0,
        mixed_precision="float32",
        **extra,
    )
    recipe = sgd(recipe_class)(config)
    logs, built = {}, {}
    build = recipe.build

    def capture():
        built["model"] = model = build()
        built["initial"] = [w.numpy() for w in model.trainable_weights]
        return model

    recipe.build = capture
    driver.run(recipe, on_step=lambda s: logs.update(s.logs), strategy=strategy)
    after = [w.numpy() for w in built["model"].trainable_weights]
    logs["moved"] = max(
        float(np.max(np.abs(a - b))) for a, b in zip(after, built["initial"], strict=True)
    )
    return recipe, built["model"], logs


def main(root, photos, families=None):
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    single = tf.distribute.get_strategy()
    report = {"replicas": mirrored.num_replicas_in_sync}
    for family in families or FAMILIES:
        keras.utils.set_random_seed(0)
        _, one, logs_one = one_step(single, f"{root}/{family}_1", family, photos)
        keras.utils.set_random_seed(0)
        recipe, two, logs_two = one_step(mirrored, f"{root}/{family}_2", family, photos)
        weights_one = [w.numpy() for w in one.trainable_weights]
        weights_two = [w.numpy() for w in two.trainable_weights]
        # The 2-replica checkpoint restores on one device...
        keras.utils.set_random_seed(5)
        with single.scope():
            fresh = recipe.build()
        state = RunState(
            f"{root}/{family}_2", recipe.networks(fresh), recipe.optimizers(fresh), strategy=single
        )
        restored_step = state.restore()
        restored = [w.numpy() for w in fresh.trainable_weights]
        # ... and the run continues there.
        keras.utils.set_random_seed(0)
        _, _, logs_resumed = one_step(single, f"{root}/{family}_2", family, photos, steps=2)
        loss = LOSS_KEYS.get(family, "loss")
        report[family] = {
            "loss_one": logs_one[loss],
            "loss_two": logs_two[loss],
            "max_weight_diff": max(
                float(np.max(np.abs(a - b))) for a, b in zip(weights_one, weights_two, strict=True)
            ),
            "max_restore_diff": max(
                float(np.max(np.abs(a - b))) for a, b in zip(restored, weights_two, strict=True)
            ),
            "max_update": logs_one["moved"],
            "restored_step": restored_step,
            "resumed_loss": logs_resumed.get(loss),
        }
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3].split(",") if len(sys.argv) > 3 else None)
