"""The API's input errors speak Italian (pydantic's own messages are English).

Each error keeps pydantic's stable `type` for programs and gets an Italian `message` for people.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

import pytest
from django.test import Client
from pydantic import BaseModel, Field, ValidationError

from campanella.grades.models import Grade
from campanella.lib.api_types import Text
from campanella.lib.validation_messages import GENERIC, MESSAGES, italian_message
from tests.api.test_api import bearer
from tests.conftest import Cast
from tests.test_no_english import english_in


class Everything(BaseModel):
    """A field of each kind the API's schemas use, with the constraints they use."""

    number: int
    ratio: float
    amount: Decimal = Field(max_digits=4, decimal_places=2)
    flag: bool
    day: datetime.date
    moment: datetime.datetime
    hour: datetime.time
    short: str = Field(max_length=3)
    positive: int = Field(gt=0)
    at_most: int = Field(le=10)
    choice: Literal["scritto", "orale"]
    items: list[int] = Field(max_length=2)
    text: Text


BAD = {
    "number": "tre",
    "ratio": "mezzo",
    "amount": "12.345",
    "flag": "forse",
    "day": "2026-13-40",
    "moment": "ieri",
    "hour": "25:99",
    "short": "troppo lungo",
    "positive": 0,
    "at_most": 11,
    "choice": "pratico",
    "items": [1, 2, 3],
    "text": "a\x00b",
}


def errors_of(payload: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as raised:
        Everything.model_validate(payload)
    return list(raised.value.errors())


def test_every_error_of_every_field_kind_has_its_italian_message() -> None:
    errors = errors_of(BAD)
    assert {error["loc"][0] for error in errors} == set(BAD)
    for error in errors:
        message = italian_message(error)
        assert message != error["msg"], error
        assert english_in(message) == [], (error, message)
        # Our own validators' messages pass through; every other type is listed, not generic.
        assert error["type"] == "value_error" or error["type"] in MESSAGES, error
    by_field = {error["loc"][0]: italian_message(error) for error in errors}
    assert by_field["short"] == "Il testo può avere al massimo 3 caratteri."
    assert by_field["positive"] == "Il valore deve essere maggiore di 0."
    assert by_field["at_most"] == "Il valore può essere al massimo 10."
    assert by_field["choice"] == "Valore non ammesso: i valori possibili sono 'scritto' o 'orale'."
    assert by_field["amount"] == "Il numero può avere al massimo 4 cifre."
    assert by_field["text"] == "il testo contiene un carattere nullo"


def test_a_missing_field_and_an_unknown_type_are_italian_too() -> None:
    missing = [e for e in errors_of({}) if e["loc"] == ("number",)]
    assert italian_message(missing[0]) == "Campo obbligatorio."
    unknown = {"type": "a_type_pydantic_adds_later", "msg": "Input should be nice", "ctx": {}}
    assert italian_message(unknown) == GENERIC


def test_the_api_answers_a_bad_body_in_italian_and_writes_nothing(cast: Cast) -> None:
    client = Client(**bearer(cast.teacher))
    path = f"/api/v1/classrooms/{cast.classroom_1a.pk}/subjects/{cast.maths.pk}/grades"
    before = Grade.objects.count()
    body = {
        "student_id": cast.child.pk,
        "date": "2026-02-30",
        "kind": "scritto",
        "grade": "7",
        "weight": "pesante",
        "counts_in_average": "forse",
    }
    response = client.post(path, body, content_type="application/json")
    assert response.status_code == 422
    errors = {error["loc"][-1]: error for error in response.json()["errors"]}
    assert set(errors) == {"date", "weight", "counts_in_average"}
    assert errors["weight"]["type"] == "decimal_parsing"
    assert errors["weight"]["message"] == "Il valore deve essere un numero."
    for error in errors.values():
        assert english_in(error["message"]) == [], error
    assert Grade.objects.count() == before
