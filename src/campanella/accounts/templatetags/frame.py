"""The frame's header of every page, built in Python (accounts.frame)."""

from __future__ import annotations

from django import template
from django.template import Context
from django.utils.safestring import SafeString, mark_safe

from campanella.accounts.frame import frame_header as render_header

register = template.Library()


@register.simple_tag(takes_context=True)
def frame_header(context: Context) -> SafeString:
    return mark_safe(render_header(context))  # noqa: S308 - every value in it is escaped
