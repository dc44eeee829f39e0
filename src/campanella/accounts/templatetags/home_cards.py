"""The home's child cards, built in Python (accounts.rendering)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from campanella.accounts.rendering import child_card as render_card
from campanella.accounts.selectors import ChildHome

register = template.Library()


@register.filter
def child_card(item: ChildHome) -> SafeString:
    return render_card(item)
