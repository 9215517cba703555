from django import forms
from django.utils.translation import gettext_lazy as _

from api import tokens
from api.models import SCOPES


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label=_("Name"),
        help_text=_("What uses it, e.g. “my weekly report script”. You will see it here."),
    )
    scopes = forms.MultipleChoiceField(
        choices=list(SCOPES.items()),
        widget=forms.CheckboxSelectMultiple,
        label=_("Scopes"),
        help_text=_("Only what it needs. It never sees more than you may see yourself."),
    )
    days = forms.IntegerField(
        label=_("Expires after (days)"),
        min_value=1,
        max_value=tokens.MAX_DAYS,
        initial=tokens.DEFAULT_DAYS,
    )

    def __init__(self, *args, person=None, **kwargs):
        """For a personal token, only the scopes that can give `person` anything: keeper
        scopes for managers, pay for managers and people admins (the access gate would
        answer others with nothing, which is only confusing). Service tokens: all."""
        super().__init__(*args, **kwargs)
        if person is not None:
            manages = person.has_reports()
            hidden = set()
            if not manages:
                hidden |= {"keeper:read", "keeper:write"}
            if not (manages or person.is_people_admin):
                hidden.add("pay:read")
            scopes = self.fields["scopes"]
            assert isinstance(scopes, forms.MultipleChoiceField)
            scopes.choices = [
                (scope, text) for scope, text in SCOPES.items() if scope not in hidden
            ]
