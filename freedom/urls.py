"""Mounted twice by culture/urls.py: the time-away board at away/, the guides at guides/."""

from django.urls import path

from freedom import views

away_patterns = (
    [
        path("", views.away_index, name="index"),
        path("new/", views.away_new, name="new"),
        path("settings/", views.away_settings, name="settings"),
        path("<int:entry_id>/edit/", views.away_edit, name="edit"),
        path("<int:entry_id>/delete/", views.away_delete, name="delete"),
    ],
    "away",
)

guide_patterns = (
    [
        path("", views.guides_index, name="index"),
        path("new/", views.guide_new, name="new"),
        path("<slug:slug>/", views.guide_page, name="guide"),
        path("<slug:slug>/edit/", views.guide_edit, name="edit"),
        path("<slug:slug>/delete/", views.guide_delete, name="delete"),
        path("<slug:slug>/reviewed/", views.guide_reviewed, name="reviewed"),
    ],
    "guides",
)
