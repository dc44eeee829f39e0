"""Finding 7 of issue 10: corrections and cancellations of a grade read the record before the
write. Two at once must not both apply: the one that read a state since changed is refused
with `already_changed`, and the history stays a chain (each "before" is the previous "after").

The deterministic tests hand a service a copy read before another change (what a request read
just before another teacher's write was committed); the threaded ones make two teachers write
at the same moment, each with its own database connection (real locks on PostgreSQL; on SQLite
the IMMEDIATE write transactions run one after the other)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from campanella.audit.concurrency import AlreadyChanged
from campanella.audit.services import history_of
from campanella.grades.models import Grade
from campanella.grades.services import (
    grade_add,
    grade_cancel,
    grade_change,
    grade_details_change,
)
from tests.conftest import Cast, build_cast


def add(cast: Cast, text: str = "6") -> Grade:
    return grade_add(
        user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths, student=cast.child,
        day=timezone.localdate(), kind="scritto", text=text,
    )  # fmt: skip


def stale(grade: Grade) -> Grade:
    """The grade as a second request read it, before the first one wrote."""
    return Grade.objects.get(pk=grade.pk)


def changes(grade: Grade, action: str) -> list[Any]:
    return list(history_of(grade).filter(action=action).order_by("pk"))


def give_details(cast: Cast, grade: Grade, weight: str) -> None:
    grade_details_change(
        user=cast.teacher, grade=grade, description="Verifica", comment="", weight=Decimal(weight),
        counts_in_average=True, visible_from=None, reason="peso della verifica",
    )  # fmt: skip


# --- deterministic: a caller that read the grade before another change is refused ----------


@pytest.mark.django_db
def test_cancelling_a_grade_another_request_cancelled_meanwhile_is_refused(cast: Cast) -> None:
    grade = add(cast)
    second = stale(grade)
    grade_cancel(user=cast.teacher, grade=grade, reason="Prova annullata")
    with pytest.raises(AlreadyChanged) as refused:
        grade_cancel(user=cast.teacher, grade=second, reason="Prova annullata di nuovo")
    assert refused.value.code == "already_changed"
    assert "modificata" in refused.value.message
    assert len(changes(grade, "cancel")) == 1
    assert Grade.objects.get(pk=grade.pk).cancel_reason == "Prova annullata"


@pytest.mark.django_db
def test_a_correction_over_a_value_it_did_not_see_is_refused(cast: Cast) -> None:
    grade = add(cast, "6")
    second = stale(grade)
    grade_change(user=cast.teacher, grade=grade, text="7", reason="Errore di trascrizione")
    with pytest.raises(AlreadyChanged):
        grade_change(user=cast.teacher, grade=second, text="8", reason="Ricorretto")
    assert Grade.objects.get(pk=grade.pk).value == Decimal("7")
    [update] = changes(grade, "update")
    assert (Decimal(update.before["value"]), Decimal(update.after["value"])) == (6, 7)


@pytest.mark.django_db
def test_a_retry_after_the_refusal_starts_from_the_first_corrections_after(cast: Cast) -> None:
    grade = add(cast, "6")
    second = stale(grade)
    grade_change(user=cast.teacher, grade=grade, text="7", reason="Errore")
    with pytest.raises(AlreadyChanged):
        grade_change(user=cast.teacher, grade=second, text="8", reason="Ancora")
    grade_change(user=cast.teacher, grade=stale(grade), text="8", reason="Ancora")
    chain = [
        (Decimal(c.before["value"]), Decimal(c.after["value"])) for c in changes(grade, "update")
    ]
    assert chain == [(Decimal("6"), Decimal("7")), (Decimal("7"), Decimal("8"))]


@pytest.mark.django_db
def test_details_changed_over_a_state_not_seen_are_refused(cast: Cast) -> None:
    grade = add(cast)
    second = stale(grade)
    give_details(cast, grade, "2")
    with pytest.raises(AlreadyChanged):
        give_details(cast, second, "3")
    assert Grade.objects.get(pk=grade.pk).weight == Decimal("2")
    assert len(changes(grade, "update")) == 1


@pytest.mark.django_db
def test_correcting_a_grade_cancelled_meanwhile_is_refused(cast: Cast) -> None:
    grade = add(cast)
    second = stale(grade)
    grade_cancel(user=cast.teacher, grade=grade, reason="Prova annullata")
    with pytest.raises(AlreadyChanged):
        grade_change(user=cast.teacher, grade=second, text="9", reason="Correzione")
    assert Grade.objects.get(pk=grade.pk).value == Decimal("6")


@pytest.mark.django_db
def test_the_page_shows_already_changed_and_writes_nothing(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page read the grade; another teacher cancels it before this request writes."""
    grade = add(cast)
    from campanella.grades import views

    real = views.grade_cancel

    def after_another_cancel(**kwargs: Any) -> None:
        grade_cancel(user=cast.teacher, grade=stale(grade), reason="Annullato dall'altro")
        real(**kwargs)

    monkeypatch.setattr(views, "grade_cancel", after_another_cancel)
    response = cast.client_for(cast.teacher).post(
        reverse("grades:detail", args=[grade.pk]),
        {"action": "cancel", "reason": "Doppio"},
        follow=True,
    )
    assert response.status_code == 200
    shown = " ".join(str(m) for m in response.context["messages"])
    assert "modificata da un'altra persona" in shown
    assert len(changes(grade, "cancel")) == 1


