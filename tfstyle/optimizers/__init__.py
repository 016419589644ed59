"""Optimisers that Keras does not ship, or ships slower, and the rate schedules."""

from tfstyle.optimizers.adam import Adam
from tfstyle.optimizers.lbfgs import lbfgs_minimize
from tfstyle.optimizers.schedules import LinearDecay, final_drop

__all__ = ["Adam", "LinearDecay", "final_drop", "lbfgs_minimize"]
