"""Check-ins: one recurring "how is it going?" for any feature's groups (pen pals, partnerships).

A feature declares its subjects through :class:`bot.checkins.subjects.SubjectProvider`; this
package keeps the schedule, the answers and the "quiet" marks, and knows nothing of pen pals.
"""
