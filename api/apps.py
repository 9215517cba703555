from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Public API")

    def ready(self):
        # A person's data export lists their tokens and erasure deletes them
        # (culture.privacy asks culture.sections, never this app).
        from api import privacy
        from culture import sections

        sections.register_privacy("api", order=50, hooks=privacy)
