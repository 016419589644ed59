"""The base of every model with several networks and several optimisers (GANs)."""

import keras

from tfstyle.training.distribute import minimize


class AdversarialModel(keras.Model):
    """Several networks and optimisers trained by one readable `train_step`.

    The shape of keras-io's GAN examples: a subclass holds its networks as attributes,
    lists its logged terms in `loss_names` (a `keras.metrics.Mean` each, the model's
    `metrics`), is compiled with one optimiser per phase, and writes `train_step` as a
    tape per phase (the discriminators' step, then the generators'), each applied with
    `self.update(phase, tape, loss, variables)`. That call scales the loss per replica
    and for float16 loss scaling (Keras does it only in its own train step), so the
    same step runs on one device, several, or several machines.

    Subclasses implement `build()` (every network built, so optimisers and checkpoints
    see their variables), `networks()` and `phase_variables()` (defaults: one
    `generator` and one `discriminator` attribute), and optionally
    `extra_state()` (image pools) and `render_samples(images)`.
    """

    loss_names = ()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.loss_names}
        self.phase_optimizers = {}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def compile(self, optimizers):
        """`optimizers`: {phase name: optimizer}, the phases of `phase_variables()`."""
        super().compile()
        missing = set(self.phase_variables()) - set(optimizers)
        if missing:
            raise ValueError(f"no optimizer for the phases {sorted(missing)}")
        self.phase_optimizers = dict(optimizers)

    def networks(self):
        """{name: network} checkpointed (and released, for the generators). Default:
        the one `generator` and one `discriminator` of most GANs."""
        return {"generator": self.generator, "discriminator": self.discriminator}

    def phase_variables(self):
        """{phase name: trainable variables that phase's optimiser updates}. Default:
        the discriminator's phase and the generator's."""
        return {
            "discriminator": self.discriminator.trainable_variables,
            "generator": self.generator.trainable_variables,
        }

    def extra_state(self):
        """{name: trackable} checkpointed beyond networks and optimisers."""
        return {}

    def optimizer_items(self):
        """{"<phase>_optimizer": (optimizer, variables)}: what the training loop builds
        and checkpoints (the suffix keeps the names apart from the networks')."""
        variables = self.phase_variables()
        return {
            f"{name}_optimizer": (self.phase_optimizers[name], variables[name])
            for name in variables
        }

    def update(self, phase, tape, loss, variables=None):
        """One optimiser step of `phase` from `loss` recorded on `tape`."""
        optimizer = self.phase_optimizers[phase]
        minimize(optimizer, tape, loss, variables or self.phase_variables()[phase])

    def log(self, terms):
        """Updates the trackers of `terms` ({name: scalar}); returns every result."""
        for name, value in terms.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}
