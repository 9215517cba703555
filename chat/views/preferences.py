"""Each person's delivery preferences, and the company's default (people admins)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from chat import kinds
from chat.access_teams import managed_by
from chat.forms import CompanyDefaultsForm, PreferencesForm
from chat.models import ChatSettings, DeliveryPreference, SlackUser
from chat.preferences import do_save_company_defaults, do_save_preferences
from chat.routing import company_settings, slack_connected
from culture import access, clock
from culture.http import AuthedHttpRequest


def preferences(request: AuthedHttpRequest) -> HttpResponse:
    person = access.require_active(request.user)
    preference = DeliveryPreference.objects.filter(person=person).first()
    company = company_settings()
    channels = dict(company.default_channels or {})
    if preference is None:
        preference = DeliveryPreference(person=person, digest=company.default_digest)
    else:
        channels.update(preference.channels or {})
    slack_on = slack_connected()
    form = PreferencesForm(
        request.POST or None, instance=preference, channels=channels, slack_on=slack_on
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            do_save_preferences(person=person, form=form)
            messages.success(request, _("Saved: messages now reach you as you chose."))
            return redirect("chat:preferences")
        status = 422
    slack_user = SlackUser.objects.filter(person=person).first() if slack_on else None
    context = {
        "form": form,
        "channel_fields": [form[f"channel_{g.slug}"] for g in kinds.GROUPS],
        "slack_on": slack_on,
        "slack_user": slack_user,
        "zone": clock.zone_for(person),
        # Managers and people admins set their teams' Teams channels (chat.access_teams).
        "sets_teams": person.is_people_admin or managed_by(person).exists(),
        "chose": preference.pk is not None and preference._state.adding is False,
    }
    return render(request, "chat/preferences.html", context, status=status)


def company_defaults(request: AuthedHttpRequest) -> HttpResponse:
    admin = access.require_people_admin(request.user)
    company = ChatSettings.load()
    slack_on = slack_connected()
    form = CompanyDefaultsForm(request.POST or None, instance=company, slack_on=slack_on)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            do_save_company_defaults(by=admin, form=form)
            messages.success(request, _("Saved: the default for everyone who has not chosen."))
            return redirect("chat:defaults")
        status = 422
    return render(
        request,
        "chat/defaults.html",
        {"form": form, "slack_on": slack_on, "chosen": DeliveryPreference.objects.count()},
        status=status,
    )
