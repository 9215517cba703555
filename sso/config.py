"""The identity settings in force: the page's (sso.models.IdentitySettings), with whatever the
environment sets winning, field by field (infrastructure as code; README lists the names).

    SSO_OIDC_ISSUER, SSO_OIDC_CLIENT_ID, SSO_OIDC_CLIENT_SECRET, SSO_OIDC_TRUST_EMAILS
    SSO_SAML_METADATA_URL, SSO_SAML_METADATA_FILE (a path to the XML), SSO_SAML_IDP_ENTITY_ID,
    SSO_SAML_SP_ENTITY_ID
    SSO_EMAIL_DOMAINS (comma-separated), SSO_CREATE_PEOPLE, SSO_REQUIRED,
    SSO_BREAK_GLASS (comma-separated emails of people admins), MFA_REQUIRED
    (nobody | people_admins | everyone)

Setting SSO_OIDC_ISSUER chooses OpenID Connect, SSO_SAML_METADATA_URL or _FILE SAML; then the
page's provider fields are all shown as set by the environment.

From here allauth gets its SocialApp objects (`social_apps`), built in memory: the secret is
decrypted for the request and never written to allauth's table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from culture.request_local import once_per_request
from sso.models import IdentitySettings

OIDC_PROVIDER_ID = "company"  # /sso/oidc/company/callback/
SAML_ORG = "company"  # /sso/saml/company/acs/, .../metadata/

TRUE = {"1", "true", "yes", "on"}
PROVIDER_FIELDS = (
    "protocol",
    "oidc_issuer",
    "oidc_client_id",
    "oidc_client_secret",
    "oidc_trust_emails",
    "saml_metadata_url",
    "saml_metadata_xml",
    "saml_idp_entity_id",
    "saml_sp_entity_id",
)


@dataclass
class Config:
    protocol: str = ""
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""  # plain text, for this request only
    oidc_secret_unreadable: bool = False
    oidc_trust_emails: bool = False
    saml_metadata_url: str = ""
    saml_metadata_xml: str = ""
    saml_idp_entity_id: str = ""
    saml_sp_entity_id: str = ""
    email_domains: list[str] = field(default_factory=list)
    create_people: bool = False
    sso_required: bool = False
    break_glass_emails: set[str] = field(default_factory=set)
    break_glass_ids: set[int] = field(default_factory=set)
    mfa_required: str = IdentitySettings.MFARequired.PEOPLE_ADMINS
    from_env: set[str] = field(default_factory=set)

    @property
    def enabled(self) -> bool:
        if self.protocol == "oidc":
            return bool(self.oidc_issuer and self.oidc_client_id)
        if self.protocol == "saml":
            return bool(self.saml_metadata_url or self.saml_metadata_xml)
        return False

    def domain_matches(self, email: str) -> bool:
        domain = email.rpartition("@")[2].strip().lower()
        return bool(domain) and domain in self.email_domains

    def is_break_glass(self, person) -> bool:
        return person.is_people_admin and (
            person.pk in self.break_glass_ids or person.email.lower() in self.break_glass_emails
        )

    def password_login_allowed(self, person) -> bool:
        return not (self.enabled and self.sso_required) or self.is_break_glass(person)

    def mfa_required_for(self, person) -> bool:
        if self.enabled and self.sso_required and self.is_break_glass(person):
            return True
        if self.mfa_required == IdentitySettings.MFARequired.EVERYONE:
            return True
        return self.mfa_required == IdentitySettings.MFARequired.PEOPLE_ADMINS and bool(
            person.is_people_admin
        )


def _domains(text: str) -> list[str]:
    parts = text.replace(",", "\n").split()
    return sorted({p.strip().lower().lstrip("@") for p in parts if p.strip()})


def load(row: IdentitySettings | None = None) -> Config:
    """The settings in force. Reads the row once per request (IdentitySettings.load) and the
    break-glass list only when asked for it through `load_break_glass`."""
    from sso import crypto

    row = row or IdentitySettings.load()
    env = settings.SSO_ENV
    cfg = Config(
        protocol=row.protocol,
        oidc_issuer=row.oidc_issuer,
        oidc_client_id=row.oidc_client_id,
        oidc_trust_emails=row.oidc_trust_emails,
        saml_metadata_url=row.saml_metadata_url,
        saml_metadata_xml=row.saml_metadata_xml,
        saml_idp_entity_id=row.saml_idp_entity_id,
        saml_sp_entity_id=row.saml_sp_entity_id,
        email_domains=_domains(row.email_domains),
        create_people=row.create_people,
        sso_required=row.sso_required,
        mfa_required=row.mfa_required,
    )
    if row.oidc_client_secret:
        try:
            cfg.oidc_client_secret = crypto.decrypt(row.oidc_client_secret)
        except crypto.Unreadable:
            cfg.oidc_secret_unreadable = True
    env_oidc = env.get("SSO_OIDC_ISSUER")
    env_saml = env.get("SSO_SAML_METADATA_URL") or env.get("SSO_SAML_METADATA_FILE")
    if env_oidc or env_saml:
        # The provider comes whole from the environment: nothing of the page's is mixed in.
        cfg.from_env |= set(PROVIDER_FIELDS)
        cfg.protocol = "oidc" if env_oidc else "saml"
        cfg.oidc_issuer = env.get("SSO_OIDC_ISSUER", "")
        cfg.oidc_client_id = env.get("SSO_OIDC_CLIENT_ID", "")
        cfg.oidc_client_secret = env.get("SSO_OIDC_CLIENT_SECRET", "")
        cfg.oidc_secret_unreadable = False
        cfg.oidc_trust_emails = env.get("SSO_OIDC_TRUST_EMAILS", "").lower() in TRUE
        cfg.saml_metadata_url = env.get("SSO_SAML_METADATA_URL", "")
        path = env.get("SSO_SAML_METADATA_FILE")
        cfg.saml_metadata_xml = Path(path).read_text() if path else ""
        cfg.saml_idp_entity_id = env.get("SSO_SAML_IDP_ENTITY_ID", "")
        cfg.saml_sp_entity_id = env.get("SSO_SAML_SP_ENTITY_ID", "")
    if "SSO_EMAIL_DOMAINS" in env:
        cfg.from_env.add("email_domains")
        cfg.email_domains = _domains(env["SSO_EMAIL_DOMAINS"])
    for name, attr in (("SSO_CREATE_PEOPLE", "create_people"), ("SSO_REQUIRED", "sso_required")):
        if name in env:
            cfg.from_env.add(attr)
            setattr(cfg, attr, env[name].strip().lower() in TRUE)
    if "MFA_REQUIRED" in env:
        cfg.from_env.add("mfa_required")
        cfg.mfa_required = env["MFA_REQUIRED"].strip().lower()
    if "SSO_BREAK_GLASS" in env:
        cfg.from_env.add("break_glass")
        cfg.break_glass_emails = {
            e.strip().lower() for e in env["SSO_BREAK_GLASS"].split(",") if e.strip()
        }
    elif not row._state.adding:  # a saved row (the unsaved defaults have no list)
        cfg.break_glass_ids = set(row.break_glass.values_list("pk", flat=True))
    return cfg


def current() -> Config:
    return once_per_request("identity_config", load)


# --- allauth's SocialApp objects --------------------------------------------------------------


def saml_idp_settings(cfg: Config) -> dict:
    """allauth's "idp" block: by metadata URL (allauth fetches and caches it), or from the
    pasted XML, parsed here with python3-saml's metadata parser."""
    if cfg.saml_metadata_url:
        return {"entity_id": cfg.saml_idp_entity_id or None, "metadata_url": cfg.saml_metadata_url}
    return parse_metadata_xml(cfg.saml_metadata_xml, cfg.saml_idp_entity_id or None)


