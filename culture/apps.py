from django.apps import AppConfig


class CultureConfig(AppConfig):
    name = "culture"
    verbose_name = "Culture"

    def ready(self):
        from culture import checks  # noqa: F401 - registers the system checks
