import zoneinfo
from datetime import UTC
from typing import cast

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.forms.renderers import Jinja2
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from culture.i18n import as_reader
from culture.models import CompanySettings, Person, Team

TIME_ZONES = sorted(zoneinfo.available_timezones())

# Django's own widget templates for Jinja2, for a form whose widgets are many (a select of
# every time zone, a keeper page's answer forms): through Django's template engine they
# cost more than the rest of their page (bench/README.md). One renderer, so one Jinja2
# environment, for every form that uses it; the HTML is the same but for whitespace.
JINJA2_WIDGETS = Jinja2()


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed in the reader's zone (the one the request activated).

    A time that the zone skips (the clocks go forward) or has twice (the clocks go back) is
    refused with a message that says which, never silently moved an hour."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as exc:
            if getattr(exc, "code", None) != "ambiguous_timezone":
                raise
            assert exc.params is not None  # Django's ambiguous_timezone error names the time
            naive = exc.params["datetime"]
        zone = timezone.get_current_timezone()
        first, second = naive.replace(tzinfo=zone), naive.replace(tzinfo=zone, fold=1)
        time = f"{naive:%H:%M}"
        when = gettext("%(time)s on %(date)s") % {
            "time": time,
            "date": date_format(naive, "j F Y"),
        }
        if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
            message = gettext(
                "%(when)s does not exist in %(zone)s: the clocks go forward that night "
                "(%(before)s to %(after)s). Choose another time."
            ) % {
                "when": when,
                "zone": zone.key,
                "before": first.tzname(),
                "after": second.tzname(),
            }
        else:
            message = gettext(
                "%(when)s happens twice in %(zone)s: the clocks go back that night "
                "(%(time)s %(first)s, then %(time)s %(second)s). "
                "Choose a time outside that hour."
            ) % {
                "when": when,
                "zone": zone.key,
                "time": time,
                "first": first.tzname(),
                "second": second.tzname(),
            }
        raise forms.ValidationError(message, code="ambiguous_timezone")


def name_the_zone(form) -> None:
    """Say, under each LocalDateTimeField of `form`, which zone its time is typed in."""
    zone = timezone.get_current_timezone()
    abbreviation = timezone.localtime(timezone=zone).tzname()
    for field in form.fields.values():
        if isinstance(field, LocalDateTimeField):
            field.help_text = gettext("Your time zone: %(zone)s (%(abbreviation)s).") % {
                "zone": zone.key,
                "abbreviation": abbreviation,
            }


class CompanySettingsForm(forms.ModelForm):
    default_renderer = JINJA2_WIDGETS  # the time zones

    time_zone = forms.ChoiceField(
        choices=[(tz, tz) for tz in TIME_ZONES],
        label=_("Time zone"),
        help_text=_(
            "Every time shown and typed in the product, and every schedule (keeper cycles, "
            "reminders), follows it."
        ),
    )

    class Meta:
        model = CompanySettings
        fields = ["name", "time_zone", "leaver_records_months"]
        widgets = {"leaver_records_months": forms.NumberInput(attrs={"min": 0, "max": 240})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leaver_records_months"].required = False

    def clean_leaver_records_months(self):
        """Left out (an older form, a script that sets only the name): unchanged."""
        months = self.cleaned_data.get("leaver_records_months")
        return self.instance.leaver_records_months if months is None else months


class CultureTextForm(forms.ModelForm):
    class Meta:
        model = CompanySettings
        fields = ["culture_text"]
        labels = {"culture_text": _("The culture page (Markdown)")}
        widgets = {"culture_text": forms.Textarea(attrs={"rows": 24})}


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    name = forms.CharField(max_length=150, label=_("Name"))
    title = forms.CharField(max_length=150, required=False, label=_("Job title"))
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False, label=_("Team"))
    manager = forms.ModelChoiceField(
        queryset=Person.objects.filter(is_active=True).only("id", "name", "email"),
        required=False,
        label=_("Manager"),
        help_text=_("Their reporting line."),
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if (
            Person.objects.filter(email=email, is_active=True)
            .exclude(password__startswith="!")
            .exists()
        ):
            raise forms.ValidationError(_("This person already has an account."))
        return email


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 CSV with the columns of the template. Up to 50 MB."),
    )
    deactivate_missing = forms.BooleanField(
        required=False,
        label=_("Deactivate active people who are not in this file"),
        help_text=_("Off by default: missing people are only reported."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                gettext("The file is %(size)s MB; the limit is %(limit)s MB.")
                % {
                    "size": upload.size // (1024 * 1024),
                    "limit": settings.MAX_IMPORT_BYTES // (1024 * 1024),
                }
            )
        return upload


class ScimTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label=_("Name"),
        help_text=_(
            "Which identity provider uses it, e.g. “Okta” or “Microsoft Entra”. The "
            "audit log names every change it makes with this name."
        ),
    )


