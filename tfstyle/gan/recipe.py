"""What every adversarial family's training recipe shares: settings, optimisers with
the linear-decay schedule, and the networks, optimisers and pools to checkpoint."""

import dataclasses

import keras

from tfstyle.errors import InvalidArgumentError
from tfstyle.gan.schedules import LinearDecay
from tfstyle.losses.adversarial import check_gan_loss
from tfstyle.training.recipe import Recipe, TrainConfig

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

    def validate(self):
        check_gan_loss(self.gan_loss)
        if not 0.0 <= self.decay_fraction <= 1.0:
            raise InvalidArgumentError(
                f"--decay_fraction must be in [0, 1], got {self.decay_fraction}"
            )
        if not (0.0 <= self.beta_1 < 1.0 and 0.0 <= self.beta_2 < 1.0):
            raise InvalidArgumentError("--beta_1 and --beta_2 must be in [0, 1)")
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
        optimizer = keras.optimizers.Adam(self.learning_rate(), beta_1=c.beta_1, beta_2=c.beta_2)
        if keras.mixed_precision.global_policy().name == "mixed_float16":
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        return optimizer

    def build(self):
        model = self.make_model()
        model.build()
        model.compile({phase: self.make_optimizer() for phase in model.phase_variables()})
        return model

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
