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


# Every `code` an ErrorOut of the API can carry, by area (listed in the OpenAPI description;
# tests/api/test_error_codes.py reads the handlers and fails on a code missing here). A code
# ending in `*` is a family: `mark_*` is `mark_` followed by the reason the mark was refused.
ERROR_CODES: dict[str, tuple[str, ...]] = {
    "Generali": (
        "not_authenticated", "not_found", "invalid_input", "invalid_json", "error",
        "conflict", "already_changed", "giorno_chiuso", "intestazione_non_valida",
        "troppe_richieste", "metodo_non_consentito", "troppi_file",
        "richiesta_troppo_grande",
    ),
    "Accesso": (
        "invalid_credentials", "otp_required", "password_change_required", "access_ended",
        "locked",
    ),
    "Registro e voti": ("register_error", "grade_error"),
    "Scrutini": (
        "against_not_member", "behaviour_invalid", "behaviour_not_judgement",
        "date_out_of_range", "document_data", "ends_before_start", "exam_not_here",
        "gaps_missing", "gaps_too_long", "invalid_session", "judgement_invalid", "mark_*",
        "mark_invalid", "mark_not_half", "member_twice", "member_unknown",
        "minutes_number_missing", "no_attendance_limit", "not_allowed", "not_locked",
        "nothing_to_read", "outcome_in_intermediate", "outcome_unknown", "proposal_missing",
        "reason_required", "reason_too_long", "recovery_mode_invalid", "session_locked",
        "session_not_readable", "session_times_missing", "step_blocked", "step_closed",
        "step_order", "student_unknown", "term_mismatch", "too_long", "wrong_step",
    ),
    "Pagelle e pagellini": (
        "classroom_outside", "entries_invalid", "entries_missing", "no_classroom",
        "no_locked_session", "no_session", "not_published", "note_too_long", "round_published",
        "session_not_locked", "title_missing", "title_too_long",
    ),
    "Documenti di classe": (
        "already_published", "deadline_outside_year", "empty_file", "no_file",
        "nothing_missing", "only_final_year", "too_big", "unknown_kind", "broken_pdf", "not_pdf",
    ),
    "Comunicazioni": (
        "adesione_non_richiesta", "comunicazione_annullata", "conferma_non_richiesta",
        "destinatari_mancanti", "gia_annullata", "motivo_mancante", "motivo_troppo_lungo",
        "non_pubblicata", "note_troppo_lunghe", "promemoria_recente", "scadenza_non_valida",
        "termine_mancante", "termine_non_valido", "termine_scaduto",
    ),
    "Messaggi": (
        "destinatario_non_raggiungibile", "fuori_orario", "oggetto_mancante",
        "oggetto_troppo_lungo", "orario_non_valido", "testo_mancante", "testo_troppo_lungo",
        "troppi_allegati",
    ),
    "Colloqui": (
        "already_booked", "already_cancelled", "closed_day", "invalid_capacity", "invalid_day",
        "invalid_duration", "invalid_mode", "invalid_period", "invalid_times",
        "invalid_weekday", "invalid_window", "link_missing", "no_school_year", "place_missing",
        "slot_cancelled", "slot_full", "slot_past", "teachers_missing", "too_many_slots",
        "window_closed", "window_not_open",
    ),
    "Materiale didattico": (
        "cartella_non_condivisibile", "classi_mancanti", "collegamento_non_valido",
        "descrizione_lunga", "file_mancante", "spostamento_non_valido", "tipo_sconosciuto",
        "titolo_lungo", "titolo_mancante", "troppo_annidato", "file_vuoto",
        "file_troppo_grande", "tipo_non_ammesso",
    ),
    "Notifiche": (
        "chiavi_non_valide", "endpoint_non_valido", "ritardo_non_valido", "silenzio_vuoto",
    ),
    "Scambio dati con il gestionale": (
        "file_problems", "file_too_big", "missing", "range_reversed", "range_too_long",
        "school_unknown", "school_year_unknown",
    ),
}  # fmt: skip


def is_documented_code(code: str) -> bool:
    """Whether `code` is in ERROR_CODES, directly or as a member of a `prefix*` family."""
    for codes in ERROR_CODES.values():
        for documented in codes:
            if code == documented or (
                documented.endswith("*") and code.startswith(documented[:-1])
            ):
                return True
    return False
