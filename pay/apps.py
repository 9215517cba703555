from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayConfig(AppConfig):
    name = "pay"
    verbose_name = _("Pay")

    def ready(self):
        # The core's pages ask culture.sections, never this app: its home section.
        from culture import sections
        from culture.jinja2 import register_filters
        from pay import demo, privacy
        from pay.home import home_context, todos
        from pay.templatetags import pay_tags

        sections.register_home_section("pay", order=40, context=home_context)
        sections.register_todos("pay", todos=todos)
        sections.register_privacy("pay", order=40, hooks=privacy)
        sections.register_demo("pay", order=40, seed=demo.seed)
        # The team table is a Jinja2 fragment (templates/jinja2/pay/team_table.html).
        register_filters(
            money=pay_tags.money,
            signed_gap=pay_tags.signed_gap,
            pay_to_target=pay_tags.pay_to_target,
            status_pill=pay_tags.status_pill,
        )
