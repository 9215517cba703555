"""/scim/v2/...: every URL goes to the one endpoint, which scim2-server routes; the names are
for the authorization matrix (tests/scim/access_matrix.py) and for reverse()."""

from django.urls import path, re_path

from culture.scim import views

app_name = "scim"

urlpatterns = [
    path("ServiceProviderConfig", views.endpoint, name="service_provider_config"),
    path("ResourceTypes", views.endpoint, name="resource_types"),
    path("ResourceTypes/<str:resource_id>", views.endpoint, name="resource_type"),
    path("Schemas", views.endpoint, name="schemas"),
    path("Schemas/<str:resource_id>", views.endpoint, name="schema"),
    path("Users", views.endpoint, name="users"),
    path("Users/<str:resource_id>", views.endpoint, name="user"),
    path("Groups", views.endpoint, name="groups"),
    path("Groups/<str:resource_id>", views.endpoint, name="group"),
    # Anything else under /scim/v2/ (/.search, /Bulk, /Me, unknown paths): the library
    # answers it (404, 501) in SCIM's own format.
    re_path(r"^(?P<rest>.*)$", views.endpoint, name="other"),
]
