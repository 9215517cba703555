from django.urls import path

from pay import views

app_name = "pay"

urlpatterns = [
    path("", views.index, name="index"),
]
