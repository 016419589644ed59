"""Train a Johnson et al. fast style transfer network for one style.

Examples:
    python scripts/train_johnson.py --style mosaic                      # COCO via TFDS
    python scripts/train_johnson.py --style candy --content_dir photos/ --steps 2000
    python scripts/train_johnson.py --style my_painting.jpg --preset lite

Re-running the same command with the same --output_dir resumes from the last checkpoint.
"""

import os

from absl import flags

from tfstyle import cli
from tfstyle.models.johnson.train import JohnsonRecipe, JohnsonTrainConfig

_STYLE = flags.DEFINE_string("style", None, "Style image: a bundled name or a path.")
_COMMON = cli.TrainingFlags()
_OBJECTIVE = cli.PerceptualFlags()

flags.mark_flag_as_required("style")


def main(argv):
    style_name = os.path.splitext(os.path.basename(_STYLE.value))[0]
    config = JohnsonTrainConfig(
        style=_STYLE.value,
        **_COMMON.config(os.path.join("runs", f"johnson_{style_name}")),
        **_OBJECTIVE.config(),
    )
    cli.train(JohnsonRecipe(config))


if __name__ == "__main__":
    cli.run(main)
