"""Password rules in Italian.

Django 5.2 changed the wording key of the too-short message ("%d" instead of "%(min_length)d")
and its Italian catalog still translates only the old one, so that single message came out in
English. The other validators are translated by Django itself.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "Questa password è troppo corta: deve contenere almeno %(min_length)d carattere.",
            "Questa password è troppo corta: deve contenere almeno %(min_length)d caratteri.",
            self.min_length,
        ) % {"min_length": self.min_length}
