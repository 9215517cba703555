from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FreedomConfig(AppConfig):
    name = "freedom"
    verbose_name = _("Freedom and responsibility")

    def ready(self):
        # The core's pages ask culture.sections, never this app.
        from culture import sections
        from freedom import demo, privacy
        from freedom.home import home_context
        from freedom.marks import person_marks
        from freedom.profile import profile_context

        sections.register_home_section("freedom", order=50, context=home_context)
        sections.register_profile_context("freedom", context=profile_context)
        sections.register_person_marks("freedom", marks=person_marks)
        sections.register_privacy("freedom", order=55, hooks=privacy)
        sections.register_demo("freedom", order=50, seed=demo.seed)
