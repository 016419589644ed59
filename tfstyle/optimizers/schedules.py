"""Learning-rate schedules shared by the trainers with a constant rate."""

import keras


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
