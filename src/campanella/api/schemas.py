"""Schemas shared by every API router."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    """Every 4xx answer has this body: a stable code for programs, a message for people."""

    code: str
    message: str
    errors: list[dict[str, Any]] = []


def error_body(code: str, message: str, errors: list[dict[str, Any]] | None = None) -> ErrorOut:
    return ErrorOut(code=code, message=message, errors=errors or [])
