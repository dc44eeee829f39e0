"""The office's form for a gateway."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from campanella.accounts.models import ClientAuthMethod, IdentityGateway
from campanella.accounts.oidc.gateways import is_acceptable_issuer, is_private_key


class GatewayForm(forms.ModelForm):
    issuer = forms.URLField(
        label=_("Indirizzo dell'emittente (issuer)"),
        max_length=300,
        assume_scheme="https",
        help_text=_("La configurazione si legge da /.well-known/openid-configuration."),
    )
    client_secret = forms.CharField(
        label=_("Segreto del client"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_("Non viene mai mostrato. Lascialo vuoto per tenere quello salvato."),
    )
    private_key = forms.CharField(
        label=_("Chiave privata (PEM)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "Solo per private_key_jwt. Vuota: si tiene quella salvata, o se ne genera una nuova."
        ),
    )

    class Meta:
        model = IdentityGateway
        fields = [
            "kind", "name", "issuer", "client_id", "client_auth", "scopes",
            "fiscal_number_claim", "allow_guardians", "allow_staff", "students_from_age",
            "enabled",
        ]  # fmt: skip

    def clean_issuer(self) -> str:
        issuer = str(self.cleaned_data["issuer"]).rstrip("/")
        if not is_acceptable_issuer(issuer):
            raise forms.ValidationError(_("L'indirizzo deve iniziare con https://."))
        return issuer

    def clean_scopes(self) -> str:
        scopes = " ".join(str(self.cleaned_data["scopes"]).split())
        if "openid" not in scopes.split():
            raise forms.ValidationError(_("Gli ambiti devono comprendere «openid»."))
        return scopes

    def clean_students_from_age(self) -> int | None:
        age = self.cleaned_data.get("students_from_age")
        if age is not None and not 10 <= age <= 30:
            raise forms.ValidationError(_("Indica un'età tra 10 e 30 anni, o lascia vuoto."))
        return age

    def clean_private_key(self) -> str:
        pem = str(self.cleaned_data.get("private_key") or "").strip()
        if pem and not is_private_key(pem):
            raise forms.ValidationError(_("Non è una chiave privata RSA in formato PEM."))
        return pem

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        method = data.get("client_auth")
        has_secret = bool(data.get("client_secret")) or bool(
            self.instance.pk and self.instance.client_secret_encrypted
        )
        if method in {ClientAuthMethod.SECRET_BASIC, ClientAuthMethod.SECRET_POST} and not (
            has_secret
        ):
            self.add_error("client_secret", _("Indica il segreto del client."))
        return data
