"""Finding 7 of issue 10: corrections, cancellations and decisions of register records read the
record before the write. Two at once must not both apply: the one that read a state since
changed is refused with `already_changed` (409 in the API), so there is one decision and one
cancellation, each with a true "before". And links between events and justifications, written
in bulk, keep history too.

The deterministic tests hand a service a copy read before another change (what a request read
just before another teacher's write was committed); the threaded ones make two people write at
the same moment, each with its own database connection (real row locks on PostgreSQL; on SQLite
the IMMEDIATE write transactions run one after the other)."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campanella.accounts.services import api_token_issue
from campanella.audit.concurrency import AlreadyChanged
from campanella.audit.services import history_of
from campanella.register import services
from campanella.register.models import (
    Absence,
    EarlyExit,
    Justification,
    LateEntry,
)
from campanella.register.services import (
    annotation_create,
    attendance_cancel,
    early_exit_record,
    justification_decide,
    justification_edit,
    justification_submit,
    justification_withdraw,
    late_entry_record,
    note_cancel,
    note_create,
    note_measure,
    roll_call_save,
)
from tests.conftest import Cast, build_cast, school_day


def absent(cast: Cast, day: datetime.date) -> Absence:
    roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=[cast.child.pk]
    )
    return Absence.objects.get(student=cast.child, date=day, cancelled_at__isnull=True)


def justified(cast: Cast) -> tuple[Absence, Justification]:
    day = school_day(cast)
    absence = absent(cast, day)
    justification = justification_submit(
        user=cast.guardian, student=cast.child, kind="assenza", start=day, reason="Febbre"
    )
    return absence, justification


def fresh(record: Any) -> Any:
    """The record as a second request read it, before the first one wrote."""
    return type(record).objects.get(pk=record.pk)


def actions(record: Any, action: str) -> list[Any]:
    return list(history_of(record).filter(action=action).order_by("pk"))


def announced(cast: Cast, kind: str, day: datetime.date) -> Justification:
    """A family announced the event in advance (then the day came)."""
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    justification = justification_submit(
        user=cast.guardian, student=cast.child, kind=kind, start=tomorrow, reason="Visita"
    )
    Justification.objects.filter(pk=justification.pk).update(start_date=day, end_date=day)
    return fresh(justification)


# --- deterministic: a caller that read the record before another change is refused ---------


@pytest.mark.django_db
def test_two_teachers_deciding_one_justification_the_second_is_refused(cast: Cast) -> None:
    absence, justification = justified(cast)
    seen_by_second = fresh(justification)
    justification_decide(user=cast.teacher, justification=justification, accept=True)
    with pytest.raises(AlreadyChanged) as refused:
        justification_decide(
            user=cast.coordinator, justification=seen_by_second, accept=False, note="Non valida"
        )
    assert refused.value.code == "already_changed"
    decided = fresh(justification)
    assert (decided.status, decided.decided_by) == ("accettata", cast.teacher)
    assert len(actions(justification, "update")) == 1
    assert fresh(absence).justification_id == justification.pk


@pytest.mark.django_db
def test_withdrawing_or_editing_after_a_decision_not_seen_is_refused(cast: Cast) -> None:
    _absence, justification = justified(cast)
    seen_by_family = fresh(justification)
    justification_decide(user=cast.teacher, justification=justification, accept=True)
    with pytest.raises(AlreadyChanged):
        justification_withdraw(user=cast.guardian, justification=seen_by_family)
    with pytest.raises(AlreadyChanged):
        justification_edit(user=cast.guardian, justification=seen_by_family, reason="Altro")
    assert fresh(justification).status == "accettata"
    assert actions(justification, "cancel") == []
    assert len(actions(justification, "update")) == 1


@pytest.mark.django_db
def test_cancelling_an_absence_cancelled_meanwhile_is_refused(cast: Cast) -> None:
    absence = absent(cast, school_day(cast))
    seen_by_second = fresh(absence)
    attendance_cancel(user=cast.teacher, record=absence, reason="Era presente")
    with pytest.raises(AlreadyChanged):
        attendance_cancel(user=cast.coordinator, record=seen_by_second, reason="Errore")
    assert len(actions(absence, "cancel")) == 1
    assert fresh(absence).cancel_reason == "Era presente"


@pytest.mark.django_db
def test_cancelling_a_late_entry_or_an_exit_cancelled_meanwhile_is_refused(cast: Cast) -> None:
    day = school_day(cast)
    entry = late_entry_record(
        user=cast.teacher, classroom=cast.classroom_1a, student=cast.child, day=day,
        time=datetime.time(9, 30),
    )  # fmt: skip
    exit_ = early_exit_record(
        user=cast.teacher, classroom=cast.classroom_1a, student=cast.child, day=day,
        time=datetime.time(10, 30),
    )  # fmt: skip
    for record in (entry, exit_):
        seen_by_second = fresh(record)
        attendance_cancel(user=cast.teacher, record=record, reason="Errore")
        with pytest.raises(AlreadyChanged):
            attendance_cancel(user=cast.teacher, record=seen_by_second, reason="Errore")
        assert len(actions(record, "cancel")) == 1


@pytest.mark.django_db
def test_notes_cancelled_or_measured_meanwhile_are_refused(cast: Cast) -> None:
    day = school_day(cast)
    note = note_create(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, text="Disturba",
        students=[cast.child],
    )  # fmt: skip
    annotation = annotation_create(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, text="Compiti non svolti"
    )
    for record in (note, annotation):
        seen_by_second = fresh(record)
        note_cancel(user=cast.teacher, note=record, reason="Errore")
        with pytest.raises(AlreadyChanged):
            note_cancel(user=cast.coordinator, note=seen_by_second, reason="Errore")
        assert len(actions(record, "cancel")) == 1
    other = note_create(user=cast.teacher, classroom=cast.classroom_1a, day=day, text="Ritardi")
    seen_by_second = fresh(other)
    note_measure(user=cast.principal, note=other, measure="Convocazione dei genitori")
    with pytest.raises(AlreadyChanged):
        note_measure(user=cast.principal, note=seen_by_second, measure="Sospensione")
    [measured] = actions(other, "update")
    assert measured.before["measure"] == "" and fresh(other).measure.startswith("Convocazione")


# --- bulk links between events and justifications keep history -----------------------------


@pytest.mark.django_db
def test_justifying_links_each_event_with_history(cast: Cast) -> None:
    absence, justification = justified(cast)
    [link] = actions(absence, "update")
    assert (link.before["justification"], link.after["justification"]) == (None, justification.pk)
    assert link.actor == cast.guardian


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["reject", "withdraw"])
def test_rejecting_or_withdrawing_unlinks_each_event_with_history(cast: Cast, how: str) -> None:
    absence, justification = justified(cast)
    if how == "reject":
        justification_decide(
            user=cast.teacher, justification=justification, accept=False, note="Firma mancante"
        )
    else:
        justification_withdraw(user=cast.guardian, justification=justification)
    assert fresh(absence).justification_id is None
    _link, unlink = actions(absence, "update")
    assert (unlink.before["justification"], unlink.after["justification"]) == (
        justification.pk,
        None,
    )


@pytest.mark.django_db
def test_events_recorded_after_an_announcement_show_the_link_when_created(cast: Cast) -> None:
    day = school_day(cast)
    for kind in ("assenza", "ritardo", "uscita"):
        announced(cast, kind, day)
    absence = absent(cast, day)
    entry = late_entry_record(
        user=cast.teacher, classroom=cast.classroom_1a, student=cast.child, day=day,
        time=datetime.time(9, 30),
    )  # fmt: skip
    absence = fresh(absence)  # the late entry corrected the day's absence
    exit_ = early_exit_record(
        user=cast.teacher, classroom=cast.classroom_1a, student=cast.child, day=day,
        time=datetime.time(10, 30),
    )  # fmt: skip
    for record, model in ((absence, Absence), (entry, LateEntry), (exit_, EarlyExit)):
        linked = model.objects.get(pk=record.pk).justification_id
        assert linked is not None
        [created] = actions(record, "create")
        assert created.after["justification"] == linked


# --- pages and the API show the refusal -----------------------------------------------------


def decided_meanwhile(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another teacher decides right after this request read the justification."""
    real = services.justification_decide

    def after_another_decision(**kwargs: Any) -> Any:
        real(user=cast.coordinator, justification=fresh(kwargs["justification"]), accept=True)
        return real(**kwargs)

    monkeypatch.setattr(services, "justification_decide", after_another_decision)


