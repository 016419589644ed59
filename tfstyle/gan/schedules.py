"""Learning-rate schedules of the adversarial families."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tfstyle")
class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Constant for `constant_steps`, then linear to 0 at `total_steps` (CycleGAN and
    pix2pix: 100 epochs at 2e-4, then 100 epochs decaying to 0).

    The optimiser's step counter is checkpointed with it, so a resumed run continues at
    the same point of the schedule.

    Args:
        initial_learning_rate: the constant rate.
        total_steps: the step at which the rate reaches 0.
        constant_steps: steps before the decay starts.

    Example:
        >>> optimizer = keras.optimizers.Adam(LinearDecay(2e-4, 200_000, 100_000), beta_1=0.5)
    """

    def __init__(self, initial_learning_rate, total_steps, constant_steps):
        self.initial_learning_rate = float(initial_learning_rate)
        self.total_steps = int(total_steps)
        self.constant_steps = int(min(constant_steps, total_steps))

    def __call__(self, step):
        step = ops.cast(step, "float32")
        span = float(max(self.total_steps - self.constant_steps, 1))
        fraction = ops.clip((self.total_steps - step) / span, 0.0, 1.0)
        return self.initial_learning_rate * fraction

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "total_steps": self.total_steps,
            "constant_steps": self.constant_steps,
        }
