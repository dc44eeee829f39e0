"""The error body every API answer with a 4xx status has (shared by all app routers)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorOut(BaseModel):
    """A stable `code` for programs, a `message` in Italian for people, optional details."""

    code: str = Field(description="codice stabile, es. not_found, invalid_input")
    message: str = Field(description="spiegazione in italiano")
    errors: list[dict[str, Any]] = Field(default_factory=list, description="dettagli per campo")


def error_body(code: str, message: str, errors: list[dict[str, Any]] | None = None) -> ErrorOut:
    return ErrorOut(code=code, message=message, errors=errors or [])


# What a write can answer besides refusing its input: 409 when the state of things forbids it
# (`already_changed`: the record changed meanwhile; `giorno_chiuso`: the day is closed by a
# locked term-end evaluation). Nothing was written.
CONFLICT: dict[int, type[ErrorOut]] = {409: ErrorOut}
