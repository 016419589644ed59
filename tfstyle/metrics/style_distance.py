"""Style and content distance on a fixed VGG16: the yardstick of the quality benchmark
and of `scripts/evaluate.py`, independent of every model's own training loss.

style = the sum over relu1_2, relu2_2, relu3_3 and relu4_3 of the mean squared
difference of Gram matrices normalised by C*H*W (Johnson's); content = the mean squared
difference of relu3_3 activations. Use the ImageNet VGG16 conv weights
(`make_vgg_imagenet.py`) for numbers that mean something.
"""

import numpy as np

STYLE_LAYERS = ("block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3")
CONTENT_LAYER = "block3_conv3"


class StyleContentDistance:
    """Style and content distance of an image to a (photo, painting) pair on VGG16.

    Args:
        vgg16_weights: VGG16 weights (the ImageNet file for meaningful numbers; None:
            random, for tests).
    """

    def __init__(self, vgg16_weights):
        from tfstyle.backbones import VGGFeatures

        self.vgg = VGGFeatures(list(STYLE_LAYERS) + [CONTENT_LAYER], "vgg16", weights=vgg16_weights)

    def targets(self, content, style):
        """The photo's content features and the painting's Grams, computed once a pair."""
        from tfstyle.losses import gram_matrix

        photo = self.vgg(np.asarray(content, np.float32)[None])
        painting = self.vgg(np.asarray(style, np.float32)[None])
        return {
            "content": photo[CONTENT_LAYER],
            "grams": {n: gram_matrix(painting[n])[0] for n in STYLE_LAYERS},
        }

    def __call__(self, image, content=None, style=None, targets=None):
        """{"style_loss": ..., "content_loss": ...} of `image` (H, W, 3) in [0, 1],
        against `targets` (from `targets()`) or the (content, style) pair."""
        from tfstyle.losses import content_loss, style_layer_loss

        targets = targets or self.targets(content, style)
        feats = self.vgg(np.asarray(image, np.float32)[None])
        style_value = sum(
            float(style_layer_loss(feats[n], targets["grams"][n], reduction="mean"))
            for n in STYLE_LAYERS
        )
        content_value = float(content_loss(feats[CONTENT_LAYER], targets["content"]))
        return {"style_loss": style_value, "content_loss": content_value}

    def content_distance(self, image, reference):
        """The content distance of `image` to `reference` (same size), relu3_3 only."""
        from tfstyle.losses import content_loss

        a = self.vgg(np.asarray(image, np.float32)[None], layers=[CONTENT_LAYER])
        b = self.vgg(np.asarray(reference, np.float32)[None], layers=[CONTENT_LAYER])
        return float(content_loss(a[CONTENT_LAYER], b[CONTENT_LAYER]))
