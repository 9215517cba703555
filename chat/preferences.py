"""Writes for delivery preferences (the views call these; they audit)."""

from __future__ import annotations

from django.db import transaction

from chat.forms import CompanyDefaultsForm, PreferencesForm
from chat.models import ChatSettings, DeliveryPreference
from culture import audit
from culture.models import Person


def do_save_preferences(*, person: Person, form: PreferencesForm) -> DeliveryPreference:
    with transaction.atomic():
        preference = form.save(commit=False)
        preference.person = person
        preference.channels = form.channels()
        preference.save()
    return preference


def do_save_company_defaults(*, by: Person, form: CompanyDefaultsForm) -> ChatSettings:
    with transaction.atomic():
        company = form.save(commit=False)
        company.default_channels = form.channels()
        company.updated_by = by
        company.save()
        audit.record(
            by,
            "chat.defaults_changed",
            obj=company,
            detail={"channels": company.default_channels, "digest": company.default_digest},
        )
    return company
