r"""Train an AdaIN decoder: any content with any style (Huang & Belongie, ICCV 2017).

Examples:
    python scripts/train_adain.py --content_dir photos/ --style_dir paintings/
    python scripts/train_adain.py --style_dir wikiart/ --epochs 2
    python scripts/train_adain.py --content_dir photos/ --style_dir paintings/ --preset paper

Presets: "reference" (default; Adam 1e-4 with the authors' inverse-time decay 5e-5,
batch 8, style weight 10) and "paper" (the same with a constant learning rate). Both
train the paper's 160,000 steps unless --steps or --epochs says otherwise, on 256 px
crops of images resized to 512 px on the shorter side (--resize_side).
Re-running the same command with the same --output_dir resumes.
"""

import os

from absl import flags

from tfstyle import cli
from tfstyle.models.adain.train import PRESETS, AdaINRecipe, AdaINTrainConfig

_STYLE_DIR = flags.DEFINE_string("style_dir", None, "Folder of style images (paintings).")
_COMMON = cli.TrainingFlags(batch_size=8, learning_rate=1e-4, epochs=None)
_RESIZE_SIDE = flags.DEFINE_integer(
    "resize_side",
    None,
    "Shorter side images are resized to before the --image_size crop (default 2x).",
    lower_bound=16,
)
_PRESET = flags.DEFINE_enum("preset", "reference", list(PRESETS), "Hyper-parameter preset.")
_CONTENT_WEIGHT = flags.DEFINE_float("content_weight", 1.0, "Content weight.", lower_bound=0)
_STYLE_WEIGHT = flags.DEFINE_float("style_weight", None, "Style weight (preset: 10).")
_DECODER_WIDTH = flags.DEFINE_float(
    "decoder_width", 1.0, "Decoder filter multiplier (1.0 = paper).", lower_bound=0.05
)

flags.mark_flag_as_required("style_dir")


def main(argv):
    config = AdaINTrainConfig(
        style_dir=_STYLE_DIR.value,
        preset=_PRESET.value,
        content_weight=_CONTENT_WEIGHT.value,
        style_weight=_STYLE_WEIGHT.value,  # None: the preset's
        decoder_width=_DECODER_WIDTH.value,
        resize_side=_RESIZE_SIDE.value,
        **_COMMON.config(os.path.join("runs", "adain")),
    )
    cli.train(AdaINRecipe(config))


if __name__ == "__main__":
    cli.run(main)
