from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CultureConfig(AppConfig):
    name = "culture"
    verbose_name = gettext_lazy("Culture")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from culture import checks  # noqa: F401 - registers the system checks
        from culture.i18n import suggest_at_login

        def _suggest(sender, request, user, **kwargs):
            if request is not None and hasattr(user, "time_zone"):
                suggest_at_login(request, user)

        user_logged_in.connect(_suggest, weak=False, dispatch_uid="culture.i18n.suggest_at_login")
