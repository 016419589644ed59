"""The rate schedules: the final drop (Johnson, CIN, SRGAN) and the linear decay (GANs)."""

import keras
import numpy as np

from tfstyle.optimizers import LinearDecay, final_drop


def test_final_drop_takes_the_last_fraction_of_the_updates_at_a_tenth():
    rates = final_drop(1e-3, 8, 0.25)
    np.testing.assert_allclose([float(rates(i)) for i in range(8)], [1e-3] * 6 + [1e-4] * 2)
    assert final_drop(1e-3, 8, 0.0) == 1e-3
    # A schedule even with no step left to drop: the optimiser's checkpoint layout
    # (no rate variable) stays that of the run's longer resumes.
    rates = final_drop(1e-3, 2, 0.25)
    assert not isinstance(rates, float)
    np.testing.assert_allclose(float(rates(1)), 1e-3)


def test_linear_decay_boundaries_and_config():
    schedule = LinearDecay(2e-4, total_steps=100, constant_steps=50)
    values = {s: float(schedule(s)) for s in (0, 49, 50, 75, 99, 100, 150)}
    assert values[0] == values[49] == values[50] == np.float32(2e-4)
    np.testing.assert_allclose(values[75], 1e-4, rtol=1e-6)
    np.testing.assert_allclose(values[99], 4e-6, rtol=1e-4)  # 1/50 of the rate
    assert values[100] == 0.0 and values[150] == 0.0
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(schedule))
    assert again.get_config() == schedule.get_config()
    constant = LinearDecay(1.0, total_steps=10, constant_steps=10)
    assert float(constant(9)) == 1.0 and float(constant(10)) == 0.0
