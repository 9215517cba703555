from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Public API"

    def ready(self):
        # A person's data export lists their tokens and erasure deletes them
        # (culture.privacy asks culture.sections, never this app).
        from api import privacy
        from culture import sections

        sections.register_privacy("api", order=50, hooks=privacy)
