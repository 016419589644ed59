"""Input pipelines: content photos (a folder or TensorFlow Datasets), image pairs and
two unpaired domains."""

from tfstyle.data.content import ContentSource, content_dataset, scan_folder, tfds_source
from tfstyle.data.paired import (
    PairedSource,
    ab_folder_source,
    derived_source,
    matched_folders_source,
    paired_dataset,
    unpaired_dataset,
)

__all__ = [
    "ContentSource",
    "PairedSource",
    "ab_folder_source",
    "content_dataset",
    "derived_source",
    "matched_folders_source",
    "paired_dataset",
    "scan_folder",
    "tfds_source",
    "unpaired_dataset",
]
