from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = "Decisions"

    def ready(self):
        # The core's pages ask culture.sections, never this app: its home section.
        from culture import sections
        from decisions import demo, privacy
        from decisions.home import home_context, todos

        sections.register_home_section("decisions", order=30, context=home_context)
        sections.register_todos("decisions", todos=todos)
        sections.register_privacy("decisions", order=30, hooks=privacy)
        sections.register_demo("decisions", order=30, seed=demo.seed)
