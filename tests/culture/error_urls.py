"""The product's URL map plus a page that fails, to see the 500 page as a visitor would."""

from django.urls import path

from culture.urls import handler403, handler404, handler500
from culture.urls import urlpatterns as product


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [*product, path("boom/", boom, name="boom")]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
