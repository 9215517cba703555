from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "chat"
    verbose_name = _("Slack, Microsoft Teams and delivery preferences")

    def ready(self):
        from chat import delivery, demo, privacy, slack, teams
        from culture import sections

        sections.register_privacy("chat", order=95, hooks=privacy)
        sections.register_demo("chat", order=90, seed=demo.seed)

        delivery.SENDERS.update(
            {"slack": slack.Sender.for_active_installation, "teams": teams.Sender}
        )
