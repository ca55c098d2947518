"""uprising: a fast simulator of political crises on a real map."""

__version__ = "0.1.0"
