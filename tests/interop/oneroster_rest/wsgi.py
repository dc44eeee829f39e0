"""An HTTP transport for the OneRoster consumer that speaks WSGI to the Django application in
this process: raw request headers and bytes in, status, headers and bytes out (what a server
would put on the wire), inside the test's database transaction."""

from __future__ import annotations

import io
import urllib.parse
import wsgiref.util
from functools import cache
from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections


@cache
def _application() -> WSGIHandler:
    return WSGIHandler()


def wsgi_transport(method: str, url: str, headers: dict[str, str], body: bytes | None
                   ) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    parts = urllib.parse.urlsplit(url)
    payload = body or b""
    environ: dict[str, Any] = {}
    wsgiref.util.setup_testing_defaults(environ)
    environ.update({
        "REQUEST_METHOD": method,
        "PATH_INFO": urllib.parse.unquote(parts.path, encoding="latin-1"),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": parts.hostname or "testserver",
        "HTTP_HOST": parts.netloc,
        "REMOTE_ADDR": "192.0.2.10",
        "wsgi.url_scheme": parts.scheme,
        "SERVER_PORT": "443" if parts.scheme == "https" else "80",
        "wsgi.input": io.BytesIO(payload),
        "CONTENT_LENGTH": str(len(payload)),
    })  # fmt: skip
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    answered: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]],
                       exc_info: Any = None) -> None:  # fmt: skip
        answered["status"] = int(status.split()[0])
        answered["headers"] = dict(response_headers)

    # As Django's test client does: the request must not close the test's connection (and with
    # it the transaction the test's data lives in).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        chunks = _application()(environ, start_response)
        try:
            content = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answered["status"], answered["headers"], content
