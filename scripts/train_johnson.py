"""Train a Johnson et al. fast style transfer network for one style.

Examples:
    python scripts/train_johnson.py --style mosaic                      # COCO via TFDS
    python scripts/train_johnson.py --style candy --content_dir photos/ --steps 2000
    python scripts/train_johnson.py --style my_painting.jpg --preset lite --mixed_precision

Re-running the same command with the same --output_dir resumes from the last checkpoint.
"""

import os

from absl import flags

from tfstyle import cli
from tfstyle.models.johnson.train import JohnsonTrainConfig, train_johnson

_STYLE = flags.DEFINE_string("style", None, "Style image: a bundled name or a path.")
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "Run folder (default runs/johnson_<style>).")
_DATASET = flags.DEFINE_string("dataset", "coco/2017", "TFDS dataset of content photos.")
_CONTENT_DIR = flags.DEFINE_string(
    "content_dir", None, "Folder of content photos (overrides --dataset)."
)
_IMAGE_SIZE = flags.DEFINE_integer("image_size", 256, "Training crop size.", lower_bound=16)
_STYLE_SIZE = flags.DEFINE_integer(
    "style_size", None, "Longer side of the style image (default: up to 512)."
)
_BATCH_SIZE = flags.DEFINE_integer("batch_size", 4, "Batch size.", lower_bound=1)
_EPOCHS = flags.DEFINE_float("epochs", 2.0, "Passes over the content images.")
_STEPS = flags.DEFINE_integer(
    "steps", None, "Train for N steps (overrides --epochs).", lower_bound=1
)
_LEARNING_RATE = flags.DEFINE_float("learning_rate", 1e-3, "Adam learning rate.", lower_bound=0)
_CONTENT_WEIGHT = flags.DEFINE_float("content_weight", 1.0, "Content weight.", lower_bound=0)
_STYLE_WEIGHT = flags.DEFINE_float("style_weight", 5.0, "Style weight.", lower_bound=0)
_TV_WEIGHT = flags.DEFINE_float("tv_weight", 1.3e4, "Total variation weight.", lower_bound=0)
_CONTENT_LAYER = flags.DEFINE_list("content_layer", None, "Content layer(s) (default relu2_2).")
_STYLE_LAYERS = flags.DEFINE_list(
    "style_layers", None, "Style layers (default the last conv of blocks 1-4)."
)
_PRESET = flags.DEFINE_enum("preset", "paper", ["paper", "lite", "lite_025"], "Network size.")
_VGG = flags.DEFINE_enum("vgg", "vgg19", ["vgg19", "vgg16"], "Loss network.")
_VGG_WEIGHTS = flags.DEFINE_string("vgg_weights", "imagenet", "imagenet | none | PATH.")
_CHECKPOINT_EVERY = flags.DEFINE_integer(
    "checkpoint_every", 500, "Steps between checkpoints.", lower_bound=1
)
_SAMPLE_EVERY = flags.DEFINE_integer(
    "sample_every", 500, "Steps between sample images (0: end only).", lower_bound=0
)
_MIXED = flags.DEFINE_bool("mixed_precision", False, "bfloat16 compute (CPU), float32 statistics.")
_JIT = flags.DEFINE_bool("jit_compile", False, "Compile the training step with XLA.")
_SEED = flags.DEFINE_integer("seed", 0, "Seed for data order, crops and initialisation.")

flags.mark_flag_as_required("style")


def main(argv):
    style_name = os.path.splitext(os.path.basename(_STYLE.value))[0]
    config = JohnsonTrainConfig(
        style=_STYLE.value,
        output_dir=_OUTPUT_DIR.value or os.path.join("runs", f"johnson_{style_name}"),
        content_dir=_CONTENT_DIR.value,
        dataset=_DATASET.value,
        image_size=_IMAGE_SIZE.value,
        style_size=_STYLE_SIZE.value,
        batch_size=_BATCH_SIZE.value,
        epochs=_EPOCHS.value,
        steps=_STEPS.value,
        learning_rate=_LEARNING_RATE.value,
        content_weight=_CONTENT_WEIGHT.value,
        style_weight=_STYLE_WEIGHT.value,
        tv_weight=_TV_WEIGHT.value,
        content_layers=tuple(_CONTENT_LAYER.value) if _CONTENT_LAYER.value else None,
        style_layers=tuple(_STYLE_LAYERS.value) if _STYLE_LAYERS.value else None,
        preset=_PRESET.value,
        vgg=_VGG.value,
        vgg_weights=cli.vgg_weights_flag(_VGG_WEIGHTS.value),
        checkpoint_every=_CHECKPOINT_EVERY.value,
        sample_every=_SAMPLE_EVERY.value,
        mixed_precision=_MIXED.value,
        jit_compile=_JIT.value,
        seed=_SEED.value,
    )
    progress = {}

    def on_start(info):
        if info["skipped"]:
            print(f"skipped {len(info['skipped'])} unreadable files, e.g. {info['skipped'][0]}")
        print(
            f"{'resuming' if info['resumed'] else 'starting'} {config.output_dir}: "
            f"{info['total_steps']} steps of {config.batch_size} images"
        )

    def on_step(state):
        if "bar" not in progress:
            progress["bar"] = cli.Progress(
                state.total_steps, initial=state.start_step, items_per_step=config.batch_size
            )
        progress["bar"].update(state.step, state.logs)

    result = train_johnson(config, on_step=on_step, on_start=on_start)
    print(
        f"step {result['step']}: wrote {result['generator.keras']} and {result['generator.weights.h5']}"
    )


if __name__ == "__main__":
    cli.run(main)
