r"""Train MUNIT: multimodal unpaired translation (Huang et al., ECCV 2018).

Examples:
    python scripts/train_munit.py --a_dir photos/ --b_dir paintings/
    python scripts/train_munit.py --dataset cycle_gan/summer2winter_yosemite
    # Offline, on the shared photos and paintings, smaller and shorter:
    python scripts/train_munit.py --a_dir ../shared/data/photos --b_dir ../shared/data/paintings \
        --image_size 128 --filters 32 --steps 5000 --output_dir runs/munit_photo2painting

Defaults are the authors' (configs/*.yaml): 256 px random crops of images resized to
256 on the shorter side, mirrored, batch 1; encoders and decoders 64 wide with 4
residual blocks, style codes of 8, a 256-wide MLP making each AdaIN block's own
parameters; 3-scale LSGAN discriminators; weights gan 1, image reconstruction 10,
style and content code reconstruction 1 each, explicit cycle 10, perceptual 0; Adam
1e-4 (betas 0.5, 0.999, weight decay 1e-4), halved every 100k steps, 1M steps.
Re-running the same command resumes. Translate with random or example styles:
    python scripts/stylize.py --model runs/munit --input x.jpg --output y.png \
        --direction a_to_b --style random --samples 4 --seed 0
    python scripts/stylize.py --model runs/munit --input x.jpg --output y.png --style ref.jpg
"""

import os

from absl import flags

from tfstyle import cli
from tfstyle.models.munit.train import MUNITRecipe, MUNITTrainConfig

_A_DIR = flags.DEFINE_string("a_dir", None, "Folder of domain A images.")
_B_DIR = flags.DEFINE_string("b_dir", None, "Folder of domain B images.")
_FILTERS = flags.DEFINE_integer("filters", 64, "Encoder/decoder width.", lower_bound=1)
_BLOCKS = flags.DEFINE_integer(
    "num_blocks", 4, "Residual blocks of the content encoder and decoder.", lower_bound=1
)
_STYLE_DIM = flags.DEFINE_integer("style_dim", 8, "Style code length.", lower_bound=1)
_MLP_DIM = flags.DEFINE_integer("mlp_dim", 256, "Width of the AdaIN MLP.", lower_bound=1)
_D_FILTERS = flags.DEFINE_integer(
    "discriminator_filters", 64, "Discriminator width.", lower_bound=1
)
_D_SCALES = flags.DEFINE_integer("discriminator_scales", 3, "Discriminator scales.", lower_bound=1)
_D_LAYERS = flags.DEFINE_integer(
    "discriminator_layers", 4, "Stride-2 convs per discriminator scale.", lower_bound=1
)
_GAN_W = flags.DEFINE_float("gan_weight", 1.0, "Adversarial weight.", lower_bound=0)
_RECON_W = flags.DEFINE_float(
    "reconstruction_weight", 10.0, "Image reconstruction weight.", lower_bound=0
)
_STYLE_W = flags.DEFINE_float("style_weight", 1.0, "Style code reconstruction.", lower_bound=0)
_CONTENT_W = flags.DEFINE_float(
    "content_weight", 1.0, "Content code reconstruction.", lower_bound=0
)
_CYCLE_W = flags.DEFINE_float(
    "cycle_weight", 10.0, "Explicit cycle-reconstruction weight (0: off).", lower_bound=0
)
_PERCEPTUAL_W = flags.DEFINE_float(
    "perceptual_weight",
    0.0,
    "Perceptual loss on instance-normalised VGG relu5_3 features (the authors use 1 "
    "for larger images; needs --vgg_weights).",
    lower_bound=0,
)
_LR_STEP = flags.DEFINE_integer(
    "lr_step", 100_000, "Steps between learning-rate halvings.", lower_bound=1
)
_WEIGHT_DECAY = flags.DEFINE_float("weight_decay", 1e-4, "Adam weight decay.", lower_bound=0)
_COMMON = cli.TrainingFlags(
    batch_size=1,
    learning_rate=1e-4,
    epochs=None,
    dataset=None,
    dataset_help="TFDS cycle_gan/<name> instead of --a_dir/--b_dir.",
)
_GAN = cli.GANFlags(gan_loss="lsgan", decay_fraction=None)


def main(argv):
    name = (_COMMON.dataset.value or "munit").replace("/", "_")
    config = MUNITTrainConfig(
        a_dir=_A_DIR.value,
        b_dir=_B_DIR.value,
        filters=_FILTERS.value,
        num_blocks=_BLOCKS.value,
        style_dim=_STYLE_DIM.value,
        mlp_dim=_MLP_DIM.value,
        discriminator_filters=_D_FILTERS.value,
        discriminator_scales=_D_SCALES.value,
        discriminator_layers=_D_LAYERS.value,
        gan_weight=_GAN_W.value,
        reconstruction_weight=_RECON_W.value,
        style_weight=_STYLE_W.value,
        content_weight=_CONTENT_W.value,
        cycle_weight=_CYCLE_W.value,
        perceptual_weight=_PERCEPTUAL_W.value,
        lr_step=_LR_STEP.value,
        weight_decay=_WEIGHT_DECAY.value,
        **_COMMON.config(os.path.join("runs", name)),
        **_GAN.config(),
    )
    cli.train(MUNITRecipe(config))


if __name__ == "__main__":
    cli.run(main)
