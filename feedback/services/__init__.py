"""Writes of the feedback app, one module per job (as Zulip's zerver/actions/<topic>.py):

- `circle`: the live circle: set up, reschedule, cancel, the facilitator's steps (whose
  phases are feedback.phases' table) and what participants do in the room;
- `written`: written 360 feedback: write, decide, ask, reminders, campaigns;
- `policy`: the company's feedback policy.

Nothing is re-exported here: import the topic module you mean.
"""
