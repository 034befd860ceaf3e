"""Huiyin (回音): every matter lands somewhere, every matter gets an answer."""

__version__ = "0.1.0"
