"""The super-resolution training recipe (behind train_sr.py): Johnson et al.'s perceptual
SR, SRResNet and SRGAN, on HR photos whose LR inputs are derived on the fly."""

import dataclasses
import os

from tfstyle.data.super_resolution import degrade, sr_dataset
from tfstyle.errors import InvalidArgumentError
from tfstyle.gan import GAN_IDENTITY_KEYS, AdversarialRecipe, GANTrainConfig
from tfstyle.models.super_resolution.networks import (
    PRESETS,
    SRGANDiscriminator,
    check_scale,
    make_upscaler,
)
from tfstyle.models.super_resolution.super_resolution import (
    LOSSES,
    SRGAN,
    SRGAN_FEATURE_SCALE,
    SuperResolution,
)
from tfstyle.optimizers import final_drop
from tfstyle.training.recipe import register_recipe, sample_images
from tfstyle.training.run_config import read_run_config

MODELS = ("johnson", "srresnet", "srgan")
ARCHITECTURE = {"johnson": "johnson", "srresnet": "srresnet", "srgan": "srresnet"}
# The papers' settings, filling every setting left at None.
# Johnson et al. (ECCV 2016, Section 4.2): 288 px patches of COCO blurred with a Gaussian
# (sigma 1.0) and bicubically downsampled, batch 4, Adam 1e-3, 200k iterations,
# relu2_2 feature loss plus total variation (their lambda_TV, 1e-6 on 0..255 images, in
# tfstyle's units as for style transfer: 1.3e4).
# Ledig et al. (CVPR 2017, Section 3.2): 96 px HR patches, bicubic x4 (no blur), batch
# 16, Adam (beta1 0.9) 1e-4; SRResNet 10^6 updates on MSE; SRGAN from SRResNet, 10^5
# updates at 1e-4 then 10^5 at 1e-5, VGG54 loss / 12.75 + 1e-3 adversarial.
MODEL_DEFAULTS = {
    "johnson": {
        "image_size": 288,
        "batch_size": 4,
        "learning_rate": 1e-3,
        "steps": 200_000,
        "loss": "perceptual",
        "blur_sigma": 1.0,
        "content_layer": "relu2_2",
        "feature_scale": 1.0,
        "tv_weight": 1.3e4,
    },
    "srresnet": {
        "image_size": 96,
        "batch_size": 16,
        "learning_rate": 1e-4,
        "steps": 1_000_000,
        "loss": "pixel",
        "blur_sigma": 0.0,
        "content_layer": "relu2_2",
        "feature_scale": 1.0,
        "tv_weight": 0.0,
    },
    "srgan": {
        "image_size": 96,
        "batch_size": 16,
        "learning_rate": 1e-4,
        "steps": 200_000,
        "loss": "perceptual",
        "blur_sigma": 0.0,
        "content_layer": "relu5_4",
        "feature_scale": SRGAN_FEATURE_SCALE,
        "tv_weight": 0.0,
    },
}
IDENTITY_KEYS = GAN_IDENTITY_KEYS + (
    "model",
    "scale",
    "preset",
    "loss",
    "blur_sigma",
    "content_layer",
    "feature_scale",
    "content_weight",
    "tv_weight",
    "adversarial_weight",
    "discriminator_filters",
    "from_run",
    "vgg",
    "vgg_weights",
)


@dataclasses.dataclass(kw_only=True)
class SRTrainConfig(GANTrainConfig):
    """Settings of train_sr.py; None takes the `model`'s paper default (MODEL_DEFAULTS).

    HR photos come from `content_dir` (train_sr.py's --hr_dir) or the TFDS `dataset`
    (e.g. div2k, whose "hr" images are used); LR inputs are derived, never stored.
    """

    model: str = "srresnet"
    scale: int = 4
    preset: str = "paper"
    dataset: str | None = None
    image_size: int | None = None
    batch_size: int | None = None
    learning_rate: float | None = None
    epochs: float | None = None
    beta_1: float = 0.9
    decay_fraction: float = 0.0
    gan_loss: str = "bce"
    loss: str | None = None
    blur_sigma: float | None = None
    content_layer: str | None = None
    feature_scale: float | None = None
    content_weight: float = 1.0
    tv_weight: float | None = None
    adversarial_weight: float = 1e-3
    discriminator_filters: int = 64
    from_run: str | None = None

    def validate(self):
        if self.model not in MODELS:
            raise InvalidArgumentError(
                f"--model must be one of {', '.join(MODELS)}, got '{self.model}'"
            )
        self.scale = check_scale(self.scale)
        defaults = MODEL_DEFAULTS[self.model]
        for key, value in defaults.items():
            if key != "steps" and getattr(self, key) is None:
                setattr(self, key, value)
        if self.steps is None and self.epochs is None:
            self.steps = defaults["steps"]
        if self.loss not in LOSSES:
            raise InvalidArgumentError(f"--loss must be one of {', '.join(LOSSES)}")
        if self.model == "srgan" and self.loss != "perceptual":
            raise InvalidArgumentError("SRGAN trains with the perceptual (VGG) content loss")
        architecture = ARCHITECTURE[self.model]
        if self.preset not in PRESETS[architecture]:
            raise InvalidArgumentError(
                f"--preset must be one of {', '.join(PRESETS[architecture])}, got '{self.preset}'"
            )
        if self.image_size % self.scale:
            raise InvalidArgumentError(
                f"--image_size ({self.image_size}) must be a multiple of --scale ({self.scale})"
            )
        if self.blur_sigma < 0:
            raise InvalidArgumentError("--blur_sigma must be >= 0")
        if self.from_run and self.model != "srgan":
            raise InvalidArgumentError(
                "--from starts SRGAN from an SRResNet run; use it with --model srgan"
            )
        super().validate()


