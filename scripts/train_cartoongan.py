r"""Train CartoonGAN: photos to cartoons from unpaired photos and cartoon images (Chen,
Lai & Liu, CVPR 2018).

Examples:
    # Photos and frames of one cartoon film (the paper uses ~4,000 frames per artist).
    python scripts/train_cartoongan.py --photo_dir photos/ --cartoon_dir hayao_frames/
    # Phone-sized network, short initialisation.
    python scripts/train_cartoongan.py --photo_dir photos/ --cartoon_dir frames/ \
        --preset lite --init_epochs 2

The edge-smoothed cartoons (Canny edges, dilated, blurred inside the edges) are computed
once into <output_dir>/smoothed_cartoons and reused on resume. Training starts with the
initialisation stage (content loss only, --init_epochs), then the adversarial stage
(--epochs). Re-running the same command resumes inside either stage. Cartoonise with:
    python scripts/stylize.py --model runs/cartoongan_frames --input photo.jpg --output cartoon.png
"""

import os

from absl import flags

from tfstyle import cli
from tfstyle.models.cartoongan.train import PRESETS, CartoonGANRecipe, CartoonGANTrainConfig

_CARTOON_DIR = flags.DEFINE_string("cartoon_dir", None, "Folder of cartoon images (frames).")
_PRESET = flags.DEFINE_enum(
    "preset", "paper", list(PRESETS), "paper: 64 filters, 8 blocks; lite: 32 filters, 4 blocks."
)
_FILTERS = flags.DEFINE_integer("filters", None, "Generator width (default: the preset's).")
_BLOCKS = flags.DEFINE_integer("generator_blocks", None, "Residual blocks (default: preset's).")
_D_FILTERS = flags.DEFINE_integer("discriminator_filters", None, "Discriminator width.")
_CONTENT_WEIGHT = flags.DEFINE_float(
    "content_weight", 10.0, "omega: weight of the VGG conv4_4 content loss.", lower_bound=0
)
_INIT_EPOCHS = flags.DEFINE_float(
    "init_epochs", 10.0, "Epochs of the initialisation stage (content loss only).", lower_bound=0
)
_INIT_STEPS = flags.DEFINE_integer(
    "init_steps",
    None,
    "Steps of the initialisation stage (overrides --init_epochs).",
    lower_bound=0,
)
_COMMON = cli.TrainingFlags(
    batch_size=8,
    learning_rate=2e-4,
    epochs=100.0,
    dataset=None,
    dataset_help="TFDS dataset of photos (instead of --photo_dir).",
)
flags.DEFINE_alias("photo_dir", "content_dir")
_GAN = cli.GANFlags(gan_loss="bce", decay_fraction=0.0)


def main(argv):
    name = os.path.basename(os.path.normpath(_CARTOON_DIR.value or "cartoons"))
    config = CartoonGANTrainConfig(
        cartoon_dir=_CARTOON_DIR.value,
        preset=_PRESET.value,
        filters=_FILTERS.value,
        generator_blocks=_BLOCKS.value,
        discriminator_filters=_D_FILTERS.value,
        content_weight=_CONTENT_WEIGHT.value,
        init_epochs=_INIT_EPOCHS.value,
        init_steps=_INIT_STEPS.value,
        **_COMMON.config(os.path.join("runs", f"cartoongan_{name}")),
        **_GAN.config(),
    )
    cli.train(CartoonGANRecipe(config))


if __name__ == "__main__":
    cli.run(main)
