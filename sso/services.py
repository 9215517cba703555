"""Writes for single sign-on and two-factor login. Each is audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from culture import audit
from culture.models import Person
from sso.models import IdentitySettings

if TYPE_CHECKING:
    from allauth.socialaccount.models import SocialLogin

    from sso.forms import IdentitySettingsForm


def do_update_identity_settings(*, by: Person, form: IdentitySettingsForm) -> IdentitySettings:
    with transaction.atomic():
        IdentitySettings.objects.select_for_update().filter(pk=1).first()  # one at a time
        obj = form.save(commit=False)
        obj.updated_by = by
        obj.save()
        form.save_m2m()
        # Names of the fields that changed, never their values (the secret among them).
        audit.record(by, "sso.settings_changed", detail={"fields": sorted(form.changed_data)})
    return obj


def do_create_person_from_sso(*, email: str, sociallogin: SocialLogin) -> Person:
    """Someone the identity provider vouches for, new to Culture, when the company lets first
    logins create people: no team, no manager, no password (a people admin places them)."""
    data = sociallogin.account.extra_data or {}
    picked = data.get("userinfo") or data.get("id_token") or {}
    user = sociallogin.user
    name = (
        (picked.get("name") if isinstance(picked, dict) else "")
        or " ".join(
            p for p in (getattr(user, "first_name", ""), getattr(user, "last_name", "")) if p
        )
        or email.partition("@")[0]
    )
    with transaction.atomic():
        person = Person.objects.create_user(email=email, name=str(name)[:150])
        audit.record(None, "person.created_by_sso", subject=person, obj=person)
    return person


def do_reset_second_factor(*, by: Person, person: Person) -> int:
    """A people admin removes every second factor of `person` (a lost phone or key): their
    next password login asks them to set one up again, if the company requires one."""
    from allauth.mfa.models import Authenticator

    with transaction.atomic():
        kinds = sorted(
            Authenticator.objects.filter(user=person).values_list("type", flat=True).distinct()
        )
        deleted, _ = Authenticator.objects.filter(user=person).delete()
        audit.record(
            by, "mfa.reset", subject=person, obj=person, detail={"removed": kinds, "rows": deleted}
        )
    return deleted
