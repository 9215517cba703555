from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from context.models import SECTIONS, TEXT_MAX, ContextPage


class ContextPageForm(forms.Form):
    """The four sections, the editor's one-line summary, and the version they opened (the
    optimistic check: services.do_save_page refuses a save over a newer version)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    summary = forms.CharField(
        max_length=200,
        label=_("What changed (one line)"),
        help_text=_("The people this page concerns are told, with this line."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, heading, help_text in SECTIONS:
            self.fields[name] = forms.CharField(
                label=gettext("%(heading)s (Markdown)") % {"heading": heading},
                help_text=help_text,
                required=False,
                max_length=TEXT_MAX,
                widget=forms.Textarea(attrs={"rows": 8}),
            )
        self.order_fields([name for name, _, _ in SECTIONS] + ["summary", "version"])

    @staticmethod
    def initial_for(page: ContextPage) -> dict:
        return {"version": page.version, **{name: getattr(page, name) for name, _, _ in SECTIONS}}

    def texts(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name, _, _ in SECTIONS}
