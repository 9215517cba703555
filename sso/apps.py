from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SSOConfig(AppConfig):
    name = "sso"
    verbose_name = _("Single sign-on and two-factor login")
