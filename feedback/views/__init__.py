"""Circles (the live room) and written 360 feedback. Thin views: parse -> access gate ->
form -> one service call -> render. One module per part: circles (the list and the room),
stream (the room's live events), summary (and its exports), written (written 360).
"""

# The 4A guidelines, shown beside every place feedback is written.
FOUR_A = [
    ("Aim to assist", "Give it to help them, never to vent."),
    ("Actionable", "Say what they could do differently, with an example."),
    ("Appreciate", "When you receive: listen, thank, don't argue."),
    ("Accept or discard", "Acting on it is the recipient's choice."),
]
