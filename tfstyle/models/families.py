"""Every trained model family, by the module that registers its training recipe.

Adding a family is a folder under `tfstyle/models/` whose `train.py` registers a
`Recipe` (`@register_recipe("name")`), plus its line here. Importing a family also
registers its Keras classes, so its .keras files load.
"""

import importlib

FAMILY_MODULES = (
    "tfstyle.models.johnson.train",
    "tfstyle.models.cin.train",
    "tfstyle.models.adain.train",
    "tfstyle.models.metanet.train",
    "tfstyle.models.pix2pix.train",
    "tfstyle.models.cyclegan.train",
    "tfstyle.models.munit.train",
    "tfstyle.models.dcgan.train",
    "tfstyle.models.cartoongan.train",
    "tfstyle.models.super_resolution.train",
)


def import_all():
    """Imports every family (idempotent): their recipes and Keras classes register."""
    for module in FAMILY_MODULES:
        importlib.import_module(module)
