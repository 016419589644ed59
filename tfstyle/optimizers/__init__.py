"""Optimisers that Keras does not ship, or ships slower."""

from tfstyle.optimizers.adam import Adam
from tfstyle.optimizers.lbfgs import lbfgs_minimize

__all__ = ["Adam", "lbfgs_minimize"]
