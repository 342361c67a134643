"""Articles: the domain of shared reading, with no Discord in it.

Canonical URLs (:mod:`bot.articles.urls`), a page fetch that cannot be turned against our own
network (:mod:`bot.articles.fetch`), page metadata (:mod:`bot.articles.meta`) and feeds with their
polling rules (:mod:`bot.articles.feeds`). Problems are named by codes with parameters; the cog
that shows them to a member translates them.
"""
