"""A base for models that build themselves without an input shape."""

import keras


class SelfBuildingModel(keras.Model):
    """A model whose networks accept any image size (AdaIN, MetaNet): `build()` takes no
    shape, the saved .keras file records that it was built so loading calls `build()`
    again, and the logged metrics are the named `keras.metrics.Mean` in `self.trackers`.
    """

    @property
    def metrics(self):
        return list(self.trackers.values())

    def build(self, input_shape=None):
        self.built = True

    def get_build_config(self):
        return {"built": True}  # non-empty, so that loading calls build_from_config

    def build_from_config(self, config):
        self.build()