def _network_settings(config):
    return ARCHITECTURE[config["model"]], config["scale"], config.get("preset", "paper")


@register_recipe("super_resolution")
class SuperResolutionRecipe(AdversarialRecipe):
    """HR photos; the release is the upscaler (float32). SRGAN adds its discriminator
    and, with `from_run`, starts from an SRResNet run's released weights."""

    config_class = SRTrainConfig
    identity_keys = IDENTITY_KEYS

    def prepare(self):
        if not (self.config.content_dir or self.config.dataset):
            raise InvalidArgumentError("give --hr_dir DIR (any photos) or --dataset div2k")
        super().prepare()
        self.from_weights = self._check_from_run() if self.config.from_run else None
        # HR centre crops of the first photos: the sample targets and, degraded, inputs.
        self.sample_hr = sample_images(self.source, self.config.image_size, native_resolution=True)

    def _check_from_run(self):
        c = self.config
        run = c.from_run
        weights = os.path.join(run, "generator.weights.h5")
        previous = read_run_config(run)
        if previous.get("family") != "super_resolution" or previous.get("model") != "srresnet":
            raise InvalidArgumentError(
                f"--from '{run}' is not an SRResNet run (family {previous.get('family')}, "
                f"model {previous.get('model')})"
            )
        for key in ("scale", "preset"):
            if previous.get(key) != getattr(c, key):
                raise InvalidArgumentError(
                    f"--from '{run}' has {key} {previous.get(key)}, this run {getattr(c, key)}"
                )
        if not os.path.exists(weights):
            raise InvalidArgumentError(
                f"--from '{run}' has no generator.weights.h5 (not finished?)"
            )
        return weights

    def record(self):
        return {"from_weights": os.path.abspath(self.from_weights) if self.from_weights else None}

    def start_info(self):
        return {"scale": self.config.scale, "model": self.config.model}

    def learning_rate(self):
        c = self.config
        if c.model == "srgan" and not c.decay_fraction:
            # The paper's two stages: 1e-4, then 1e-5 for the second half of the updates.
            return final_drop(c.learning_rate, self.total_steps(), 0.5)
        return super().learning_rate()

    def make_model(self):
        c = self.config
        generator = make_upscaler(ARCHITECTURE[c.model], c.scale, c.preset)
        common = {
            "content_weight": c.content_weight,
            "tv_weight": c.tv_weight,
            "architecture": c.vgg,
            "vgg_weights": c.vgg_weights,
            "content_layer": c.content_layer,
            "feature_scale": c.feature_scale,
        }
        if c.model != "srgan":
            return SuperResolution(generator, loss=c.loss, **common)
        return SRGAN(
            generator,
            SRGANDiscriminator(c.discriminator_filters, name="discriminator"),
            image_size=c.image_size,
            gan_loss=c.gan_loss,
            adversarial_weight=c.adversarial_weight,
            loss=c.loss,
            **common,
        )

    def build(self):
        model = super().build()
        if self.from_weights:
            # A resume restores its checkpoint over these afterwards.
            model.generator.load_weights(self.from_weights)
        model.sample_targets = self.sample_hr
        return model

    def sample_images(self):
        c = self.config
        return degrade(self.sample_hr, c.scale, c.blur_sigma).numpy()

    def dataset(self, start_step):
        c = self.config
        return sr_dataset(
            self.source, c.image_size, c.scale, c.batch_size, c.seed, start_step, c.blur_sigma
        )

    @classmethod
    def inference_network(cls, run_config):
        architecture, scale, preset = _network_settings(run_config)
        network = make_upscaler(architecture, scale, preset)
        network.build((None, None, None, 3))
        return network
