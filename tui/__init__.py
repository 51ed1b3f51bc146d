"""watchkeeper: a keyboard-first terminal operations console for AWS."""

__version__ = "0.1.0"
