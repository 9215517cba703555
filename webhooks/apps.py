from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"
    verbose_name = _("Outbound webhooks")

    def ready(self):
        # Erasing a person deletes the events that carry their name (culture.privacy).
        from culture import sections
        from webhooks import privacy

        sections.register_privacy("webhooks", order=90, hooks=privacy)
