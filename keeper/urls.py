from django.urls import path

from keeper import views

app_name = "keeper"

urlpatterns = [
    path("", views.index, name="index"),
    path("compact/", views.compact, name="compact"),
    path("tests/<int:test_id>/answer/", views.answer, name="answer"),
    path("tests/<int:test_id>/guidance/", views.guidance, name="guidance"),
    path("tests/<int:test_id>/look-again/", views.look_again, name="look_again"),
    path("ask/", views.ask, name="ask"),
    path("rollup/", views.rollup, name="rollup"),
    path("rollup/<int:person_id>/", views.rollup_manager, name="rollup_manager"),
    path("rollup/<int:person_id>/remind/", views.rollup_remind, name="rollup_remind"),
    path("post-exit/", views.post_exits, name="post_exits"),
    path("post-exit/<int:post_exit_id>/", views.post_exit, name="post_exit"),
    path("post-exit/<int:post_exit_id>/held/", views.post_exit_held, name="post_exit_held"),
    path("post-exit/<int:post_exit_id>/share/", views.post_exit_share, name="post_exit_share"),
    path("post-exit/<int:post_exit_id>/shared/", views.post_exit_shared, name="post_exit_shared"),
    path("admin/", views.admin, name="admin"),
    path("admin/settings/", views.settings, name="settings"),
    path("admin/export.csv", views.export, name="export"),
]
