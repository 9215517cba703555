from django.urls import path

from chat.views import preferences

urlpatterns = [
    path("", preferences.preferences, name="preferences"),
    path("defaults/", preferences.company_defaults, name="defaults"),
]
