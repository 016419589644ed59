"""Optimisers that Keras does not ship, or ships slower."""

from tfstyle.optimizers.adam import Adam
from tfstyle.optimizers.lbfgs import lbfgs_minimize
from tfstyle.optimizers.schedules import final_drop

__all__ = ["Adam", "final_drop", "lbfgs_minimize"]
