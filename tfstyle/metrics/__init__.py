"""Image quality metrics: PSNR and SSIM by the super-resolution protocol, a VGG
feature distance, the style/content yardstick, the blob area of stylised images, set
distances (FID, KID) on a pluggable feature network, and the warping error of videos
(defined in `tfstyle.video`)."""

from tfstyle.metrics.artifacts import blob_area
from tfstyle.metrics.distribution import FeatureStatistics, fid, frechet_distance, kid
from tfstyle.metrics.feature_networks import (
    FEATURE_NETWORKS,
    InceptionFeatures,
    VGGPooledFeatures,
    make_feature_network,
)
from tfstyle.metrics.image_quality import FeatureDistance, luma, psnr, shave, sr_metrics, ssim
from tfstyle.metrics.style_distance import StyleContentDistance
from tfstyle.video.temporal import WarpingError

__all__ = [
    "FEATURE_NETWORKS",
    "FeatureDistance",
    "FeatureStatistics",
    "InceptionFeatures",
    "StyleContentDistance",
    "VGGPooledFeatures",
    "WarpingError",
    "blob_area",
    "fid",
    "frechet_distance",
    "kid",
    "luma",
    "make_feature_network",
    "psnr",
    "shave",
    "sr_metrics",
    "ssim",
]
