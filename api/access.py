"""The api app's getters, built on the core's primitives (culture/access.py)."""

from __future__ import annotations

from django.http import Http404

from api.models import ApiToken
from culture import access


def get_personal_token_for_user(user, token_id) -> ApiToken:
    """One of the user's own personal tokens; anyone else's (or none): 404."""
    access.require_active(user)
    try:
        return ApiToken.objects.get(pk=int(token_id), person=user, kind=ApiToken.Kind.PERSONAL)
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise Http404


def get_service_token_for_user(user, token_id) -> ApiToken:
    """A service token, for people admins (who make and revoke them); others get 403."""
    access.require_people_admin(user)
    try:
        return ApiToken.objects.get(pk=int(token_id), kind=ApiToken.Kind.SERVICE)
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise Http404