@pytest.mark.django_db
def test_the_api_answers_409_already_changed(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    _absence, justification = justified(cast)
    decided_meanwhile(cast, monkeypatch)
    _token, raw = api_token_issue(user=cast.teacher)
    response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").post(
        f"/api/v1/justifications/{justification.pk}/decision",
        {"accept": False, "note": "Non valida"},
        content_type="application/json",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "already_changed"
    assert "modificata da un'altra persona" in body["message"]
    assert body["errors"] == []
    assert fresh(justification).decided_by == cast.coordinator
    assert len(actions(justification, "update")) == 1


@pytest.mark.django_db
def test_the_page_shows_already_changed(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    _absence, justification = justified(cast)
    decided_meanwhile(cast, monkeypatch)
    response = cast.client_for(cast.teacher).post(
        reverse("register:decide", args=[cast.classroom_1a.pk, justification.pk]),
        {"decision": "reject", "note": "Non valida"},
        follow=True,
    )
    assert response.status_code == 200
    shown = " ".join(str(m) for m in response.context["messages"])
    assert "modificata da un'altra persona" in shown
    assert fresh(justification).status == "accettata"


# --- at the same moment: two people, two connections ----------------------------------------


@pytest.fixture
def committed_cast(transactional_db: Any) -> Cast:
    return build_cast()


def at_once(*writes: Callable[[], object]) -> list[str]:
    """Each write in its own thread and connection, all started together. Returns the name of
    what each raised ("ok" when it wrote)."""
    go = threading.Barrier(len(writes))
    outcomes = ["" for _ in writes]

    def run(index: int, write: Callable[[], object]) -> None:
        try:
            go.wait()
            write()
            outcomes[index] = "ok"
        except BaseException as failure:
            outcomes[index] = type(failure).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(writes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_accept_and_reject_at_once_one_decision(committed_cast: Cast) -> None:
    cast = committed_cast
    _absence, justification = justified(cast)
    seen = [fresh(justification), fresh(justification)]  # both pages read it pending
    outcomes = at_once(
        lambda: justification_decide(user=cast.teacher, justification=seen[0], accept=True),
        lambda: justification_decide(
            user=cast.coordinator, justification=seen[1], accept=False, note="No"
        ),
    )
    assert outcomes == ["AlreadyChanged", "ok"]
    [decision] = actions(justification, "update")
    assert decision.before["status"] == "in_attesa"
    assert decision.after["status"] == fresh(justification).status


def test_two_cancellations_of_an_absence_at_once_cancel_once(committed_cast: Cast) -> None:
    cast = committed_cast
    absence = absent(cast, school_day(cast))
    seen = [fresh(absence), fresh(absence)]
    outcomes = at_once(
        lambda: attendance_cancel(user=cast.teacher, record=seen[0], reason="A"),
        lambda: attendance_cancel(user=cast.coordinator, record=seen[1], reason="B"),
    )
    assert outcomes == ["AlreadyChanged", "ok"]
    assert len(actions(absence, "cancel")) == 1


def test_a_withdrawal_and_a_decision_at_once_one_wins(committed_cast: Cast) -> None:
    cast = committed_cast
    absence, justification = justified(cast)
    seen = [fresh(justification), fresh(justification)]
    outcomes = at_once(
        lambda: justification_withdraw(user=cast.guardian, justification=seen[0]),
        lambda: justification_decide(user=cast.teacher, justification=seen[1], accept=True),
    )
    assert outcomes == ["AlreadyChanged", "ok"]
    status = fresh(justification).status
    assert status in {"ritirata", "accettata"}
    assert len(history_of(justification).exclude(action="create")) == 1
    assert fresh(absence).justification_id == (justification.pk if status == "accettata" else None)
