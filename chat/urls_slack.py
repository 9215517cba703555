from django.urls import path

from chat.views import slack as views

urlpatterns = [
    path("", views.page, name="slack"),
    path("app/", views.save_app, name="slack_app"),
    path("install/", views.install, name="slack_install"),
    path("callback/", views.callback, name="slack_callback"),
    path("check/", views.check, name="slack_check"),
    path("disconnect/", views.disconnect, name="slack_disconnect"),
    path("events", views.events, name="slack_events"),
]