class ConfirmEmailForm(forms.Form):
    """A people admin types the person's email to confirm an export or an erasure."""

    email = forms.CharField(
        label=_("Type their email to confirm"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_email(self):
        typed = self.cleaned_data["email"].strip().lower()
        if typed != self.person.email.lower():
            raise forms.ValidationError(_("That is not their email: type it exactly as shown."))
        return typed


class AuditFilterForm(forms.Form):
    action = forms.CharField(required=False, label=_("Action"))
    actor = forms.CharField(required=False, label=_("Who"))
    subject = forms.CharField(required=False, label=_("About whom"))
    since = forms.DateField(
        required=False, label=_("Since"), widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label=_("Until"), widget=forms.DateInput(attrs={"type": "date"})
    )


class LedgerPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the email goes through the delivery ledger (Celery, retried,
    never twice) instead of being sent inside the request."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        from culture.notifications import notify

        user = context["user"]
        path = reverse(
            "password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]}
        )
        with as_reader(user):
            title = gettext("Choose a new Culture password")
            body = gettext(
                "Someone asked to reset the password for %(email)s. If it was not you, "
                "ignore this email. The link works once and expires in three days."
            ) % {"email": user.email}
        notify(
            user,
            key=f"password-reset:{user.pk}:{context['token']}",
            kind="password_reset",
            title=title,
            body=body,
            url=path,
            in_app=False,
        )


class PersonForm(forms.ModelForm):
    """A people admin edits one person, including their reporting line."""

    class Meta:
        model = Person
        fields = [
            "name",
            "title",
            "job_family",
            "level",
            "location",
            "team",
            "manager",
            "start_date",
            "is_active",
            "is_people_admin",
        ]
        widgets = {"start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        labels = {"is_active": _("Active (can log in)"), "is_people_admin": _("People admin")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["manager"]).queryset = (
            Person.objects.filter(is_active=True).exclude(pk=self.instance.pk).only("id", "name")
        )
        self.fields["level"].widget.attrs.update({"min": 1, "max": 9})

    def clean_level(self):
        level = self.cleaned_data.get("level")
        if level is not None and not 1 <= level <= 9:
            raise forms.ValidationError(_("Level must be from 1 to 9."))
        return level

    def clean_is_active(self):
        is_active = self.cleaned_data.get("is_active")
        if is_active and self.instance.erased_at is not None:
            raise forms.ValidationError(
                _(
                    "This person's data was erased: they cannot be reactivated. "
                    "Invite them again as a new person."
                )
            )
        return is_active

    def clean_manager(self):
        manager = self.cleaned_data.get("manager")
        if manager and self.instance.pk:
            if manager.pk == self.instance.pk:
                raise forms.ValidationError(_("A person cannot be their own manager."))
            if Person.objects.under(self.instance).filter(pk=manager.pk).exists():
                raise forms.ValidationError(
                    gettext(
                        "%(manager)s reports to %(person)s (directly or not): "
                        "that would make a reporting cycle."
                    )
                    % {"manager": manager.name, "person": self.instance.name}
                )
        return manager


class ReaderSettingsForm(forms.ModelForm):
    """A person's own language and time zone (culture/i18n.py, culture/clock.py). Blank
    follows the browser (language) or the company (zone)."""

    default_renderer = JINJA2_WIDGETS  # the time zones

    language = forms.ChoiceField(label=_("Language"), required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)

    class Meta:
        model = Person
        fields = ["language", "time_zone"]

    def __init__(self, *args, company_zone: str, browser_language: str, **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(settings.LANGUAGES)
        cast(forms.ChoiceField, self.fields["language"]).choices = [
            ("", _("As my browser asks (%(language)s)") % {"language": names[browser_language]}),
            *settings.LANGUAGES,
        ]
        self.fields["language"].help_text = _(
            "The product's pages and every message it sends you. What people write is "
            "never translated."
        )
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = [
            ("", _("The company's (%(zone)s)") % {"zone": company_zone}),
            *((tz, tz) for tz in TIME_ZONES),
        ]
        self.fields["time_zone"].help_text = _(
            "Every time you see or type, and when your reminders and digests reach you."
        )
