"""Training: the recipe contract and registry, one driver, tf.distribute, the loop."""

from tfstyle.training.loop import TrainState, train
from tfstyle.training.recipe import (
    RECIPES,
    Recipe,
    TrainConfig,
    get_recipe,
    register_recipe,
)

__all__ = [
    "RECIPES",
    "Recipe",
    "TrainConfig",
    "TrainState",
    "get_recipe",
    "register_recipe",
    "train",
]
