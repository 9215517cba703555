from django.urls import path

from keeper import views

app_name = "keeper"

urlpatterns = [
    path("", views.index, name="index"),
    path("tests/<int:test_id>/answer/", views.answer, name="answer"),
    path("tests/<int:test_id>/guidance/", views.guidance, name="guidance"),
    path("tests/<int:test_id>/look-again/", views.look_again, name="look_again"),
    path("ask/", views.ask, name="ask"),
    path("rollup/", views.rollup, name="rollup"),
    path("rollup/<int:person_id>/", views.rollup_manager, name="rollup_manager"),
    path("admin/", views.admin, name="admin"),
    path("admin/settings/", views.settings, name="settings"),
    path("admin/export.csv", views.export, name="export"),
]
