from django import forms

from api import tokens
from api.models import SCOPES


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="What uses it, e.g. “my weekly report script”. You will see it here.",
    )
    scopes = forms.MultipleChoiceField(
        choices=list(SCOPES.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text="Only what it needs. It never sees more than you may see yourself.",
    )
    days = forms.IntegerField(
        label="Expires after (days)",
        min_value=1,
        max_value=tokens.MAX_DAYS,
        initial=tokens.DEFAULT_DAYS,
    )
