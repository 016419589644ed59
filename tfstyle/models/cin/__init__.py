"""Conditional instance norm: N styles in one network (Dumoulin et al., ICLR 2017)."""

from tfstyle.models.cin.conditional_style_transfer import ConditionalStyleTransfer

__all__ = ["ConditionalStyleTransfer"]
