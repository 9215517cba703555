from django.apps import AppConfig


class ContextConfig(AppConfig):
    name = "context"
    verbose_name = "Context"

    def ready(self):
        # The core's pages ask culture.sections, never this app: its home section and demo.
        from context import demo, privacy
        from context.home import home_context
        from culture import sections

        sections.register_home_section("context", order=50, context=home_context)
        sections.register_privacy("context", order=50, hooks=privacy)
        sections.register_demo("context", order=35, seed=demo.seed)
