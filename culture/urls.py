from allauth.account import views as allauth_account
from allauth.socialaccount.providers.openid_connect import views as oidc_views
from allauth.socialaccount.providers.saml import views as saml_views
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.i18n import JavaScriptCatalog

from api.urls import api_urls
from api.urls import page_urls as api_page_urls
from culture.views import account, health, home, people, provisioning, site
from freedom.urls import away_patterns, guide_patterns
from sso import views as sso_views

people_patterns = (
    [
        path("", people.directory, name="directory"),
        path("export.csv", people.export_csv, name="export"),
        path("org/", people.org_chart, name="org_chart"),
        path("org/<int:person_id>/", people.org_branch, name="org_branch"),
        path("import/", people.import_upload, name="import"),
        path("import/template.csv", people.import_template, name="import_template"),
        path("import/<int:job_id>/", people.import_status, name="import_status"),
        path("invite/", people.invite, name="invite"),
        path("<int:person_id>/", people.profile, name="profile"),
        path("<int:person_id>/edit/", people.edit_person, name="edit"),
        path("<int:person_id>/data/", people.person_data, name="data"),
        path("<int:person_id>/data/export/", people.person_data_export, name="data_export"),
        path("<int:person_id>/data/erase/", people.person_data_erase, name="data_erase"),
    ],
    "people",
)

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("livez", health.livez, name="livez"),
    path("readyz", health.readyz, name="readyz"),
    path("culture/", site.culture_page, name="culture_page"),
    path("culture/edit/", site.culture_edit, name="culture_edit"),
    path("settings/", site.company_settings, name="company_settings"),
    path("settings/scim/", provisioning.scim_tokens, name="scim_tokens"),
    path(
        "settings/scim/<int:token_id>/revoke/",
        provisioning.scim_token_revoke,
        name="scim_token_revoke",
    ),
    path("settings/webhooks/", include("webhooks.urls")),
    path("settings/chat/", include("chat.urls")),
    path("audit/", site.audit_log, name="audit_log"),
    path("notifications/", site.notifications, name="notifications"),
    path("notifications/read/", site.notifications_read, name="notifications_read"),
    # Logging in is allauth's flow (sso/): only the parts of allauth the product uses are
    # mounted, each here by name; signup, email management, login by code, allauth's
    # password pages and its provider pickers are not. The product's names come first (they
    # resolve); allauth's names for the same views follow, for allauth's own redirects.
    path("login/", sso_views.LoginView.as_view(), name="login"),
    path("login/", sso_views.LoginView.as_view(), name="account_login"),
    path("logout/", sso_views.logout, name="logout"),
    path("logout/", sso_views.logout, name="account_logout"),
    path("login/two-factor/setup/", sso_views.setup_at_login, name="login_mfa_setup"),
    path(
        "account/reauthenticate/",
        allauth_account.reauthenticate,
        name="account_reauthenticate",
    ),
    # Two-factor login: authenticate at login, and a person's own authenticators.
    path("account/two-factor/", include("allauth.mfa.urls")),
    # The identity provider's way back (the URLs a people admin pastes into it).
    path(
        "sso/oidc/<str:provider_id>/callback/",
        oidc_views.callback,
        name="openid_connect_callback",
    ),
    path("sso/saml/<str:organization_slug>/acs/", saml_views.acs, name="saml_acs"),
    path(
        "sso/saml/<str:organization_slug>/acs/finish/",
        saml_views.finish_acs,
        name="saml_finish_acs",
    ),
    path("sso/saml/<str:organization_slug>/sls/", saml_views.sls, name="saml_sls"),
    path(
        "sso/saml/<str:organization_slug>/metadata/",
        saml_views.metadata,
        name="saml_metadata",
    ),
    path("", include("sso.urls")),
    path("account/", account.reader_settings, name="reader_settings"),
    # The scripts' strings in the reader's language: the page asks for ?l=<language>, so a
    # cached copy is never another language's.
    path(
        "jsi18n/",
        login_not_required(cache_control(max_age=86400)(JavaScriptCatalog.as_view())),
        name="javascript_catalog",
    ),
    path("password/change/", account.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", account.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        account.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        account.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        account.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("people/", include(people_patterns)),
    path("scim/v2/", include("culture.scim.urls")),
    # The public REST API (issue 22): bearer tokens only (api/core.py).
    path("api/v1/", include(api_urls)),
    *api_page_urls,
    path("feedback/", include("feedback.urls")),
    path("keeper/", include("keeper.urls")),
    path("decisions/", include("decisions.urls")),
    path("pay/", include("pay.urls")),
    path("context/", include("context.urls")),
    path("away/", include(away_patterns)),
    path("guides/", include(guide_patterns)),
    path("admin/login/", account.admin_login),  # before the admin's own: rate-limited
    path("admin/", admin.site.urls),
]

if settings.BENCH_FLOOR:  # only when benchmarking: the framework's floor (bench/run.py)
    urlpatterns += [
        path("bench/floor/", home.floor, name="bench_floor"),
        path("bench/floor/queries/", home.floor_queries, name="bench_floor_queries"),
        path("bench/floor/queries/<int:queries>/", home.floor_queries, name="bench_floor_q"),
        path("bench/live/", home.live_stats, name="bench_live_stats"),
    ]

# The error pages in the product's layout, with its navigation and a way back (culture/errors.py).
handler403 = "culture.errors.permission_denied"
handler404 = "culture.errors.page_not_found"
handler500 = "culture.errors.server_error"
