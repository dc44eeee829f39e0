"""API: tokens and "who am I"."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer

from campanella.accounts.login import LoginRefused
from campanella.accounts.services import api_token_login, api_token_revoke, api_token_user
from campanella.lib.api_errors import ErrorOut, error_body
from campanella.lib.api_lists import json_body, json_reply
from campanella.lib.api_types import Text
from campanella.people.roles import roles_for_user
from campanella.people.selectors import own_students


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


bearer = BearerToken()
router = Router(tags=["accesso"])


class TokenIn(Schema):
    username: Text = Field(max_length=254, description="nome utente o e-mail collegata")
    password: Text = Field(max_length=4096)
    otp: Text = Field("", max_length=16, description="codice della verifica in due passaggi")


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_at: str


class ClassroomRef(Schema):
    id: int
    name: str
    school: str
    school_year: str


class StudentRef(Schema):
    id: int
    surname: str
    name: str
    is_adult: bool
    classroom: ClassroomRef | None


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[str]
    students: list[StudentRef]


@router.post(
    "/auth/token",
    auth=None,
    response={
        200: TokenOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
    },
    summary="Ottieni un token di accesso",
    description=(
        "Scambia nome utente (o e-mail collegata) e password con un token Bearer valido 30 "
        "giorni. Con la verifica in due passaggi attiva serve anche `otp`. Errori: 401 "
        "`invalid_credentials` o `otp_required`, 403 `password_change_required` (password "
        "temporanea) o `access_ended` (password giusta, ma l'accesso è terminato), 429 `locked` "
        "(troppi tentativi)."
    ),
)
def token_create(request: HttpRequest, payload: TokenIn) -> Status[Any]:
    try:
        token, raw = api_token_login(
            request=request, username=payload.username, password=payload.password, otp=payload.otp
        )
    except LoginRefused as refused:
        status = REFUSAL_STATUS.get(refused.code, 401)
        return Status(status, error_body(refused.code, refused.message))
    return Status(200, TokenOut(token=raw, expires_at=token.expires_at.isoformat()))


REFUSAL_STATUS = {"locked": 429, "password_change_required": 403, "access_ended": 403}


@router.delete(
    "/auth/token",
    auth=bearer,
    response={204: None, 401: ErrorOut},
    summary="Revoca il token usato per questa richiesta",
)
def token_delete(request: HttpRequest) -> Status[None]:
    raw = request.headers.get("Authorization", "").partition(" ")[2].strip()
    api_token_revoke(raw_token=raw)
    return Status(204, None)


def display_name(user: Any) -> str:
    roles = roles_for_user(user)
    person = roles.staff or roles.student
    if person is not None:
        return person.full_name
    full = f"{user.last_name} {user.first_name}".strip()
    return full or str(user.username)


@router.get(
    "/me",
    auth=bearer,
    response={200: MeOut, 401: ErrorOut},
    summary="Chi sono: persona, ruoli e alunni visibili",
    description=(
        "Elenca gli alunni della famiglia (i figli collegati a questo accesso, o lo studente "
        "stesso). Il personale trova gli alunni delle proprie classi in /classrooms."
    ),
)
def me(request: HttpRequest) -> HttpResponse:
    user = request.user
    roles = roles_for_user(user)
    students = []
    for student in own_students(user):
        enrollment = next(iter(student.active_enrollments), None)  # type: ignore[attr-defined]
        classroom = None
        if enrollment is not None:
            classroom = {
                "id": enrollment.classroom.pk,
                "name": enrollment.classroom.name,
                "school": enrollment.classroom.school.name,
                "school_year": enrollment.school_year.name,
            }
        students.append(
            {
                "id": student.pk,
                "surname": student.surname,
                "name": student.name,
                "is_adult": student.is_adult,
                "classroom": classroom,
            }
        )
    # MeOut in plain values (lib.api_lists): no schema object per child.
    body = {
        "username": user.username,
        "display_name": display_name(user),
        "roles": roles.codes,
        "students": students,
    }
    return json_reply(json_body(body))
