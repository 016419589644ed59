r"""Train CycleGAN: unpaired translation between two domains (Zhu et al., ICCV 2017).

Examples:
    python scripts/train_cyclegan.py --a_dir photos/ --b_dir paintings/
    python scripts/train_cyclegan.py --dataset cycle_gan/horse2zebra
    # The paper's 128 px setting (6 residual blocks), shorter:
    python scripts/train_cyclegan.py --a_dir photos/ --b_dir paintings/ \
        --image_size 128 --generator_blocks 6 --epochs 50

Defaults are the paper's: ResNet generators (9 blocks), 70 x 70 PatchGANs, LSGAN,
cycle weight 10, identity 0.5, pools of 50 fakes, Adam 2e-4 (beta1 0.5), batch 1,
286 -> 256 random crops and mirroring, 200 epochs (the last half decaying linearly to
0). Re-running the same command resumes (pools and schedule included). Translate with:
    python scripts/stylize.py --model runs/cyclegan --direction b_to_a --input x --output y
"""

import os

from absl import flags

from tfstyle import cli
from tfstyle.models.cyclegan.train import CycleGANRecipe, CycleGANTrainConfig

_A_DIR = flags.DEFINE_string("a_dir", None, "Folder of domain A images.")
_B_DIR = flags.DEFINE_string("b_dir", None, "Folder of domain B images.")
_BLOCKS = flags.DEFINE_integer(
    "generator_blocks", 9, "Residual blocks (9 for 256 px, 6 for 128 px).", lower_bound=0
)
_FILTERS = flags.DEFINE_integer("filters", 64, "Generator width.", lower_bound=1)
_D_FILTERS = flags.DEFINE_integer(
    "discriminator_filters", 64, "Discriminator width.", lower_bound=1
)
_RECEPTIVE_FIELD = flags.DEFINE_enum(
    "receptive_field", "70", ["1", "16", "70", "286"], "PatchGAN patch size."
)
_UPSAMPLING = flags.DEFINE_enum(
    "upsampling", "transpose", ["transpose", "resize_conv"], "Generator upsampling."
)
_CYCLE = flags.DEFINE_float("cycle_weight", 10.0, "Cycle-consistency weight.", lower_bound=0)
_IDENTITY = flags.DEFINE_float(
    "identity_weight", 0.5, "Identity weight, as a fraction of --cycle_weight.", lower_bound=0
)
_POOL = flags.DEFINE_integer("pool_size", 50, "Past fakes per pool (0: none).", lower_bound=0)
_COMMON = cli.TrainingFlags(
    batch_size=1,
    learning_rate=2e-4,
    epochs=200.0,
    vgg=None,
    dataset=None,
    dataset_help="TFDS cycle_gan/<name> (e.g. cycle_gan/horse2zebra) instead of --a_dir/--b_dir.",
)
_GAN = cli.GANFlags(gan_loss="lsgan")


def main(argv):
    name = (_COMMON.dataset.value or "cyclegan").replace("/", "_")
    config = CycleGANTrainConfig(
        a_dir=_A_DIR.value,
        b_dir=_B_DIR.value,
        generator_blocks=_BLOCKS.value,
        filters=_FILTERS.value,
        discriminator_filters=_D_FILTERS.value,
        receptive_field=int(_RECEPTIVE_FIELD.value),
        upsampling=_UPSAMPLING.value,
        cycle_weight=_CYCLE.value,
        identity_weight=_IDENTITY.value,
        pool_size=_POOL.value,
        **_COMMON.config(os.path.join("runs", name)),
        **_GAN.config(),
    )
    cli.train(CycleGANRecipe(config))


if __name__ == "__main__":
    cli.run(main)