def parse_metadata_xml(xml: str, entity_id: str | None = None) -> dict:
    """Raises ValueError with a reason when the XML is not an IdP's metadata."""
    from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

    try:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(xml, entity_id=entity_id)
    except Exception as exc:  # lxml and the parser raise many kinds
        raise ValueError(
            _("this is not readable SAML metadata (%(error)s)") % {"error": exc.__class__.__name__}
        )
    idp = parsed.get("idp") or {}
    cert = idp.get("x509cert") or (idp.get("x509certMulti", {}).get("signing") or [""])[0]
    sso_url = (idp.get("singleSignOnService") or {}).get("url")
    if not idp.get("entityId") or not sso_url or not cert:
        raise ValueError(
            _(
                "the metadata needs an IdP entity ID, a single sign-on URL (HTTP-Redirect) and a "
                "signing certificate"
            )
        )
    out = {"entity_id": idp["entityId"], "sso_url": sso_url, "x509cert": cert}
    slo_url = (idp.get("singleLogoutService") or {}).get("url")
    if slo_url:
        out["slo_url"] = slo_url
    return out


SAML_ATTRIBUTES = {
    "uid": ["urn:oasis:names:tc:SAML:attribute:subject-id"],
    "email": [
        "email",
        "mail",
        "emailaddress",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "urn:oid:0.9.2342.19200300.100.1.3",
    ],
    "first_name": [
        "firstName",
        "givenName",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
        "urn:oid:2.5.4.42",
    ],
    "last_name": [
        "lastName",
        "sn",
        "surname",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
        "urn:oid:2.5.4.4",
    ],
    "name": [
        "displayName",
        "http://schemas.microsoft.com/identity/claims/displayname",
        "urn:oid:2.16.840.1.113730.3.1.241",
    ],
}


def social_apps(cfg: Config | None = None) -> list:
    from allauth.socialaccount.models import SocialApp

    cfg = cfg or current()
    if not cfg.enabled:
        return []
    if cfg.protocol == "oidc":
        return [
            SocialApp(
                provider="openid_connect",
                provider_id=OIDC_PROVIDER_ID,
                name="single sign-on",
                client_id=cfg.oidc_client_id,
                secret=cfg.oidc_client_secret,
                settings={
                    "server_url": cfg.oidc_issuer,
                    "oauth_pkce_enabled": True,
                    "fetch_userinfo": True,
                },
            )
        ]
    try:
        idp = saml_idp_settings(cfg)
    except ValueError:
        return []
    sp = {"entity_id": cfg.saml_sp_entity_id} if cfg.saml_sp_entity_id else {}
    return [
        SocialApp(
            provider="saml",
            provider_id="saml",
            name="single sign-on",
            client_id=SAML_ORG,
            settings={
                "idp": idp,
                "sp": sp,
                "attribute_mapping": SAML_ATTRIBUTES,
                "use_nameid_for_email": True,
                "advanced": {
                    "strict": True,
                    # The email we match on must come from a signed assertion; a signed
                    # response around an unsigned assertion is not enough.
                    "want_assertion_signed": True,
                    # Only answers to a login we started: each carries InResponseTo, whose
                    # state is used once (a replayed response finds none and is refused).
                    "reject_idp_initiated_sso": True,
                    "allow_single_label_domains": True,
                },
            },
        )
    ]
