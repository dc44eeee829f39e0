"""What the cross-cutting layers add to every operation of the OpenAPI document.

The routers describe their own answers; the rate limit (api.throttle) and the conditional
GETs (api.conditional) answer on every operation, so their statuses, headers and the list of
error codes are written here, once, for all of them.
"""

from __future__ import annotations

from typing import Any

from campanella.lib.api_errors import ERROR_CODES

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}

CACHING = (
    "\n\n**Richieste condizionate.** Ogni GET che risponde 200 porta `ETag` (forte, diverso "
    "per ogni accesso) e `Cache-Control: private, no-cache`. Rimandando l'ETag in "
    '`If-None-Match` (uno o più ETag tra virgolette separati da virgole, anche `W/"…"`, '
    "oppure `*`) la risposta è 304 senza corpo se nulla è cambiato. Un `If-None-Match` "
    "malformato risponde 400 `intestazione_non_valida`. I file scaricati in streaming non "
    "hanno ETag."
    "\n\n**Limiti di frequenza.** Ogni token ha un numero massimo di richieste per finestra "
    "di tempo (le richieste senza token, cioè l'accesso, per indirizzo). Oltre il limite la "
    "risposta è 429 `troppe_richieste` con `Retry-After` (secondi all'inizio della finestra "
    "successiva); ogni risposta porta `RateLimit-Limit`, `RateLimit-Remaining` e "
    "`RateLimit-Reset`."
)

RATE_HEADERS = {
    "RateLimit-Limit": {
        "description": "richieste consentite nella finestra",
        "schema": {"type": "integer"},
    },
    "RateLimit-Remaining": {
        "description": "richieste ancora consentite nella finestra",
        "schema": {"type": "integer"},
    },
    "RateLimit-Reset": {
        "description": "secondi alla fine della finestra",
        "schema": {"type": "integer"},
    },
}
ETAG_HEADER = {"ETag": {"description": "ETag forte della risposta", "schema": {"type": "string"}}}


def error_codes_text() -> str:
    lines = ["\n\n**Codici di errore** (`code` di `ErrorOut`, stabili):"]
    for area, codes in ERROR_CODES.items():
        lines.append(f"- {area}: " + ", ".join(f"`{code}`" for code in codes))
    return "\n".join(lines)


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": ERROR_REF}},
    }
    if headers:
        response["headers"] = headers
    return response


def _add(responses: dict[Any, Any], status: int, response: dict[str, Any]) -> None:
    """Add `status` unless the router documented it (ninja's keys are ints, JSON's strings)."""
    if not any(str(key) == str(status) for key in responses):
        responses[status] = response


def _response(responses: dict[Any, Any], status: int) -> dict[str, Any]:
    return next(value for key, value in responses.items() if str(key) == str(status))


def complete_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the 429 to every operation, the 304/400 and ETag to every GET, and the codes."""
    schema["info"]["description"] = (
        schema["info"].get("description", "") + CACHING + error_codes_text()
    )
    retry = {
        "Retry-After": {
            "description": "secondi da attendere prima di riprovare",
            "schema": {"type": "integer"},
        },
        **RATE_HEADERS,
    }
    for operations in schema["paths"].values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            _add(responses, 429, _error("Troppe richieste (`troppe_richieste`)", retry))
            _response(responses, 429).setdefault("headers", {}).update(retry)
            if method != "get":
                continue
            _add(
                responses,
                304,
                {
                    "description": "Non modificato: l'ETag di If-None-Match è ancora valido",
                    "headers": ETAG_HEADER,
                },
            )
            _add(responses, 400, _error("Richiesta non valida (es. `intestazione_non_valida`)"))
            if any(str(key) == "200" for key in responses):
                _response(responses, 200).setdefault("headers", {}).update(ETAG_HEADER)
    return schema
