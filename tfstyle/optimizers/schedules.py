"""Learning-rate schedules: a final drop (Johnson, CIN, SRGAN) and a linear decay to 0
(pix2pix, CycleGAN and the other adversarial families)."""

import keras
from keras import ops


def final_drop(learning_rate, total_steps, fraction, factor=0.1):
    """`learning_rate`, then `factor` times it for the last `fraction` of `total_steps`;
    `fraction` 0 gives the float itself. The optimiser's step counter is checkpointed,
    so a resumed run continues at the same point; a resume with more steps moves the
    drop. Any `fraction` > 0 gives a schedule, even where no step is left to drop: a
    Keras optimiser's checkpoint has a rate variable only for a constant rate, so a run
    cannot switch between the two on a resume.

    SRGAN's two stages are fraction 0.5 (1e-4, then 1e-5); Johnson's
    `--lr_drop_fraction` (README "A rate drop for the last quarter").

    Example:
        >>> optimizer = Adam(final_drop(1e-3, 40_000, 0.25))  # 1e-4 from step 30,000
    """
    if fraction <= 0:
        return learning_rate
    drop = int(round(total_steps * (1.0 - fraction)))
    # The schedule sees the number of updates made so far: update `drop` is the first
    # of the last `total_steps - drop` at the lower rate.
    return keras.optimizers.schedules.PiecewiseConstantDecay(
        [drop - 1], [learning_rate, learning_rate * factor]
    )


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
