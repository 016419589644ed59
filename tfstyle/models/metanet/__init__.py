"""MetaNet."""
