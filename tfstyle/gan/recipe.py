"""What every adversarial family's training recipe shares: settings, optimisers with
the linear-decay schedule, and the networks, optimisers and pools to checkpoint."""

import dataclasses

import keras
import numpy as np

from tfstyle.data import scan_folder, tfds_source
from tfstyle.errors import InvalidArgumentError
from tfstyle.losses.adversarial import check_gan_loss
from tfstyle.metrics.feature_networks import FEATURE_NETWORKS
from tfstyle.optimizers import Adam, LinearDecay
from tfstyle.training.recipe import Recipe, TrainConfig, sample_images

GAN_IDENTITY_KEYS = ("gan_loss", "beta_1", "beta_2", "decay_fraction")


@dataclasses.dataclass(kw_only=True)
class GANTrainConfig(TrainConfig):
    """Settings of the image-to-image GANs; defaults are pix2pix's and CycleGAN's
    (Adam 2e-4, beta1 0.5, batch 1, 200 epochs: the last half decays linearly to 0).

    `decay_fraction` is the share of the steps over which the learning rate decays to
    0 (0.5: the papers' 100 + 100 epochs; 0: constant).
    """

    dataset: str | None = None
    batch_size: int = 1
    epochs: float = 200.0
    learning_rate: float = 2e-4
    beta_1: float = 0.5
    beta_2: float = 0.999
    gan_loss: str = "lsgan"
    decay_fraction: float = 0.5
    # FID/KID every `eval_every` steps (0: never): generated against real images.
    eval_images: int = 64
    eval_features: str = "inception"
    eval_feature_weights: object = "imagenet"

    def validate(self):
        check_gan_loss(self.gan_loss)
        if not 0.0 <= self.decay_fraction <= 1.0:
            raise InvalidArgumentError(
                f"--decay_fraction must be in [0, 1], got {self.decay_fraction}"
            )
        if not (0.0 <= self.beta_1 < 1.0 and 0.0 <= self.beta_2 < 1.0):
            raise InvalidArgumentError("--beta_1 and --beta_2 must be in [0, 1)")
        if self.eval_features not in FEATURE_NETWORKS:
            raise InvalidArgumentError(
                f"--eval_features must be one of {', '.join(FEATURE_NETWORKS)}, "
                f"got '{self.eval_features}'"
            )
        if self.eval_every and self.eval_images < 2:
            raise InvalidArgumentError(f"--eval_images must be >= 2, got {self.eval_images}")
        super().validate()


