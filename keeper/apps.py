from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KeeperConfig(AppConfig):
    name = "keeper"
    verbose_name = _("Keeper test")

    def ready(self):
        # The core's pages ask culture.sections, never this app: its home section.
        from culture import sections
        from keeper import demo, privacy
        from keeper.home import home_context, todos
        from keeper.services.post_exit import person_left

        sections.register_home_section("keeper", order=10, context=home_context)
        sections.register_todos("keeper", todos=todos)
        sections.register_privacy("keeper", order=10, hooks=privacy)
        sections.register_demo("keeper", order=10, seed=demo.seed)
        sections.register_person_left("keeper", hook=person_left)
