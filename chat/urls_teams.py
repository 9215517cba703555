"""A team's Microsoft Teams channel: /settings/chat/teams/ (chat.views.teams)."""

from django.urls import path

from chat.views import teams

urlpatterns = [
    path("", teams.teams_list, name="teams"),
    path("<slug:slug>/", teams.channel, name="teams_channel"),
    path("<slug:slug>/test/", teams.test_post, name="teams_test"),
    path("<slug:slug>/off/", teams.turn_off, name="teams_off"),
    path("<slug:slug>/on/", teams.turn_on, name="teams_on"),
    path("<slug:slug>/remove/", teams.remove, name="teams_remove"),
]
