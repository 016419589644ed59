"""tfstyle: neural style transfer and image-to-image translation for Keras 3.

Folders: `backbones/` (the frozen VGG), `losses/`, `layers/`, `models/<family>/`,
`io/` (images in and out), `ops/` (image operations), `assets/` (bundled images).
"""

__version__ = "0.1.0"
