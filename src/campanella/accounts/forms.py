"""Forms of the access pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from campanella.accounts.login import LoginRefused, login_attempt


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Nome utente o e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        password = self.cleaned_data.get("password") or ""
        if username and password:
            request: HttpRequest = self.request  # type: ignore[assignment]
            try:
                self.user_cache = login_attempt(request, username, password)
            except LoginRefused as refused:
                raise forms.ValidationError(refused.message, code=refused.code) from None
        return self.cleaned_data


class TotpForm(forms.Form):
    code = forms.CharField(
        label=_("Codice di verifica (6 cifre)"),
        max_length=7,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class IdentifierForm(forms.Form):
    identifier = forms.CharField(
        label=_("Nome utente oppure e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )


class ChooseAddressForm(forms.Form):
    address = forms.ChoiceField(
        label=_("Dove vuoi ricevere il collegamento?"), widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["address"].choices = choices  # type: ignore[attr-defined]


class EmailLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("Indirizzo e-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label=_("Password dell'altro accesso"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, login: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].label = _("Password dell'accesso %(login)s") % {"login": login}


class NewPasswordRulesOnItsField:
    """The password rules speak about the new password, so their errors go under it: Django
    puts them under the confirmation, where a screen-reader user filling the first field never
    hears them. A mismatch stays under the confirmation."""

    def validate_password_for_user(self, user: Any, password_field_name: str = "") -> None:
        super().validate_password_for_user(user, "new_password1")  # type: ignore[misc]


class ChangePasswordForm(NewPasswordRulesOnItsField, PasswordChangeForm):
    pass


class ChooseNewPasswordForm(NewPasswordRulesOnItsField, SetPasswordForm):
    pass
