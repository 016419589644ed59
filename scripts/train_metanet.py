r"""Train a MetaNet: a meta network that makes a style transfer network from any style
image in one forward pass (Shen et al., CVPR 2018, Algorithm 1).

Examples:
    python scripts/train_metanet.py --content_dir photos/ --style_dir paintings/
    python scripts/train_metanet.py --style_dir wikiart/ --preset paper
    # then: one painting -> a standalone network in every format
    python -m export metanet --model runs/metanet_reference --style starry_night \
        --output_dir exported/metanet_starry

Presets: "reference" (32-64-128 transformer, 14 generated 3x3 convs, ~213M meta
parameters) and "paper" (8-16-32 network of the paper, all 16 convs generated, ~14M).
Re-running the same command with the same --output_dir resumes.
"""

import os

from absl import flags

from tfstyle import cli
from tfstyle.models.metanet import INPUT_NORMALIZATIONS, PRESETS
from tfstyle.models.metanet.train import MetaNetRecipe, MetaNetTrainConfig

_STYLE_DIR = flags.DEFINE_string("style_dir", None, "Folder of style images (paintings).")
_COMMON = cli.TrainingFlags(batch_size=8, vgg="vgg16")
_PRESET = flags.DEFINE_enum("preset", "reference", list(PRESETS), "Transformer preset.")
_STEPS_PER_STYLE = flags.DEFINE_integer(
    "steps_per_style", 20, "Steps before the next style (Algorithm 1's k).", lower_bound=1
)
_HIDDEN = flags.DEFINE_integer(
    "hidden_per_group", 128, "Meta network hidden units per group.", lower_bound=1
)
_WIDTH = flags.DEFINE_float(
    "width_multiplier", 1.0, "Transformer filter multiplier.", lower_bound=0.05
)
_INPUT_NORMALIZATION = flags.DEFINE_enum(
    "input_normalization",
    "standardize",
    list(INPUT_NORMALIZATIONS),
    "Meta network inputs: standardised per feature over the training paintings, or "
    "'layer' (runs started before 2026-12-04; resume them with it).",
)
_CONTENT_WEIGHT = flags.DEFINE_float("content_weight", 1.0, "Content weight.", lower_bound=0)
_STYLE_WEIGHT = flags.DEFINE_float(
    "style_weight",
    50.0,
    "Weight of the mean/std style loss (the reference implementation's 50).",
    lower_bound=0,
)
_TV_WEIGHT = flags.DEFINE_float("tv_weight", 1.3e4, "Total variation weight.", lower_bound=0)

flags.mark_flag_as_required("style_dir")


def main(argv):
    config = MetaNetTrainConfig(
        style_dir=_STYLE_DIR.value,
        preset=_PRESET.value,
        steps_per_style=_STEPS_PER_STYLE.value,
        hidden_per_group=_HIDDEN.value,
        input_normalization=_INPUT_NORMALIZATION.value,
        width_multiplier=_WIDTH.value,
        content_weight=_CONTENT_WEIGHT.value,
        style_weight=_STYLE_WEIGHT.value,
        tv_weight=_TV_WEIGHT.value,
        **_COMMON.config(os.path.join("runs", f"metanet_{_PRESET.value}")),
    )
    cli.train(MetaNetRecipe(config))


if __name__ == "__main__":
    cli.run(main)
