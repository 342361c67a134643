"""Scheduled announcements, and the queue that keeps publishing inside Discord's limit.

No ``discord`` import here: the services take the database, the clock and the scheduler, and
return outcomes; :mod:`cogs.announcements` talks to Discord.
"""
