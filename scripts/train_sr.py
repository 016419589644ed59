r"""Train a super-resolution network: Johnson et al.'s perceptual SR (ECCV 2016),
SRResNet or SRGAN (Ledig et al., CVPR 2017), x2, x4 or x8.

Examples:
    # Johnson et al.'s x4 network with the relu2_2 feature loss, on any photos.
    python scripts/train_sr.py --model johnson --scale 4 --hr_dir photos/
    # The same network with a per-pixel loss (the paper's comparison).
    python scripts/train_sr.py --model johnson --loss pixel --hr_dir photos/
    # SRResNet on MSE, then SRGAN started from it.
    python scripts/train_sr.py --model srresnet --hr_dir photos/ --output_dir runs/srresnet_x4
    python scripts/train_sr.py --model srgan --from runs/srresnet_x4 --hr_dir photos/
    # The phone-class x4 upscaler.
    python scripts/train_sr.py --model srresnet --preset lite --hr_dir photos/

Low-resolution inputs are derived from the HR photos on the fly (Johnson: Gaussian blur
sigma 1 then bicubic; SRResNet/SRGAN: bicubic), never stored. Defaults are each paper's
(patch, batch, learning rate, number of updates); re-running the same command resumes.
Upscale with:
    python scripts/stylize.py --model runs/srresnet_x4 --input small.jpg --output big.png
"""

import os

from absl import flags

from tfstyle import cli
from tfstyle.models.super_resolution.train import MODELS, SRTrainConfig, SuperResolutionRecipe

_MODEL = flags.DEFINE_enum("model", "srresnet", list(MODELS), "Which network and objective.")
_SCALE = flags.DEFINE_enum("scale", "4", ["2", "4", "8"], "Upscaling factor.")
_PRESET = flags.DEFINE_enum(
    "preset", "paper", ["paper", "lite"], "paper: the paper's network; lite: phone-class."
)
_LOSS = flags.DEFINE_enum(
    "loss", None, ["pixel", "perceptual"], "Content loss (default: the model's paper loss)."
)
_BLUR = flags.DEFINE_float(
    "blur_sigma",
    None,
    "Gaussian blur before downsampling (default: 1 for johnson, else 0).",
    lower_bound=0,
)
_CONTENT_LAYER = flags.DEFINE_string(
    "content_layer", None, "VGG layer of the feature loss (default relu2_2; SRGAN relu5_4)."
)
_TV_WEIGHT = flags.DEFINE_float("tv_weight", None, "Total variation weight.", lower_bound=0)
_ADV_WEIGHT = flags.DEFINE_float(
    "adversarial_weight", 1e-3, "SRGAN: weight of the adversarial term.", lower_bound=0
)
_D_FILTERS = flags.DEFINE_integer(
    "discriminator_filters", 64, "SRGAN: discriminator width.", lower_bound=1
)
_FROM = flags.DEFINE_string("from", None, "SRGAN: start from this SRResNet run's weights.")
_COMMON = cli.TrainingFlags(
    batch_size=None,
    learning_rate=None,
    epochs=None,
    image_size=None,
    dataset=None,
    dataset_help="TFDS dataset of HR photos (e.g. div2k) instead of --hr_dir.",
)
flags.DEFINE_alias("hr_dir", "content_dir")
_GAN = cli.GANFlags(gan_loss="bce", decay_fraction=0.0, beta_1=0.9)


def main(argv):
    model, scale = _MODEL.value, int(_SCALE.value)
    config = SRTrainConfig(
        model=model,
        scale=scale,
        preset=_PRESET.value,
        loss=_LOSS.value,
        blur_sigma=_BLUR.value,
        content_layer=_CONTENT_LAYER.value,
        tv_weight=_TV_WEIGHT.value,
        adversarial_weight=_ADV_WEIGHT.value,
        discriminator_filters=_D_FILTERS.value,
        from_run=_FROM.value,
        **_COMMON.config(os.path.join("runs", f"{model}_x{scale}")),
        **_GAN.config(),
    )
    cli.train(SuperResolutionRecipe(config))


if __name__ == "__main__":
    cli.run(main)
