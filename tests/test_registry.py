"""The registry: unknown and duplicate names are errors that list the known ones."""

import pytest

from tfstyle.errors import InvalidArgumentError
from tfstyle.registry import Registry
from tfstyle.training import RECIPES, Recipe, get_recipe, register_recipe


def test_registry_refuses_unknown_and_duplicate_names():
    registry = Registry("thing")
    registry.register("a")(1)
    registry.register("b")(2)
    assert registry.get("b") == 2 and registry.names() == ["a", "b"] and "a" in registry
    with pytest.raises(InvalidArgumentError, match="unknown thing 'c'; known: a, b"):
        registry.get("c")
    with pytest.raises(ValueError, match="'a' is already registered"):
        registry.register("a")(3)
    assert registry.get("a") == 1


def test_every_family_registers_one_recipe():
    for name in (
        "johnson",
        "cin",
        "adain",
        "metanet",
        "pix2pix",
        "cyclegan",
        "dcgan",
        "cartoongan",
        "munit",
    ):
        recipe = get_recipe(name)
        assert issubclass(recipe, Recipe) and recipe.name == name
    with pytest.raises(
        InvalidArgumentError,
        match="known: adain, cartoongan, cin, cyclegan, dcgan, johnson, metanet, munit, pix2pix",
    ):
        get_recipe("pix2pixx")
    with pytest.raises(ValueError, match="already registered"):
        register_recipe("johnson")(type("Again", (Recipe,), {}))
    assert RECIPES.get("johnson").__name__ == "JohnsonRecipe"
