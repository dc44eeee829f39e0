"""Start the real OpenID provider of tests/oidc/provider.mjs and sign in on its login form.

`running_provider(clients)` starts Node with the clients given (oidc-provider's client metadata)
on a free port and stops it after; `sign_in` plays a browser on the provider's pages (follows
its redirects, fills its login form) until it sends back to the relying party."""

from __future__ import annotations

import json
import re
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import RSAKey

from campanella.lib.italian import codice_fiscale_check_char

SCRIPT = Path(__file__).with_name("provider.mjs")
ROOT = SCRIPT.parents[2]
SECRET = "segreto-del-client-di-prova"
OTHER_SECRET = "segreto-di-un-altro-client"


def a_codice_fiscale(first_fifteen: str) -> str:
    return first_fifteen + codice_fiscale_check_char(first_fifteen)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def new_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_jwk(pem: str) -> dict[str, Any]:
    return dict(RSAKey.import_key(pem).as_dict(private=False))


def client(
    client_id: str, redirect_uris: list[str], logout_uris: list[str], **more: Any
) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "redirect_uris": redirect_uris,
        "post_logout_redirect_uris": logout_uris,
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        **more,
    }


@dataclass(frozen=True)
class RunningProvider:
    issuer: str
    private_key_pem: str  # of the private_key_jwt client "chiave"


@contextmanager
def running_provider(base_urls: list[str]) -> Iterator[RunningProvider]:
    """A provider with three clients for Campanella at `base_urls`: "campanella" (secret),
    "altro" (another client of the same provider) and "chiave" (private_key_jwt)."""
    callbacks = [f"{base}/accedi/spid/ritorno/" for base in base_urls]
    logins = [f"{base}/accedi/" for base in base_urls]
    pem = new_private_key_pem()
    port = free_port()
    config = {
        "port": port,
        "clients": [
            client("campanella", callbacks, logins, client_secret=SECRET),
            client("altro", callbacks, logins, client_secret=OTHER_SECRET),
            client(
                "chiave",
                callbacks,
                logins,
                token_endpoint_auth_method="private_key_jwt",
                token_endpoint_auth_signing_alg="RS256",
                jwks={"keys": [public_jwk(pem)]},
            ),
        ],
    }
    process = subprocess.Popen(  # noqa: S603 - our own script
        ["node", str(SCRIPT), json.dumps(config)],  # noqa: S607 - node from PATH, as ./dev uses
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("READY "):
            raise RuntimeError(f"il provider OpenID non è partito: {line!r}")
        yield RunningProvider(issuer=line.split()[1], private_key_pem=pem)
    finally:
        process.terminate()
        process.wait(timeout=10)


FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


def sign_in(authorize_url: str, login: str, back_to: str) -> str:
    """The address the provider sends the browser back to (starting with `back_to`) after
    signing in as `login` (a codice fiscale)."""
    browser = requests.Session()
    url = authorize_url
    for _step in range(10):
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            if url.startswith(back_to):
                return url
            continue
        match = FORM_ACTION.search(response.text)
        assert match, f"nessun modulo di accesso: {response.status_code} {response.text[:300]}"
        posted = browser.post(
            urljoin(url, match.group(1)),
            data={"prompt": "login", "login": login, "password": "qualsiasi"},
            allow_redirects=False,
            timeout=10,
        )
        assert posted.is_redirect, posted.text[:300]
        url = urljoin(url, posted.headers["Location"])
    raise AssertionError("il provider non ha rimandato al registro")
