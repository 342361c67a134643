"""Pen-pal pairing: who writes to whom each round (pure Python, no Discord types)."""
