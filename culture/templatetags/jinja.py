"""{% jinja_include %}: a Django template includes one of the Jinja2 fragments
(templates/jinja2/, culture/jinja2.py says which and why)."""

from __future__ import annotations

from django import template
from django.template import engines
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def jinja_include(context, template_name: str) -> SafeString:
    """Render a Jinja2 template with this template's context, as {% include %} does for a
    Django one. Its output is a template's, escaped by Jinja2's autoescaping."""
    fragment = engines["jinja2"].get_template(template_name)
    return SafeString(fragment.render(context.flatten(), request=context.get("request")))
