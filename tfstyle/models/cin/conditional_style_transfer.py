"""Dumoulin et al.: one transformer network for N styles with conditional instance norm."""

import keras

from tfstyle.layers import ConditionalInstanceNormalization
from tfstyle.models.johnson.fast_style_transfer import FastStyleTransfer
from tfstyle.models.johnson.transformer_net import TransformerNet


@keras.saving.register_keras_serializable(package="tfstyle")
class ConditionalStyleTransfer(FastStyleTransfer):
    """N styles in one `TransformerNet` whose instance norms keep one (gamma, beta) row
    per style (Dumoulin, Shlens & Kudlur, "A Learned Representation for Artistic
    Style", ICLR 2017).

    The objective is Johnson's (`FastStyleTransfer`) with the Gram targets of each
    example's own style: batches are `{"image": (B, H, W, 3), "style_index": (B,)}`, so
    one batch mixes styles. Calling the model on such a dict stylises each image with
    its style; the generator itself takes `[images, style_weights]`, where a row of
    weights over the styles blends their (gamma, beta) pairs.

    Args:
        num_styles: N (ignored when `generator` is given).
        generator: a conditional `TransformerNet` (default: the paper preset).
        **kwargs: the `FastStyleTransfer` objective and loss network arguments.

    Example:
        >>> model = ConditionalStyleTransfer(num_styles=3, vgg_weights=None)
        >>> model.set_styles([mosaic, candy, udnie])
        >>> model.compile(optimizer=keras.optimizers.Adam(1e-3))
        >>> model.fit(dataset_of_image_and_style_index_dicts)
    """

    def __init__(self, num_styles=None, generator=None, **kwargs):
        if generator is None:
            if not num_styles:
                raise ValueError("give num_styles or a conditional generator")
            generator = TransformerNet(normalization="conditional_instance", num_styles=num_styles)
        super().__init__(generator=generator, **kwargs)
        if not self.generator.conditional:
            raise ValueError("ConditionalStyleTransfer needs a conditional_instance generator")

    def freeze_for_new_style(self, frozen_styles):
        """Trains only the (gamma, beta) rows from `frozen_styles` on: every convolution
        is frozen and the earlier rows get no gradient (Dumoulin et al., section 4)."""
        for layer in self.generator._flatten_layers(include_self=False):
            if isinstance(layer, ConditionalInstanceNormalization):
                layer.frozen_styles = int(frozen_styles)
            elif isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose)):
                layer.trainable = False
