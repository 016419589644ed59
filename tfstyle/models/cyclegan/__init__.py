"""CycleGAN (Zhu et al., ICCV 2017): unpaired translation between two image domains."""

from tfstyle.models.cyclegan.cyclegan import CycleGAN, CycleGANTranslator

__all__ = ["CycleGAN", "CycleGANTranslator"]
