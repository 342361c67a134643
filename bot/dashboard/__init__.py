"""The community dashboard: the measures a community of practice is judged by, over time.

No Discord here. :mod:`periods` cuts a period into buckets in the server's time zone,
:mod:`report` gathers every feature's figures into a :class:`Report`, :mod:`chart` draws it and
:mod:`export` writes it as CSV.
"""
