"""Writes of the keeper app, one module per job (as Zulip's zerver/actions/<topic>.py):

- `periods`: the schedule's maths: when a cycle opens, its label, when reminders fall;
- `sweep`: the periodic sweep: open the due cycle (its tests), send every due reminder;
- `answers`: a manager's answer, private notes and look-again date;
- `severance`: the severance estimate shown beside a No;
- `prompt`: the keeper-prompt log;
- `policy`: the company's keeper policy.

Exactly-once comes from the database: a cycle is unique per period (and created under an
advisory lock), a test is unique per cycle x report (INSERT ... ON CONFLICT DO NOTHING), and
every message goes through culture.notifications.notify with a deterministic key.

Nothing is re-exported here: import the topic module you mean.
"""
