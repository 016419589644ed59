r"""Train pix2pix: paired image-to-image translation (Isola et al., CVPR 2017).

Examples:
    # Any folder of photos becomes pairs: edges -> photo, gray -> colour, blur -> sharp.
    python scripts/train_pix2pix.py --pairs_from edges --content_dir photos/
    # The paper's data sets: side-by-side AB images (facades, maps, edges2shoes...).
    python scripts/train_pix2pix.py --data_dir facades/train --direction BtoA
    # Two folders of images with the same file names.
    python scripts/train_pix2pix.py --a_dir sketches/ --b_dir photos/

Defaults are the paper's: U-Net 256, 70 x 70 PatchGAN, GAN loss + 100 x L1, Adam 2e-4
(beta1 0.5), batch 1, 286 -> 256 random crops and mirroring, 200 epochs (the last half
decaying linearly to 0). Re-running the same command resumes. Translate with:
    python scripts/stylize.py --model runs/pix2pix_edges --input edges.png --output photo.png
"""

import os

from absl import flags

from tfstyle import cli
from tfstyle.models.pix2pix.train import Pix2PixRecipe, Pix2PixTrainConfig

_DATA_DIR = flags.DEFINE_string("data_dir", None, "Folder of side-by-side AB images.")
_A_DIR = flags.DEFINE_string("a_dir", None, "Folder of A images (names matching --b_dir).")
_B_DIR = flags.DEFINE_string("b_dir", None, "Folder of B images.")
_PAIRS_FROM = flags.DEFINE_enum(
    "pairs_from", None, ["edges", "gray", "blur"], "Derive A from the --content_dir photos."
)
_DIRECTION = flags.DEFINE_enum("direction", "AtoB", ["AtoB", "BtoA"], "Translate A to B or B to A.")
_NUM_DOWNS = flags.DEFINE_integer(
    "num_downs", 8, "U-Net downsamplings (8 for 256 px).", lower_bound=2
)
_FILTERS = flags.DEFINE_integer("filters", 64, "Generator width.", lower_bound=1)
_D_FILTERS = flags.DEFINE_integer(
    "discriminator_filters", 64, "Discriminator width.", lower_bound=1
)
_RECEPTIVE_FIELD = flags.DEFINE_enum(
    "receptive_field", "70", ["1", "16", "70", "286"], "PatchGAN patch size."
)
_L1_WEIGHT = flags.DEFINE_float("l1_weight", 100.0, "Weight of the L1 term.", lower_bound=0)
_COMMON = cli.TrainingFlags(
    batch_size=1,
    learning_rate=2e-4,
    epochs=200.0,
    vgg=None,
    dataset=None,
    dataset_help="Unused by pix2pix (pairs come from the flags above).",
)
_GAN = cli.GANFlags(gan_loss="bce")


def main(argv):
    source = _PAIRS_FROM.value or os.path.basename(
        os.path.normpath(_DATA_DIR.value or _A_DIR.value or "pairs")
    )
    config = Pix2PixTrainConfig(
        data_dir=_DATA_DIR.value,
        a_dir=_A_DIR.value,
        b_dir=_B_DIR.value,
        pairs_from=_PAIRS_FROM.value,
        direction=_DIRECTION.value,
        num_downs=_NUM_DOWNS.value,
        filters=_FILTERS.value,
        discriminator_filters=_D_FILTERS.value,
        receptive_field=int(_RECEPTIVE_FIELD.value),
        l1_weight=_L1_WEIGHT.value,
        **_COMMON.config(os.path.join("runs", f"pix2pix_{source}")),
        **_GAN.config(),
    )
    cli.train(Pix2PixRecipe(config))


if __name__ == "__main__":
    cli.run(main)
