r"""Train a DCGAN: images from noise (Radford, Metz & Chintala, ICLR 2016).

Examples:
    python scripts/train_dcgan.py                               # TFDS mnist
    python scripts/train_dcgan.py --dataset synthetic_digits    # offline, drawn digits
    python scripts/train_dcgan.py --data_dir faces/ --channels 3 --image_size 64

Defaults are the paper's: Adam 2e-4 (beta1 0.5), batch 128, z of 100, the original
GAN loss, batch norm, 32 x 32 images, 25 epochs. Re-running the same command resumes.
Draw images from the trained generator (any export format) with:
    python scripts/generate.py --model runs/dcgan_mnist --output digits.png
"""

import os

from absl import flags

from tfstyle import cli
from tfstyle.models.dcgan.train import DCGANRecipe, DCGANTrainConfig

_DATA_DIR = flags.DEFINE_string("data_dir", None, "Folder of training images.")
_LATENT = flags.DEFINE_integer("latent_dim", 100, "Size of the noise vector z.", lower_bound=1)
_CHANNELS = flags.DEFINE_enum("channels", "1", ["1", "3"], "Image channels.")
_FILTERS = flags.DEFINE_integer("filters", 64, "Generator width.", lower_bound=1)
_D_FILTERS = flags.DEFINE_integer(
    "discriminator_filters", 64, "Discriminator width.", lower_bound=1
)
_SPECTRAL = flags.DEFINE_bool("spectral_norm", False, "Spectral norm in the discriminator.")
_SYNTHETIC = flags.DEFINE_integer(
    "synthetic_count", 20_000, "Digits drawn for --dataset synthetic_digits.", lower_bound=10
)
_COMMON = cli.TrainingFlags(
    batch_size=128,
    learning_rate=2e-4,
    epochs=25.0,
    image_size=32,
    vgg=None,
    dataset="mnist",
    dataset_help="TFDS dataset of images (mnist), or synthetic_digits (offline).",
)
_GAN = cli.GANFlags(gan_loss="bce", decay_fraction=0.0)


def main(argv):
    name = os.path.basename(os.path.normpath(_DATA_DIR.value or _COMMON.dataset.value or "x"))
    config = DCGANTrainConfig(
        data_dir=_DATA_DIR.value,
        latent_dim=_LATENT.value,
        channels=int(_CHANNELS.value),
        filters=_FILTERS.value,
        discriminator_filters=_D_FILTERS.value,
        spectral_norm=_SPECTRAL.value,
        synthetic_count=_SYNTHETIC.value,
        **_COMMON.config(os.path.join("runs", f"dcgan_{name}")),
        **_GAN.config(),
    )
    cli.train(DCGANRecipe(config))


if __name__ == "__main__":
    cli.run(main)