# --- at the same moment: two teachers, two connections -------------------------------------


@pytest.fixture
def committed_cast(transactional_db: Any) -> Cast:
    return build_cast()


def both_at_once(*actions: Callable[[], object]) -> list[BaseException | None]:
    """Run the actions in threads started together; what each raised (None when it wrote)."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[BaseException | None] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        try:
            barrier.wait()
            action()
        except BaseException as failure:
            outcomes[index] = failure
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def read_then(grade_id: int, barrier: threading.Barrier, write: Callable[[Grade], object]) -> Any:
    """A request: read the grade, then (once the other request has read it too) write."""

    def action() -> object:
        grade = Grade.objects.select_related("classroom__school__institute").get(pk=grade_id)
        barrier.wait()
        return write(grade)

    return action


def test_two_cancellations_at_once_cancel_once(committed_cast: Cast) -> None:
    cast = committed_cast
    grade = add(cast)
    read = threading.Barrier(2)
    outcomes = both_at_once(
        read_then(grade.pk, read, lambda g: grade_cancel(user=cast.teacher, grade=g, reason="A")),
        read_then(grade.pk, read, lambda g: grade_cancel(user=cast.teacher, grade=g, reason="B")),
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["AlreadyChanged", "NoneType"]
    assert len(changes(grade, "cancel")) == 1


def test_two_corrections_at_once_keep_a_true_before(committed_cast: Cast) -> None:
    cast = committed_cast
    grade = add(cast, "6")
    read = threading.Barrier(2)

    def correct(text: str) -> Callable[[Grade], object]:
        return lambda g: grade_change(user=cast.teacher, grade=g, text=text, reason="Correzione")

    outcomes = both_at_once(
        read_then(grade.pk, read, correct("7")), read_then(grade.pk, read, correct("8"))
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["AlreadyChanged", "NoneType"]
    [update] = changes(grade, "update")
    assert Decimal(update.before["value"]) == Decimal("6")
    assert Decimal(update.after["value"]) == Grade.objects.get(pk=grade.pk).value


def test_a_correction_and_a_cancellation_at_once_one_wins(committed_cast: Cast) -> None:
    cast = committed_cast
    grade = add(cast, "6")
    read = threading.Barrier(2)
    outcomes = both_at_once(
        read_then(grade.pk, read, lambda g: grade_cancel(user=cast.teacher, grade=g, reason="A")),
        read_then(
            grade.pk, read, lambda g: grade_change(user=cast.teacher, grade=g, text="9", reason="B")
        ),
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["AlreadyChanged", "NoneType"]
    written = history_of(grade).exclude(action="create").count()
    assert written == 1
