"""sisterlib: a Discord bot for a community of practice around sister-library partnerships."""

__version__ = "0.1.0"
