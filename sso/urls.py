from django.urls import path

from sso import views

app_name = "sso"

urlpatterns = [
    path("sso/start/", views.sso_start, name="start"),
    path("sso/logout/", views.idp_logout, name="idp_logout"),
    path("settings/sso/", views.sso_settings, name="settings"),
    path("settings/sso/test/", views.sso_test, name="test"),
    path("settings/sso/test/result/", views.sso_test_result, name="test_result"),
    path(
        "people/<int:person_id>/two-factor/reset/",
        views.reset_second_factor,
        name="reset_mfa",
    ),
]
