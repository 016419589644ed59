"""The resumable training loop shared by every trained model."""

from tfstyle.training.loop import TrainState, train

__all__ = ["TrainState", "train"]
