"""How people log in: the company's identity provider (OpenID Connect or SAML), who must use
single sign-on, and who must use two-factor login.

One row (pk=1), edited by people admins on the "Single sign-on" page (sso/views.py); any of it
may instead come from the environment (sso/config.py), which then wins.

The identity provider is fed to django-allauth by sso.adapters.SocialAccountAdapter.list_apps,
which builds allauth's SocialApp objects from this row in memory: the client secret stays
encrypted here (sso/crypto.py) and allauth's own SocialApp table stays empty.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from culture.models import Person
from culture.request_local import once_per_request


class IdentitySettings(models.Model):
    class Protocol(models.TextChoices):
        NONE = "none", _("None: passwords only")
        OIDC = "oidc", "OpenID Connect"
        SAML = "saml", "SAML 2.0"

    class MFARequired(models.TextChoices):
        NOBODY = "nobody", _("Nobody (people may still turn it on)")
        PEOPLE_ADMINS = "people_admins", _("People admins")
        EVERYONE = "everyone", _("Everyone who logs in with a password")

    protocol = models.CharField(max_length=8, choices=Protocol.choices, default=Protocol.NONE)
    # OpenID Connect
    oidc_issuer = models.URLField(
        _("issuer URL"),
        blank=True,
        help_text=_(
            "The identity provider's issuer; its /.well-known/openid-configuration "
            "is read from there."
        ),
    )
    oidc_client_id = models.CharField(_("client ID"), max_length=255, blank=True)
    oidc_client_secret = models.TextField(
        blank=True, help_text=_("Encrypted (sso/crypto.py); never shown again.")
    )
    oidc_trust_emails = models.BooleanField(
        _("trust the provider's email addresses"),
        default=False,
        help_text=_(
            "Accept an email address the provider does not mark email_verified "
            "(some company directories, Entra ID among them, never send it)."
        ),
    )
    # SAML
    saml_metadata_url = models.URLField(_("IdP metadata URL"), blank=True)
    saml_metadata_xml = models.TextField(_("IdP metadata XML"), blank=True)
    saml_idp_entity_id = models.CharField(
        _("IdP entity ID"),
        max_length=255,
        blank=True,
        help_text=_("Only when the metadata describes several identity providers."),
    )
    saml_sp_entity_id = models.CharField(
        _("our entity ID (SP)"),
        max_length=255,
        blank=True,
        help_text=_("Leave empty to use our metadata URL, shown below."),
    )
    # Policy
    email_domains = models.TextField(
        blank=True,
        help_text=_(
            "The company's email domains, one per line: an address typed on the login "
            "page in one of them goes to single sign-on."
        ),
    )
    create_people = models.BooleanField(
        _("create people on first login"),
        default=False,
        help_text=_(
            "Someone the provider vouches for but who is not in Culture yet gets a "
            "person (no team, no manager: a people admin sets those). Off: they are refused, "
            "and people come from the import or from provisioning."
        ),
    )
    sso_required = models.BooleanField(
        _("require single sign-on"),
        default=False,
        help_text=_(
            "Password login is off for everyone but the break-glass accounts below, "
            "who must also use two-factor login."
        ),
    )
    break_glass = models.ManyToManyField(
        Person,
        blank=True,
        related_name="+",
        verbose_name=_("break-glass accounts"),
        help_text=_(
            "People admins who may still log in with a password and a second factor "
            "when single sign-on is required (for when the identity provider is down)."
        ),
    )
    mfa_required = models.CharField(
        _("require two-factor login for"),
        max_length=16,
        choices=MFARequired.choices,
        default=MFARequired.PEOPLE_ADMINS,
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = _("identity settings")

    def __str__(self) -> str:
        return "Identity settings"

    @classmethod
    def load(cls) -> IdentitySettings:
        """The row, read once per request (the login page, the adapters and the stages all
        ask). Before anyone saved the page there is none: the defaults, unsaved, so that no
        GET writes (the login page is the first to ask)."""
        return once_per_request("identity_settings", cls.load_or_default)

    @classmethod
    def load_or_default(cls) -> IdentitySettings:
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    @classmethod
    def load_fresh(cls) -> IdentitySettings:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj
