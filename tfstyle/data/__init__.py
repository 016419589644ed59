"""Input pipelines: content photos from a folder or from TensorFlow Datasets."""

from tfstyle.data.content import ContentSource, content_dataset, scan_folder, tfds_source

__all__ = ["ContentSource", "content_dataset", "scan_folder", "tfds_source"]
