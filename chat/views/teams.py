"""A team's Microsoft Teams channel, for its managers and the people admins: the teams one
may set, and one team's channel (URL, which posts, test post, off/on, remove, its status and
last 20 posts). Thin views: parse, access gate, form, one service call, render."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chat import access_teams, teams_posts, teams_settings
from chat.forms_teams import TeamsChannelForm
from chat.models import ChatDelivery, TeamsChannel
from culture.errors import ActionRefused

OPEN = {ChatDelivery.Status.PENDING, ChatDelivery.Status.SENDING}


@require_GET
def teams_list(request):
    teams = access_teams.teams_for_user(request.user).select_related("teams_channel")
    return render(
        request, "chat/teams.html", {"teams": teams.only("name", "slug", "teams_channel")}
    )


def _channel_of(team) -> TeamsChannel | None:
    return TeamsChannel.objects.filter(team=team).select_related("set_by").first()


def _page(request, team, channel, *, form=None, error="", status=200, partial=None):
    posts = list(teams_posts.recent(channel)) if channel else []
    template = "chat/teams_channel.html" + (f"#{partial}" if partial else "")
    if form is None:
        initial = {"posts": channel.posts if channel else list(TeamsChannel.Post.values)}
        form = TeamsChannelForm(initial=initial)
    return render(
        request,
        template,
        {
            "team": team,
            "channel": channel,
            "form": form,
            "posts": posts,
            "polling": any(p.status in OPEN for p in posts),
            "off": teams_settings.why_off(channel) if channel else None,
            "error": error,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def channel(request, slug):
    team = access_teams.get_team_for_user(request.user, slug)
    channel = _channel_of(team)
    if request.method == "GET":
        partial = "posts" if request.htmx and request.htmx.target == "posts" else None
        return _page(request, team, channel, partial=partial)
    form = TeamsChannelForm(request.POST, url_required=channel is None)
    if not form.is_valid():
        return _page(
            request,
            team,
            channel,
            form=form,
            status=422,
            partial="settings" if request.htmx else None,
        )
    teams_settings.do_set_channel(
        by=request.user, team=team, url=form.cleaned_data["url"], posts=form.cleaned_data["posts"]
    )
    messages.success(request, _("Saved the Teams channel of %(team)s.") % {"team": team.name})
    return redirect("chat:teams_channel", team.slug)


def _existing(request, slug):
    team = access_teams.get_team_for_user(request.user, slug)
    channel = _channel_of(team)
    return team, channel


@require_POST
def test_post(request, slug):
    team, channel = _existing(request, slug)
    if channel is None:
        return redirect("chat:teams_channel", team.slug)
    try:
        teams_settings.do_test_post(by=request.user, channel=channel)
    except ActionRefused as exc:  # shown in place, above the posts
        partial = "posts" if request.htmx else None
        return _page(request, team, channel, error=exc.message, status=exc.status, partial=partial)
    if request.htmx:
        return _page(request, team, channel, partial="posts")
    messages.success(request, _("Test post queued: its result shows below in a moment."))
    return redirect("chat:teams_channel", team.slug)


@require_POST
def turn_off(request, slug):
    team, channel = _existing(request, slug)
    if channel is not None and teams_settings.do_turn_off(by=request.user, channel=channel):
        messages.success(
            request,
            _("Turned off: nothing more is posted to %(team)s's channel.") % {"team": team.name},
        )
    return redirect("chat:teams_channel", team.slug)


@require_POST
def turn_on(request, slug):
    team, channel = _existing(request, slug)
    if channel is not None and teams_settings.do_turn_on(by=request.user, channel=channel):
        messages.success(
            request,
            _("Turned on: new posts go to %(team)s's channel again.") % {"team": team.name},
        )
    return redirect("chat:teams_channel", team.slug)


@require_POST
def remove(request, slug):
    team, channel = _existing(request, slug)
    if channel is not None:
        teams_settings.do_remove(by=request.user, channel=channel)
        messages.success(
            request,
            _("Removed the Teams channel of %(team)s and its posts.") % {"team": team.name},
        )
    return redirect("chat:teams_channel", team.slug)
