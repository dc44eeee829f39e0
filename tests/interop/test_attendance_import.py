"""The office's import of attendance events (the exchange format with the back-office): new
events written by the register's services, the same ones unchanged, different ones listed as
conflicts and not applied; unreadable rows refused on their lines, nothing written."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campanella.audit.models import Change
from campanella.interop.models import ImportKind, ImportStatus
from campanella.interop.services import import_apply, import_preview
from campanella.register import services
from campanella.register.models import (
    Absence,
    EarlyExit,
    JustificationStatus,
    LateEntry,
)
from campanella.school.models import Closure
from tests.conftest import Cast, school_day
from tests.interop.helpers import ATTENDANCE_HEADER, csv_bytes, messages, upload, xlsx_bytes

pytestmark = pytest.mark.django_db
ATTENDANCE = ImportKind.ATTENDANCE


def event(student: Any, day: datetime.date, kind: str = "ASSENZA", **more: str) -> dict[str, str]:
    return {
        "codice_fiscale": student.codice_fiscale,
        "data": day.strftime("%d/%m/%Y"),
        "tipo": kind,
        **more,
    }


def upload_events(cast: Cast, rows: list[dict[str, str]], header: list[str] | None = None) -> Any:
    return upload(cast, csv_bytes(rows, header or ATTENDANCE_HEADER), ATTENDANCE)


def apply(cast: Cast, rows: list[dict[str, str]]) -> Any:
    batch = upload_events(cast, rows)
    return import_apply(batch_id=batch.pk, institute_id=cast.institute.pk, user=cast.office)


def days(cast: Cast) -> tuple[datetime.date, datetime.date]:
    today = school_day(cast)
    return today, school_day(cast, today - datetime.timedelta(days=1))


def sample(cast: Cast) -> list[dict[str, str]]:
    day, before = days(cast)
    return [
        event(cast.child, day),
        event(cast.other_child, day, ora_lezione="2"),
        event(cast.other_child, day, "USCITA", ora="10:30"),
        event(cast.sibling, day, "RITARDO_BREVE", ora="08:05"),
        event(
            cast.adult_student,
            before,
            "RITARDO",
            ora="08:40",
            giustificata="sì",
            giustificata_il=day.strftime("%d/%m/%Y"),
            giustificata_da="teacher",
            motivo_codice="SALUTE",
            motivo="Visita medica",
        ),
    ]


def test_new_events_are_written_by_the_register_services_with_their_justification(
    cast: Cast,
) -> None:
    day, before = days(cast)
    result = apply(cast, sample(cast))
    assert result.applied, messages(result)
    assert result.batch.summary["written"] == {
        "absences_created": 2, "early_exits_created": 1, "late_entries_created": 2,
        "justifications_created": 1,
    }  # fmt: skip
    absent = Absence.objects.get(student=cast.child)
    assert (absent.date, absent.slot, absent.recorded_by) == (day, None, cast.office)
    assert Absence.objects.get(student=cast.other_child).slot.number == 2  # type: ignore[union-attr]
    assert EarlyExit.objects.get(student=cast.other_child).time == datetime.time(10, 30)
    assert LateEntry.objects.get(student=cast.sibling).short
    late = LateEntry.objects.get(student=cast.adult_student)
    assert (late.date, late.short, late.slot.number) == (before, False, 1)
    justification = late.justification
    assert justification is not None
    assert (justification.status, justification.decided_by) == (
        JustificationStatus.ACCEPTED, cast.teacher,
    )  # fmt: skip
    assert timezone.localtime(justification.decided_at).date() == day  # type: ignore[arg-type]
    assert justification.reason == "Motivi di salute: Visita medica"
    assert justification.submitted_by == cast.office
    actors = set(Change.objects.values_list("actor_id", flat=True))
    assert actors == {cast.office.pk}


def test_the_same_file_twice_writes_nothing_the_second_time(cast: Cast) -> None:
    assert apply(cast, sample(cast)).applied
    changes = Change.objects.count()
    batch = upload_events(cast, sample(cast))
    plan = import_preview(batch=batch, user=cast.office)
    assert plan.counts()["unchanged"] == 5, [(r.line, r.action, r.details) for r in plan.rows]
    result = import_apply(batch_id=batch.pk, institute_id=cast.institute.pk, user=cast.office)
    assert result.applied
    assert result.batch.summary["written"] == {}
    assert Change.objects.count() == changes


def test_what_teachers_recorded_differently_is_a_conflict_never_applied(cast: Cast) -> None:
    day, before = days(cast)
    services.late_entry_record(
        user=cast.teacher, classroom=cast.classroom_1a, student=cast.adult_student, day=before,
        time=datetime.time(8, 50),
    )  # fmt: skip
    services.roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=[cast.other_child.pk]
    )
    services.roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=before, absent_ids=[cast.child.pk]
    )
    rows = [
        *sample(cast),  # 2-6; 3 and 4: other_child was absent all day; 6: entered at 08:50
        event(cast.child, before, giustificata="sì"),  # 7: absent, justification added
    ]
    batch = upload_events(cast, rows)
    plan = import_preview(batch=batch, user=cast.office)
    outcomes = {row.line: (row.action, row.details) for row in plan.rows}
    assert outcomes[3][0] == outcomes[4][0] == outcomes[6][0] == "conflict"
    assert outcomes[3][1] == ["nel registro l'alunno è assente per l'intera giornata"]
    assert outcomes[6][1] == ["nel registro l'alunno è entrato alle 08:50"]
    assert outcomes[7][0] == "updated"
    assert plan.ok
    result = import_apply(batch_id=batch.pk, institute_id=cast.institute.pk, user=cast.office)
    assert result.applied
    assert LateEntry.objects.get(student=cast.adult_student).time == datetime.time(8, 50)
    assert not EarlyExit.objects.exists()
    assert Absence.objects.filter(student=cast.other_child, slot__isnull=False).count() == 0
    justified = Absence.objects.get(student=cast.child, date=before).justification
    assert justified is not None and justified.status == JustificationStatus.ACCEPTED
    assert justified.decided_by == cast.office  # nobody named: the office that imported
    assert Absence.objects.filter(student=cast.child, date=day).exists()  # line 2, new


def test_a_pending_family_justification_is_a_conflict(cast: Cast) -> None:
    day, _before = days(cast)
    services.roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=[cast.child.pk]
    )
    services.justification_submit(
        user=cast.guardian, student=cast.child, kind="assenza", start=day, reason="Febbre"
    )
    plan = import_preview(
        batch=upload_events(cast, [event(cast.child, day, giustificata="sì")]), user=cast.office
    )
    assert plan.rows[0].action == "conflict"
    assert "in attesa di convalida" in plan.rows[0].details[0]
    unjustified = import_preview(
        batch=upload_events(cast, [event(cast.child, day)]), user=cast.office
    )
    assert unjustified.rows[0].action == "unchanged"


def test_bad_rows_are_refused_on_their_lines_and_nothing_is_written(cast: Cast) -> None:
    day, before = days(cast)
    Closure.objects.create(
        institute=cast.institute, start_date=before, end_date=before, description="Patrono"
    )
    future = timezone.localdate() + datetime.timedelta(days=2)
    saturday = day - datetime.timedelta(days=(day.weekday() - 5) % 7 or 7)
    rows = [
        event(cast.child, day),  # 2: fine
        event(cast.child, before),  # 3: a holiday
        {**event(cast.child, day), "codice_fiscale": "RSSMRA80A01H501U"},  # 4: unknown
        event(cast.child, future),  # 5
        event(cast.other_child, day, "PRESENZA"),  # 6
        event(cast.other_child, day, "RITARDO"),  # 7: no time
        event(cast.other_child, day, "ASSENZA", ora="09:00"),  # 8: a time on an absence
        event(cast.other_child, day, "ASSENZA", ora_lezione="9"),  # 9: no such hour
        event(cast.sibling, day, "RITARDO_BREVE", ora="08:40"),  # 10: not short
        event(cast.sibling, day, "USCITA", ora="11:00", giustificata="sì", giustificata_da="x"),
        event(cast.adult_student, day, "RITARDO", ora="08:40", giustificata="sì",
              giustificata_il=(day - datetime.timedelta(days=30)).strftime("%d/%m/%Y")),  # 12
        event(cast.child, day),  # 13: line 2 again
        event(cast.child, day, "RITARDO", ora="08:30"),  # 14: absent all day on line 2
        event(cast.other_child, day, "USCITA", ora="06:30"),  # 15: before the lessons
        event(cast.other_child, saturday),  # 16: not a school day
        event(cast.other_child, day, "ASSENZA", giustificata_da="teacher"),  # 17
    ]  # fmt: skip
    result = apply(cast, rows)
    assert not result.applied
    found = "\n".join(messages(result))
    for line, text in [
        (3, "non è un giorno di lezione"),
        (4, "nessun alunno dell'istituto ha il codice fiscale RSSMRA80A01H501U"),
        (5, "è nel futuro"),
        (6, "tipo sconosciuto «PRESENZA»"),
        (7, "indicare l'ora di entrata o di uscita"),
        (8, "per un'assenza non si indica l'ora"),
        (9, "la scuola non ha la 9ª ora di lezione"),
        (10, "scrivere RITARDO"),
        (
            11,
            "nessuna persona del personale dell'istituto ha il nome utente o il codice fiscale «x»",
        ),
        (12, "la giustificazione non può precedere il giorno dell'evento"),
        (13, "lo stesso evento compare già alla riga 2"),
        (14, "contraddice la riga 2"),
        (15, "è prima dell'inizio delle lezioni (08:00)"),
        (16, "non è un giorno di lezione"),
        (17, "indicata solo per un evento giustificato"),
    ]:
        assert any(m.startswith(f"{line}: ") and text in m for m in messages(result)), (
            line, text, found,
        )  # fmt: skip
    assert {p.line for p in result.plan.problems} == set(range(3, 18))
    assert result.plan.unknown_students == {"RSSMRA80A01H501U"}
    assert not Absence.objects.exists() and not LateEntry.objects.exists()
    assert result.batch.status == ImportStatus.INVALID


def test_the_exchange_formats_english_names_and_excel(cast: Cast) -> None:
    day, _before = days(cast)
    header = ["codice_fiscale", "date", "kind", "time", "lesson_hour", "hours", "justified",
              "justified_at", "justified_by", "reason_code", "reason_text", "certificate",
              "counts_for_limit", "waiver_code", "recorded_by", "last_modified"]  # fmt: skip
    content = xlsx_bytes(
        [
            header,
            [
                cast.sibling.codice_fiscale,
                day,
                "USCITA",
                "10:30",
                "",
                "1",
                "sì",
                day,
                "",
                "FAMILY",
                "",
                "no",
                "sì",
                "",
                "G123456X",
                day,
            ],
            [
                cast.child.codice_fiscale,
                day,
                "assenza",
                "",
                "3",
                "1",
                "no",
                "",
                "",
                "",
                "",
                "",
                "sì",
                "",
                "",
                "",
            ],
        ]
    )
    batch = upload(cast, content, ATTENDANCE)
    result = import_apply(batch_id=batch.pk, institute_id=cast.institute.pk, user=cast.office)
    assert result.applied, messages(result)
    exit_ = EarlyExit.objects.get(student=cast.sibling)
    assert exit_.time == datetime.time(10, 30)
    assert exit_.justification is not None
    assert exit_.justification.reason == "Motivi di famiglia"
    assert Absence.objects.get(student=cast.child).slot.number == 3  # type: ignore[union-attr]


def test_the_preview_page_counts_new_unchanged_conflicting_and_unknown(cast: Cast) -> None:
    day, _before = days(cast)
    services.roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=[cast.child.pk]
    )
    services.late_entry_record(
        user=cast.teacher, classroom=cast.classroom_1a, student=cast.adult_student, day=day,
        time=datetime.time(8, 50),
    )  # fmt: skip
    rows = [
        event(cast.child, day),
        event(cast.other_child, day),
        event(cast.adult_student, day, "RITARDO", ora="09:10"),
    ]
    client = cast.client_for(cast.office)
    batch = upload_events(cast, rows)
    page = client.get(reverse("interop:preview", kwargs={"pk": batch.pk})).content.decode()
    for text in (
        "1 evento nuovo", "1 evento già nel registro (invariato)",
        "1 evento in conflitto con il registro (non importato)", "0 alunni sconosciuti",
        'data-testid="rows-conflict"', "nel registro l&#x27;alunno è entrato alle 08:50",
        'data-testid="apply-form"',
    ):  # fmt: skip
        assert text in page, text
    unknown = upload_events(cast, [{**rows[0], "codice_fiscale": "RSSMRA80A01H501U"}])
    page = client.get(reverse("interop:preview", kwargs={"pk": unknown.pk})).content.decode()
    assert "1 alunno sconosciuto" in page
    assert 'data-testid="apply-form"' not in page
    applied = client.post(reverse("interop:apply", kwargs={"pk": batch.pk}), follow=True)
    result = applied.content.decode()
    assert "Assenze registrate" in result
    assert "1 riga in conflitto con il registro, non importata" in result


def test_apply_queries_grow_by_a_bounded_number_per_row(cast: Cast) -> None:
    """Each row is written by the register's services (with history): a few queries per row,
    whatever the register already holds."""
    counts = []
    day, _before = days(cast)
    for size in (3, 6):
        rows = []
        for n in range(size):
            when = school_day(cast, day - datetime.timedelta(days=7 * (size + n)))
            rows.append(event(cast.adult_student, when, "RITARDO", ora="08:40", giustificata="sì"))
        batch = upload_events(cast, rows)
        with CaptureQueriesContext(connection) as queries:
            result = import_apply(
                batch_id=batch.pk, institute_id=cast.institute.pk, user=cast.office
            )
        assert result.applied, messages(result)
        counts.append(len(queries))
    per_row = (counts[1] - counts[0]) / 3
    assert per_row <= 35, counts  # 34 today: entry, justification submitted and accepted (guarded)
    assert counts[0] - 3 * per_row <= 40, counts