class AdversarialRecipe(Recipe):
    """A recipe whose model is an `AdversarialModel`: one Adam per phase on the
    linear-decay schedule; checkpoints hold every network, every optimiser (with its
    step, hence the schedule position) and the model's extra state (image pools).

    Subclasses implement `make_model()`, `dataset()` and `inference_network()`
    (`release()` copies the model's `generator` into it; CycleGAN overrides it).
    """

    config_class = GANTrainConfig

    def make_model(self):
        raise NotImplementedError

    def learning_rate(self):
        c = self.config
        total = self.total_steps()
        constant = int(round(total * (1.0 - c.decay_fraction)))
        return (
            LinearDecay(c.learning_rate, total, constant) if c.decay_fraction else c.learning_rate
        )

    def make_optimizer(self):
        c = self.config
        optimizer = Adam(
            self.learning_rate(),
            beta_1=c.beta_1,
            beta_2=c.beta_2,
            weight_decay=getattr(c, "weight_decay", 0.0) or None,  # MUNIT's 1e-4
        )
        if keras.mixed_precision.global_policy().name == "mixed_float16":
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        return optimizer

    def build(self):
        model = self.make_model()
        model.build()
        model.compile({phase: self.make_optimizer() for phase in model.phase_variables()})
        if self.config.eval_every and self._eval is None:
            self._prepare_evaluation()  # a missing weights file fails now, not at step N
        return model

    # Evaluation: FID/KID of generated against real images -----------------------------

    _eval = None

    def eval_data(self, count):
        """(inputs, real): up to `count` generator inputs (images or noise) and real
        images of the target domain, both fixed for the run; None: no evaluation.

        The default serves the unpaired families (CycleGAN, CartoonGAN): centre crops of
        the first photos of `self.source` against those of the target domain
        `self.styles`."""
        if getattr(self, "styles", None) is None:
            return None
        size = self.config.image_size
        return sample_images(self.source, size, count), sample_images(self.styles, size, count)

    def _prepare_evaluation(self):
        from tfstyle.metrics import FeatureStatistics, make_feature_network

        c = self.config
        data = self.eval_data(c.eval_images)
        if data is None:
            self._eval = {}
            return
        features = make_feature_network(c.eval_features, c.eval_feature_weights)
        inputs, real = data
        stats = FeatureStatistics(keep=len(real)).update(features(_rgb(real)))
        self._eval = {"features": features, "inputs": inputs, "real": stats}

    def evaluate(self, model, step):
        """{"fid": ..., "kid": ...} of the generator's outputs for the fixed inputs
        against the real images (`eval_data`), on `config.eval_features`."""
        from tfstyle.metrics import FeatureStatistics, fid, kid

        if self._eval is None:
            self._prepare_evaluation()
        if not self._eval:
            return None
        inputs, real, features = self._eval["inputs"], self._eval["real"], self._eval["features"]
        fake = FeatureStatistics(keep=len(inputs))
        for i in range(0, len(inputs), EVAL_BATCH):
            out = model(inputs[i : i + EVAL_BATCH], training=False)
            fake.update(features(_rgb(np.clip(np.asarray(out, np.float32), 0.0, 1.0))))
        value, _ = kid(fake, real, subsets=KID_SUBSETS)
        return {"fid": fid(fake, real), "kid": value}

    def optimizers(self, model):
        return model.optimizer_items()

    def networks(self, model):
        return model.networks()

    def extra_state(self, model):
        return model.extra_state()

    def release(self, model):
        release = self.inference_network(self.run_config())
        release.set_weights(model.generator.get_weights())
        return {"generator": release}


@dataclasses.dataclass(kw_only=True)
class UnpairedTrainConfig(GANTrainConfig):
    """Two domains of images: `a_dir` and `b_dir`, or a TFDS `dataset` such as
    "cycle_gan/horse2zebra" (splits trainA and trainB). An epoch is max(|A|, |B|)
    images."""

    a_dir: str | None = None
    b_dir: str | None = None

    def validate(self):
        if bool(self.a_dir) != bool(self.b_dir):
            raise InvalidArgumentError("give both --a_dir and --b_dir (or a TFDS --dataset)")
        if not self.a_dir and not self.dataset:
            raise InvalidArgumentError(
                "give --a_dir and --b_dir, or --dataset cycle_gan/<name> (e.g. horse2zebra)"
            )
        super().validate()


class UnpairedRecipe(AdversarialRecipe):
    """A recipe translating between two unpaired domains (CycleGAN, MUNIT): reads the
    A and B images (`self.source`, `self.styles`), counts epochs over the larger, and
    gives the model B images for its sample grid (`model.sample_b`)."""

    config_class = UnpairedTrainConfig

    def prepare(self):
        c = self.config
        if c.a_dir:
            self.source, self.styles = scan_folder(c.a_dir, "a_dir"), scan_folder(c.b_dir, "b_dir")
        else:
            self.source = tfds_source(c.dataset, "trainA", notify=self.notify)
            self.styles = tfds_source(c.dataset, "trainB", notify=self.notify)

    def sources(self):
        return {"a_images": self.source, "b_images": self.styles}

    def total_steps(self):
        c = self.config
        if c.steps:
            return int(c.steps)
        size = max(self.source.size, self.styles.size)
        return max(1, int(np.ceil(c.epochs * size / c.batch_size)))

    def build(self):
        model = super().build()
        model.sample_b = sample_images(self.styles, self.config.image_size)
        return model


EVAL_BATCH = 8
KID_SUBSETS = 20  # of min(1000, n) images: enough for the few dozen images of a check


def _rgb(images):
    """Grayscale (one channel) images repeated to RGB for the feature networks."""
    images = np.asarray(images, np.float32)
    return np.repeat(images, 3, axis=-1) if images.shape[-1] == 1 else images
