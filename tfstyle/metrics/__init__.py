"""Image quality metrics: PSNR and SSIM by the super-resolution protocol, a VGG
feature distance."""

from tfstyle.metrics.image_quality import FeatureDistance, luma, psnr, shave, sr_metrics, ssim

__all__ = ["FeatureDistance", "luma", "psnr", "shave", "sr_metrics", "ssim"]
