"""What the SCIM service publishes (RFC 7643): the User and Group resources as this product
stores them, the enterprise extension, and the service's capabilities.

The models are scim2-models resources, narrowed to the attributes a person or a team really
keeps, so that /Schemas tells an identity provider the truth: every attribute published here
is stored and read back exactly as sent. Attributes a client sends that are not here
(phoneNumbers, addresses, locale, password, roles, ...) are accepted and dropped
(ScimPolicy.unknown = ignore): Microsoft Entra and Okta send several by default, and the
product has no use for a person's phone number or home address.

What each attribute becomes is in culture/scim/mapping.py, and in its description below.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    CaseExact,
    ChangePassword,
    ComplexAttribute,
    ETag,
    Extension,
    External,
    Filter,
    Mutability,
    Patch,
    Reference,
    Required,
    Resource,
    ResourceType,
    Schema,
    ScimPolicy,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
)
from scim2_models import (
    ResourceType as ResourceTypeModel,
)
from scim2_models.resources.resource import AnyExtension
from scim2_models.urn import URN

# The largest page a search returns (and the count a search without one gets).
MAX_RESULTS = 200

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


class Name(ComplexAttribute):
    formatted: str | None = Field(
        None, description="The full name. The person's name when no displayName is sent."
    )
    family_name: str | None = Field(None, description="Family name.")
    given_name: str | None = Field(None, description="Given name.")


class Email(ComplexAttribute):
    # A string, checked as the rest of the product checks addresses (Django's
    # validate_email, culture/scim/services.py): pydantic's EmailStr refuses reserved names
    # such as okta.local, which Okta's own examples use.
    value: Annotated[str | None, Required.true] = Field(None, description="An email address.")
    type: str | None = Field(None, examples=["work"], description="Always 'work' when read.")
    primary: bool | None = Field(
        None, description="The primary address (else the work one, else the first) is theirs."
    )


class User(Resource[AnyExtension]):
    """A person of the company."""

    __schema__ = URN(USER_SCHEMA)

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = Field(
        None,
        description="The identity provider's name for them, unique; their email address "
        "for people it never provisioned.",
    )
    name: Name | None = Field(None, description="Their name, in parts.")
    display_name: str | None = Field(
        None, description="Their name as the product shows it everywhere."
    )
    title: str | None = Field(None, description="Job title.")
    # Required: a person is always active or not, so the attribute is never unassigned (a
    # PATCH that removes it is refused, RFC 7644 §3.5.2.2); Okta and Entra always send it.
    active: Annotated[bool | None, Required.true] = Field(
        None,
        description="False deactivates them: they are logged out everywhere, the day they "
        "left is recorded, and their history is kept.",
    )
    emails: Annotated[list[Email] | None, Required.true] = Field(
        None,
        description="Their email address, which they log in with: the primary one sent, else "
        "the work one, else the first. Read back as one work address.",
    )


class Manager(ComplexAttribute):
    value: Annotated[str | None, Required.true, CaseExact.true] = Field(
        None,
        description="The id of their manager, a User of this service (or, for clients that "
        "cannot send it, the manager's userName). Read back as the id.",
    )
    ref: Reference[User] | None = Field(None, serialization_alias="$ref", validation_alias="$ref")

    @model_validator(mode="before")
    @classmethod
    def _bare_id(cls, data: Any) -> Any:
        """Microsoft Entra sends the manager as the manager's id alone, not as an object
        (a known deviation from RFC 7643 §4.3 that it has kept for years)."""
        if isinstance(data, str):
            return {"value": data}
        return data


class EnterpriseUser(Extension):
    """Where a person sits in the company: department (their team), employee number and
    manager (the reporting tree)."""

    __schema__ = URN(ENTERPRISE_SCHEMA)

    employee_number: str | None = Field(
        None, description="Their number in the HR system, unique when set."
    )
    department: str | None = Field(
        None,
        description="Their team, by name; a team that does not exist yet is created.",
    )
    manager: Manager | None = Field(
        None,
        description="Their manager. Refused when the manager is unknown or when it would "
        "make a reporting cycle.",
    )


class GroupMember(ComplexAttribute):
    value: Annotated[str | None, Mutability.immutable, CaseExact.true] = Field(
        None, description="The id of a User."
    )
    ref: Annotated[Reference[User] | None, Mutability.immutable] = Field(
        None, serialization_alias="$ref", validation_alias="$ref"
    )
    type: Annotated[str | None, Mutability.immutable] = Field(
        None, examples=["User"], description="Always 'User': teams hold people, not teams."
    )


class Group(Resource[Any]):
    """A team. A person belongs to one team: adding them to a group moves them from the team
    they were in, removing them leaves them without a team."""

    __schema__ = URN(GROUP_SCHEMA)

    display_name: Annotated[str | None, Required.true] = Field(
        None, description="The team's name, unique."
    )
    members: list[GroupMember] | None = Field(None, description="The people in the team.")


UserResource = User[EnterpriseUser]

BEARER = AuthenticationScheme(
    type=AuthenticationScheme.Type.oauthbearertoken,
    name="Bearer token",
    description="A token a people admin makes on the Provisioning (SCIM) page, sent as "
    "'Authorization: Bearer <token>'.",
    spec_uri=Reference[External]("https://datatracker.ietf.org/doc/html/rfc6750"),
    primary=True,
)

CONFIG = ServiceProviderConfig(
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_RESULTS),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=False),
    etag=ETag(supported=True),
    authentication_schemes=[BEARER],
)

# Real clients, as they document themselves: unknown attributes are dropped (above); Entra
# removes a group member with the member in the value rather than in a path filter, and
# replaces `emails[type eq "work"].value` on a user who has no work address yet.
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)

PROVIDER = ScimProvider(
    # The schemas of the discovery resources are published too (RFC 7643 §7).
    models=[User, EnterpriseUser, Group, ResourceTypeModel, ServiceProviderConfig, Schema],
    resource_types=[
        ResourceType.from_resource(UserResource),
        ResourceType.from_resource(Group),
    ],
    config=CONFIG,
    policy=POLICY,
)
