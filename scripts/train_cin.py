r"""Train one network for N styles (conditional instance norm), or add a style to one.

Examples:
    python scripts/train_cin.py --styles mosaic,candy,udnie,the_scream --content_dir photos/
    python scripts/train_cin.py --styles mosaic,my_painting.jpg --steps 20000
    # Add a style to a trained network: only its new (gamma, beta) row is trained.
    python scripts/train_cin.py --add_style wave --from runs/cin_4styles \
        --content_dir photos/ --steps 2000 --output_dir runs/cin_5styles

Re-running the same command with the same --output_dir resumes from the last checkpoint.
Stylise with one style or a blend:
    python scripts/stylize.py --model runs/cin_4styles --style_weights 0:0.5,3:0.5 ...
"""

import os

from absl import flags

from tfstyle import cli
from tfstyle.models.cin.train import CINRecipe, CINTrainConfig

_STYLES = flags.DEFINE_list("styles", None, "Style images in row order: bundled names or paths.")
_ADD_STYLE = flags.DEFINE_string("add_style", None, "A style to add to the --from network.")
_FROM = flags.DEFINE_string("from", None, "Run folder of the N-style network to extend.")
_COMMON = cli.TrainingFlags()
_OBJECTIVE = cli.PerceptualFlags()


def main(argv):
    if _ADD_STYLE.value:
        name = (
            f"{os.path.basename(os.path.normpath(_FROM.value or 'cin'))}_plus_"
            + (os.path.splitext(os.path.basename(_ADD_STYLE.value))[0])
        )
    else:
        name = f"cin_{len(_STYLES.value or [])}styles"
    config = CINTrainConfig(
        styles=tuple(_STYLES.value or ()),
        add_style=_ADD_STYLE.value,
        base=_FROM.value,
        **_COMMON.config(os.path.join("runs", name)),
        **_OBJECTIVE.config(),
    )
    result = cli.train(CINRecipe(config))
    print("styles: " + ", ".join(f"{i}:{s}" for i, s in enumerate(result["styles"])))


if __name__ == "__main__":
    cli.run(main)
