from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayConfig(AppConfig):
    name = "pay"
    verbose_name = _("Pay")

    def ready(self):
        # The core's pages ask culture.sections, never this app: its home section.
        from culture import sections
        from pay import demo, privacy
        from pay.home import home_context, todos

        sections.register_home_section("pay", order=40, context=home_context)
        sections.register_todos("pay", todos=todos)
        sections.register_privacy("pay", order=40, hooks=privacy)
        sections.register_demo("pay", order=40, seed=demo.seed)
