"""Chat's pages: Slack (people admins), a team's Teams channel (its manager, people admins)
and each person's delivery preferences. Mounted at /settings/chat/ (culture/urls.py)."""

from django.urls import include, path

app_name = "chat"

urlpatterns = [
    path("", include("chat.urls_preferences")),
    path("slack/", include("chat.urls_slack")),
    path("teams/", include("chat.urls_teams")),
]
