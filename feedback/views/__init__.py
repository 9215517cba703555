"""Circles (the live room) and written 360 feedback. Thin views: parse -> access gate ->
form -> one service call -> render. One module per part: circles (the list and the room),
stream (the room's live events), summary (and its exports), written (written 360).
"""

from django.utils.translation import gettext_lazy as _

# The 4A guidelines, shown beside every place feedback is written.
FOUR_A = [
    (_("Aim to assist"), _("Give it to help them, never to vent.")),
    (_("Actionable"), _("Say what they could do differently, with an example.")),
    (_("Appreciate"), _("When you receive: listen, thank, don't argue.")),
    (_("Accept or discard"), _("Acting on it is the recipient's choice.")),
]
