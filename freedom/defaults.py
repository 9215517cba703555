"""The four guides a company starts with (migration 0002 adds them once; the demo gives them
owners). People admins rewrite them: they are a starting point in the spirit of *No Rules
Rules*, not the company's policy.

The texts are stored in English, as written here. Shown to a reader, a text still equal to its
default is shown in the reader's language (`translated`); one a person edited is shown as they
wrote it, never translated."""

from django.utils.translation import gettext, gettext_noop

GUIDES = [
    {
        "slug": "travel",
        "title": gettext_noop("Travel"),
        "summary": gettext_noop(
            "Book what you would book if it were your own money and your own time."
        ),
        "body": gettext_noop(
            """\
## Act in the company's best interest

There is no travel policy and nobody approves a trip. Book what you would book if the money were
yours and so was the time you lose to a cheap itinerary.

- **Is the trip worth it?** Would you explain it happily to your team? A video call is often enough.
- **Flights.** Economy for short trips. On a long overnight flight before a day of work, a better
  seat can be the responsible choice: say so in the expense note.
- **Hotels.** Close to where you work, safe, quiet. Not the cheapest, not the grandest.
- **Time.** Travel on working time where you can; do not lose your weekend to save a little.

## When you are unsure
Ask a colleague who travels often, or the owner of this guide. Then decide: it is your call.
"""
        ),
    },
    {
        "slug": "spending",
        "title": gettext_noop("Spending and expenses"),
        "summary": gettext_noop(
            "No approvals: spend as if it were your own money, and be ready to explain it."
        ),
        "body": gettext_noop(
            """\
## No expense approvals

You do not need anyone's permission to spend the company's money on the company's work. You do
need to be able to explain the spend to your manager, and to be happy to.

- **Tools and equipment** that make you faster: buy them.
- **Meals.** When you travel or host a guest, eat as you would at home; a little better
  with a guest.
- **Gifts and entertainment.** Rarely, and never anything that would look like a favour.

## Afterwards
Submit receipts within a month, with one line on what the spend was for. Finance reviews a
sample of expenses each quarter; that is learning, not policing. Someone who abuses this freedom
is let go: the freedom stays for everyone else.
"""
        ),
    },
    {
        "slug": "contracts",
        "title": gettext_noop("Signing contracts"),
        "summary": gettext_noop("Who signs what, and when to bring in legal before, not after."),
        "body": gettext_noop(
            """\
## You may sign

The informed captain decides: if the contract is your call and within what your team spends,
you may sign it. Nobody else approves.

## Bring in legal first when
- the contract runs longer than a year or renews on its own;
- it names personal data, our customers' data, or exclusivity;
- it commits the company beyond your team's budget;
- the other side asks to change liability or indemnity clauses.

Legal will read it quickly; their job is context, not a veto. Put every signed contract in the
contracts folder so the next person finds it.
"""
        ),
    },
    {
        "slug": "vacation",
        "title": gettext_noop("Vacation and time away"),
        "summary": gettext_noop(
            "There is no vacation policy: take real time off, and tell your team."
        ),
        "body": gettext_noop(
            """\
## There is no vacation policy

Nobody counts your days and nobody approves them. Take the time you need to rest and come back
at your best: a week or two at once, not only a day here and there.

- **Tell your team** well ahead, and agree who covers what. Note it on the
  [time-away board](/away/) so your team and your manager see it.
- **Choose your moment** with your team in mind: not the week of a launch you lead.
- **Really be away.** Switch notifications off; nobody expects replies.

## Leaders go first
Managers model it: take real time off, and say so. If someone in your team has not been away
for months, a word from you that time off is expected helps; nobody has to ask.
"""
        ),
    },
]


TEXT_FIELDS = ("title", "summary", "body")
# slug -> field -> the English default, to recognise a text nobody edited.
_DEFAULTS = {g["slug"]: {f: g[f] for f in TEXT_FIELDS} for g in GUIDES}


def translated(guide):
    """`guide` to show: each of its texts still equal to the English default in the reader's
    language (in memory only: never saved, never in the edit form)."""
    defaults = _DEFAULTS.get(guide.slug)
    if defaults:
        for name in TEXT_FIELDS:
            value = guide.__dict__.get(name)
            if value is not None and value == defaults[name]:
                setattr(guide, name, gettext(value))
    return guide


def add_default_guides(guide_model) -> int:
    """Add the default guides a company does not have yet (by slug); how many were added.
    The first migrate calls it (with the historical model); the test world too, since a
    transactional test's flush takes away what migrations wrote."""
    added = 0
    for guide in GUIDES:
        _obj, created = guide_model.objects.get_or_create(slug=guide["slug"], defaults=guide)
        added += created
    return added
