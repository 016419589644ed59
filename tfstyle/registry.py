"""A tiny name -> object registry, in the spirit of tensorflow/models' `core/registry.py`.

Training recipes and benchmarks register under a name; programs look them up by the
name a user typed. An unknown name or a second registration under the same name is an
error that lists the known names.
"""

from tfstyle.errors import InvalidArgumentError


class Registry:
    """Objects registered by name.

    Args:
        kind: what is registered, for messages ("training recipe", "benchmark").

    Example:
        >>> RECIPES = Registry("training recipe")
        >>> @RECIPES.register("johnson")
        ... class JohnsonRecipe(Recipe): ...
        >>> RECIPES.get("johnson")
    """

    def __init__(self, kind):
        self.kind = kind
        self._entries = {}

    def register(self, name):
        """Decorator: registers the decorated object under `name` (once)."""

        def add(obj):
            if name in self._entries:
                raise ValueError(
                    f"{self.kind} '{name}' is already registered "
                    f"(by {self._entries[name]!r}); known: {', '.join(self.names())}"
                )
            self._entries[name] = obj
            return obj

        return add

    def get(self, name):
        """The object registered as `name`; InvalidArgumentError listing the known ones."""
        if name not in self._entries:
            raise InvalidArgumentError(
                f"unknown {self.kind} '{name}'; known: {', '.join(self.names()) or 'none'}"
            )
        return self._entries[name]

    def names(self):
        return sorted(self._entries)

    def __contains__(self, name):
        return name in self._entries
