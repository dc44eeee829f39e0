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
