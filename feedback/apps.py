from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Circles")

    def ready(self):
        # The core's pages ask culture.sections, never this app: its home section and
        # its part of the profile page.
        from culture import sections
        from feedback import demo, privacy
        from feedback.home import home_context, todos
        from feedback.pages import keeper_context
        from feedback.profile import profile_context

        sections.register_home_section("feedback", order=20, context=home_context)
        sections.register_todos("feedback", todos=todos)
        sections.register_profile_context("feedback", context=profile_context)
        sections.register_page_section("keeper", "feedback", order=20, context=keeper_context)
        sections.register_privacy("feedback", order=20, hooks=privacy)
        sections.register_demo("feedback", order=20, seed=demo.seed)
