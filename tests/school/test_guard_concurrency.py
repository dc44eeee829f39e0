"""A write racing with the lock of a session (period_close), on two connections: it either lands
before the close, or waits for it and is refused — never after the close unseen.

Both orders are forced (one transaction holds its lock while the other is shown to wait), then
both are started at once a few times and the outcome is checked against the order they took.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from campanella.grades.models import Grade
from campanella.grades.services import grade_add
from campanella.school.guard import DayClosed, period_close
from campanella.school.models import ClosedPeriod
from tests.conftest import Cast, build_cast, school_day

WAIT = 0.4  # how long the other transaction is shown to be waiting


@pytest.fixture
def committed_cast(transactional_db: Any) -> Cast:
    return build_cast()


def in_thread(work: Callable[[], object], outcome: dict[str, Any]) -> threading.Thread:
    def run() -> None:
        try:
            outcome["result"] = work()
        except BaseException as failure:
            outcome["error"] = failure
        finally:
            outcome["finished"] = time.monotonic()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def add_grade(cast: Cast) -> Grade:
    return grade_add(
        user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths, student=cast.child,
        day=school_day(cast), kind="orale", text="7",
    )  # fmt: skip


def close_day(cast: Cast, holder: str = "evaluation.session:1") -> ClosedPeriod:
    day = school_day(cast)
    return period_close(
        classroom=cast.classroom_1a, start=day, end=day, reason="Scrutinio chiuso",
        holder=holder, user=cast.principal,
    )  # fmt: skip


def held(work: Callable[[], object], ready: threading.Event, release: threading.Event) -> Any:
    """`work` in a transaction kept open (its locks held) until `release`."""

    def run() -> object:
        with transaction.atomic():
            result = work()
            ready.set()
            assert release.wait(30)
        return result

    return run


def test_a_write_in_progress_is_waited_for_and_lands_before_the_close(
    committed_cast: Cast,
) -> None:
    cast = committed_cast
    written, release = threading.Event(), threading.Event()
    writer: dict[str, Any] = {}
    closer: dict[str, Any] = {}
    writing = in_thread(held(lambda: add_grade(cast), written, release), writer)
    assert written.wait(30)
    closing = in_thread(lambda: close_day(cast), closer)
    time.sleep(WAIT)
    assert closing.is_alive(), "the close did not wait for the write in progress"
    committed = time.monotonic()
    release.set()
    writing.join(30)
    closing.join(30)
    assert "error" not in writer and "error" not in closer, (writer, closer)
    assert closer["finished"] >= committed
    assert Grade.objects.filter(student=cast.child).count() == 1
    assert ClosedPeriod.objects.count() == 1


def test_a_write_during_the_close_waits_and_is_refused(committed_cast: Cast) -> None:
    cast = committed_cast
    closed, release = threading.Event(), threading.Event()
    writer: dict[str, Any] = {}
    closer: dict[str, Any] = {}
    closing = in_thread(held(lambda: close_day(cast), closed, release), closer)
    assert closed.wait(30)
    writing = in_thread(lambda: add_grade(cast), writer)
    time.sleep(WAIT)
    assert writing.is_alive(), "the write did not wait for the close in progress"
    release.set()
    closing.join(30)
    writing.join(30)
    assert "error" not in closer, closer
    assert isinstance(writer.get("error"), DayClosed), writer
    assert not Grade.objects.filter(student=cast.child).exists()


def race(cast: Cast, holder: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A grade and a close started at the same moment; what each of them ended with."""
    barrier = threading.Barrier(2)
    writer: dict[str, Any] = {}
    closer: dict[str, Any] = {}

    def write() -> object:
        barrier.wait(10)
        return add_grade(cast)

    def close() -> object:
        barrier.wait(10)
        return close_day(cast, holder)

    threads = [in_thread(write, writer), in_thread(close, closer)]
    for thread in threads:
        thread.join(30)
    return writer, closer


def test_a_write_and_a_close_at_once_never_leave_a_write_after_the_close(
    committed_cast: Cast,
) -> None:
    cast = committed_cast
    for attempt in range(3):
        holder = f"evaluation.session:{attempt}"
        writer, closer = race(cast, holder)
        assert "error" not in closer, closer
        grade = Grade.objects.filter(student=cast.child, cancelled_at__isnull=True).first()
        if grade is None:
            assert isinstance(writer.get("error"), DayClosed), writer
        else:
            assert "error" not in writer, writer
            assert grade.recorded_at <= ClosedPeriod.objects.get(holder=holder).created_at
            grade.delete()  # the next attempt starts from an empty book
        ClosedPeriod.objects.filter(holder=holder).delete()
