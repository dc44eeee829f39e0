"""The JSON API at /api/v1/: each app owns its router; this module only assembles them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.security import HttpBearer

from campanella.accounts.api import bearer
from campanella.accounts.api import router as accounts_router
from campanella.accounts.security import client_ip
from campanella.api.openapi import complete_schema
from campanella.audit.concurrency import AlreadyChanged
from campanella.classdocs.api import router as classdocs_router
from campanella.comms.api import router as comms_router
from campanella.evaluation.api import router as evaluation_router
from campanella.grades.api import router as grades_router
from campanella.grades.api_corrections import router as grade_corrections_router
from campanella.grades.services import GradeInputError
from campanella.grades.services import NotAllowed as GradeNotAllowed
from campanella.interop.api import router as interop_router
from campanella.interop.keys import api_key_for
from campanella.interop.models import ApiKey
from campanella.interop.oneroster.api import router as oneroster_router
from campanella.interop.oneroster.importing_api import router as oneroster_import_router
from campanella.lib.api_errors import ErrorOut, error_body
from campanella.lib.api_lists import PAGING_NOTE
from campanella.lib.validation_messages import italian_message
from campanella.people.api import router as people_router
from campanella.register.api import router as register_router
from campanella.register.api_corrections import router as register_corrections_router
from campanella.register.api_history import router as register_history_router
from campanella.register.services import NotAllowed, RegisterError
from campanella.reportcards.api import router as reportcards_router
from campanella.school.guard import DayClosed


class MachineKey(HttpBearer):
    """The back-office's API key (interop.keys): only the exchange's router accepts it."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        return api_key_for(token, address=client_ip(request))


machine_key = MachineKey()


class CampanellaApi(NinjaAPI):
    """The API whose document also describes the layers every operation passes through.

    The document depends on the code only: built once per process and path prefix (it is
    served without a rate limit, api.throttle)."""

    _documents: dict[str | None, OpenAPISchema]

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        documents = self.__dict__.setdefault("_documents", {})
        if path_params or path_prefix not in documents:
            schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
            complete_schema(schema)
            if path_params:
                return schema
            documents[path_prefix] = schema
        return documents[path_prefix]


api = CampanellaApi(
    title="Campanella API",
    version="1",
    description=(
        "API del registro elettronico Campanella. Autenticazione: `POST /api/v1/auth/token` "
        "con nome utente e password, poi `Authorization: Bearer <token>`. Ogni errore 4xx ha "
        "il corpo `ErrorOut` (`code`, `message`, `errors`; in `errors` ogni campo rifiutato "
        "ha `loc`, il `type` stabile di pydantic e il `message` in italiano). Un oggetto che "
        "non si può vedere risponde 404 come uno inesistente. Un identificativo fuori "
        "intervallo (oltre 2^63 − 1) "
        "o un dato che lo schema non descrive (data non AAAA-MM-GG, booleano non true/false) "
        "risponde 422 `invalid_input`; un corpo che non è JSON, 400 `invalid_json`. Una scrittura "
        "su un giorno chiuso da uno scrutinio bloccato risponde 409 `giorno_chiuso` e non "
        "scrive nulla. " + PAGING_NOTE
    ),
    urls_namespace="api-v1",
    auth=bearer,
)


def _reply(request: HttpRequest, status: int, body: ErrorOut) -> HttpResponse:
    return api.create_response(request, body.model_dump(), status=status)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    message = "Accesso richiesto: inviare un token valido in Authorization: Bearer."
    return _reply(request, 401, error_body("not_authenticated", message))


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: list[dict[str, Any]] = [
        {
            "loc": [str(part) for part in error.get("loc", [])],
            "type": str(error.get("type", "")),
            "message": italian_message(error),
        }
        for error in exc.errors
    ]
    return _reply(request, 422, error_body("invalid_input", "Dati non validi.", errors))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _reply(request, 404, error_body("not_found", "Risorsa non trovata."))


# Ninja's own 400 when a body is not JSON (ninja/params/models.py; the version is pinned).
UNPARSABLE_BODY = "Cannot parse request body"


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and str(exc).startswith(UNPARSABLE_BODY):
        message = "Il corpo della richiesta non è un JSON valido."
        return _reply(request, 400, error_body("invalid_json", message))
    return _reply(request, exc.status_code, error_body("error", str(exc)))


@api.exception_handler(TooManyFilesSent)
def on_too_many_files(request: HttpRequest, exc: Exception) -> HttpResponse:
    # More parts with a file than Django reads (DATA_UPLOAD_MAX_NUMBER_FILES): nothing read.
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
    message = f"La richiesta contiene troppi file: al massimo {limit}."
    return _reply(request, 400, error_body("troppi_file", message))


@api.exception_handler(RequestDataTooBig)
def on_body_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A body (not its files) over DATA_UPLOAD_MAX_MEMORY_SIZE: Django refuses to read it.
    limit_kib = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
    message = f"Il corpo della richiesta è troppo grande: al massimo {limit_kib} KiB."
    return _reply(request, 400, error_body("richiesta_troppo_grande", message))


@api.exception_handler(AlreadyChanged)
def on_already_changed(request: HttpRequest, exc: AlreadyChanged) -> HttpResponse:
    # Someone else changed the record after this request read it: nothing was written.
    return _reply(request, 409, error_body(exc.code, exc.message))


@api.exception_handler(DayClosed)
def on_day_closed(request: HttpRequest, exc: DayClosed) -> HttpResponse:
    # A day closed by a locked term-end evaluation (school.guard): nothing was written.
    return _reply(request, 409, error_body(exc.code or "giorno_chiuso", exc.message))


@api.exception_handler(IntegrityError)
def on_conflict(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A record changed under this request (e.g. two devices at once): safe to retry.
    message = "La registrazione è stata modificata nel frattempo: riprovare."
    return _reply(request, 409, error_body("conflict", message))


@api.exception_handler(GradeNotAllowed)
def on_grade_not_allowed(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _reply(request, 404, error_body("not_found", "Risorsa non trovata."))


@api.exception_handler(GradeInputError)
def on_grade_error(request: HttpRequest, exc: GradeInputError) -> HttpResponse:
    return _reply(request, 400, error_body("grade_error", " ".join(exc.messages)))


@api.exception_handler(NotAllowed)
def on_not_allowed(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _reply(request, 404, error_body("not_found", "Risorsa non trovata."))


@api.exception_handler(RegisterError)
def on_register_error(request: HttpRequest, exc: RegisterError) -> HttpResponse:
    message = " ".join(exc.messages)
    return _reply(request, 400, error_body("register_error", message))


api.add_router("/", accounts_router)
api.add_router("/", people_router)
api.add_router("/", register_router)
api.add_router("/", register_corrections_router)
api.add_router("/", register_history_router)
api.add_router("/", grades_router)
api.add_router("/", grade_corrections_router)
api.add_router("/", evaluation_router)
api.add_router("/", reportcards_router)
api.add_router("/", interop_router, auth=[machine_key, bearer])
api.add_router("/", oneroster_router, auth=[machine_key, bearer])
api.add_router("/", oneroster_import_router, auth=[machine_key, bearer])
api.add_router("/", classdocs_router)
api.add_router("/", comms_router)
