"""Optimisers that Keras does not ship."""

from tfstyle.optimizers.lbfgs import lbfgs_minimize

__all__ = ["lbfgs_minimize"]
