"""AdaIN."""
