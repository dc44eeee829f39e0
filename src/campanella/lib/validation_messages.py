"""Italian messages for the API's input errors (pydantic's own are in English).

A program reads the stable `type` of each error; a person reads `message`, which must be Italian
like every other string Campanella shows. Pydantic's English `msg` is never passed on: an error
type not listed here gets a generic Italian message (a test lists the types the API can meet).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Error type → message; `{name}` fields come from the error's `ctx`.
MESSAGES: dict[str, str] = {
    "missing": "Campo obbligatorio.",
    "missing_argument": "Campo obbligatorio.",
    "extra_forbidden": "Campo non previsto.",
    "json_invalid": "Il corpo della richiesta non è un JSON valido.",
    "json_type": "Il valore deve essere un JSON valido.",
    "string_type": "Il valore deve essere un testo.",
    "string_too_short": "Il testo deve avere almeno {min_length} caratteri.",
    "string_too_long": "Il testo può avere al massimo {max_length} caratteri.",
    "string_pattern_mismatch": "Il testo non ha il formato richiesto.",
    "int_type": "Il valore deve essere un numero intero.",
    "int_parsing": "Il valore deve essere un numero intero.",
    "int_from_float": "Il valore deve essere un numero intero, senza decimali.",
    "int_parsing_size": "Il numero è troppo grande.",
    "float_type": "Il valore deve essere un numero.",
    "float_parsing": "Il valore deve essere un numero.",
    "decimal_type": "Il valore deve essere un numero.",
    "decimal_parsing": "Il valore deve essere un numero.",
    "decimal_max_digits": "Il numero può avere al massimo {max_digits} cifre.",
    "decimal_max_places": "Il numero può avere al massimo {decimal_places} decimali.",
    "decimal_whole_digits": "Il numero ha troppe cifre prima della virgola.",
    "finite_number": "Il numero deve essere finito.",
    "bool_type": "Il valore deve essere true o false.",
    "bool_parsing": "Il valore deve essere true o false.",
    "date_type": "Il valore deve essere una data (AAAA-MM-GG).",
    "date_parsing": "Il valore deve essere una data (AAAA-MM-GG).",
    "date_from_datetime_parsing": "Il valore deve essere una data (AAAA-MM-GG).",
    "date_from_datetime_inexact": "Il valore deve essere una data senza ora (AAAA-MM-GG).",
    "datetime_type": "Il valore deve essere una data con ora (AAAA-MM-GGThh:mm).",
    "datetime_parsing": "Il valore deve essere una data con ora (AAAA-MM-GGThh:mm).",
    "datetime_from_date_parsing": "Il valore deve essere una data con ora (AAAA-MM-GGThh:mm).",
    "time_type": "Il valore deve essere un orario (hh:mm).",
    "time_parsing": "Il valore deve essere un orario (hh:mm).",
    "timezone_aware": "La data con ora deve indicare il fuso orario.",
    "greater_than": "Il valore deve essere maggiore di {gt}.",
    "greater_than_equal": "Il valore deve essere almeno {ge}.",
    "less_than": "Il valore deve essere minore di {lt}.",
    "less_than_equal": "Il valore può essere al massimo {le}.",
    "multiple_of": "Il valore deve essere un multiplo di {multiple_of}.",
    "literal_error": "Valore non ammesso: i valori possibili sono {expected}.",
    "enum": "Valore non ammesso: i valori possibili sono {expected}.",
    "list_type": "Il valore deve essere un elenco.",
    "tuple_type": "Il valore deve essere un elenco.",
    "set_type": "Il valore deve essere un elenco senza ripetizioni.",
    "too_short": "L'elenco deve avere almeno {min_length} elementi.",
    "too_long": "L'elenco può avere al massimo {max_length} elementi.",
    "dict_type": "Il valore deve essere un oggetto JSON.",
    "model_type": "Il valore deve essere un oggetto JSON.",
    "model_attributes_type": "Il valore deve essere un oggetto JSON.",
    "uuid_type": "Il valore deve essere un identificativo UUID.",
    "uuid_parsing": "Il valore deve essere un identificativo UUID.",
    "url_type": "Il valore deve essere un indirizzo web.",
    "url_parsing": "Il valore deve essere un indirizzo web.",
    "url_scheme": "L'indirizzo web deve iniziare con {expected_schemes}.",
    "value_error": "Valore non valido.",
    "assertion_error": "Valore non valido.",
}
GENERIC = "Valore non valido."
# Pydantic's own words put before a message a validator of ours raised (`ValueError("…")`).
OWN_MESSAGE_PREFIXES = ("Value error, ", "Assertion failed, ")


def _expected(value: Any) -> str:
    # Pydantic writes the choices as "'a', 'b' or 'c'": the same list, in Italian.
    return str(value).replace(" or ", " o ")


def italian_message(error: Mapping[str, Any]) -> str:
    """The Italian message of one pydantic error (`type`, `msg`, `ctx` as `errors()` gives)."""
    kind = str(error.get("type", ""))
    message = str(error.get("msg", ""))
    if kind in {"value_error", "assertion_error"}:
        for prefix in OWN_MESSAGE_PREFIXES:
            if message.startswith(prefix):
                return message.removeprefix(prefix)  # our validators write Italian already
    template = MESSAGES.get(kind)
    if template is None:
        return GENERIC
    context = {key: _expected(value) for key, value in (error.get("ctx") or {}).items()}
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return GENERIC
