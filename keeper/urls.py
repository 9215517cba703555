from django.urls import path

from keeper import views

app_name = "keeper"

urlpatterns = [
    path("", views.index, name="index"),
]
