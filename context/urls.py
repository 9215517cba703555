from django.urls import path

from context import views

app_name = "context"

urlpatterns = [
    path("", views.index, name="index"),
    path("company/", views.page, name="company"),
    path("company/edit/", views.edit, name="company_edit"),
    path("company/history/", views.history, name="company_history"),
    path("company/history/<int:number>/", views.revision, name="company_revision"),
    path("teams/<slug:slug>/", views.page, name="team"),
    path("teams/<slug:slug>/edit/", views.edit, name="team_edit"),
    path("teams/<slug:slug>/history/", views.history, name="team_history"),
    path("teams/<slug:slug>/history/<int:number>/", views.revision, name="team_revision"),
]
