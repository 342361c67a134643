"""Pen pals: the domain, with no Discord in it."""
