from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"
    verbose_name = "Outbound webhooks"

    def ready(self):
        # Erasing a person deletes the events that carry their name (culture.privacy).
        from culture import sections
        from webhooks import privacy

        sections.register_privacy("webhooks", order=90, hooks=privacy)
