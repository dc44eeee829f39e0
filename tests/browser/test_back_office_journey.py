"""Issue 15's journey in Chromium, as the office: choose two schools and 22–23 October, export
the absences (every absence of those days is in the file), edit the file (one absence more),
import it as a background job for those schools and days, watch its page, close it and open it
again, see it finished; import the same file again: nothing changes. Every page axe-clean."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import FilePayload, Page

from campanella.audit.models import Change
from campanella.interop.models import SyncJob, SyncJobStatus
from campanella.register.models import Absence
from campanella.register.services import roll_call_save
from campanella.school.selectors import is_school_day
from tests import factories as f
from tests.browser.test_notices_journey import tick
from tests.browser_support import Watched, assert_accessible, login
from tests.conftest import PASSWORD, Cast, build_cast, school_day


def october_days(cast: Cast) -> tuple[datetime.date, datetime.date]:
    """22 and 23 October of the cast's school year when they are past school days (most of
    the year); otherwise the last two school days, so that the journey runs in any month."""
    year = cast.classroom_1a.school_year.start_date.year
    first, second = datetime.date(year, 10, 22), datetime.date(year, 10, 23)
    today = timezone.localdate()
    if second < today and is_school_day(cast.school, first) and is_school_day(cast.school, second):
        return first, second
    last = school_day(cast, today - datetime.timedelta(days=1))
    return school_day(cast, last - datetime.timedelta(days=1)), last


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    return build_cast()


def rows_of(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def as_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def tick_both_schools(page: Page) -> None:
    for index in range(2):
        tick(page, f"#id_scuole_{index}")


def import_range(page: Page, base: str, content: bytes, days: Any) -> None:
    """Upload for both schools and the days, preview, start: the job's page."""
    page.goto(f"{base}/segreteria/importa/assenze/intervallo/")
    assert_accessible(page)
    payload: FilePayload = {"name": "assenze.csv", "mimeType": "text/csv", "buffer": content}
    page.get_by_label("File CSV o Excel (.xlsx)").set_input_files(files=[payload])
    tick_both_schools(page)
    page.fill("#id_dal", days[0].isoformat())
    page.fill("#id_al", days[1].isoformat())
    with page.expect_navigation():
        page.get_by_test_id("range-upload").click()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_test_id("start-job").click()


def test_export_two_schools_edit_import_as_a_job_and_again_changes_nothing(
    live_cast: Cast, live_server: Any, desktop: Watched
) -> None:
    base, cast, page = live_server.url, live_cast, desktop.page
    first, second = october_days(cast)
    other_school = f.SchoolFactory(institute=cast.institute, name="Scuola B")
    classroom = f.ClassroomFactory(
        school=other_school, school_year=cast.classroom_1a.school_year, year=1, section="B"
    )
    far_child = f.EnrollmentFactory(classroom=classroom).student
    roll_call_save(user=cast.teacher, classroom=cast.classroom_1a, day=first,
                   absent_ids=[cast.child.pk])  # fmt: skip
    roll_call_save(user=cast.office, classroom=cast.classroom_1a, day=second,
                   absent_ids=[cast.other_child.pk], as_office=True)  # fmt: skip
    roll_call_save(user=cast.office, classroom=classroom, day=first, absent_ids=[far_child.pk],
                   as_office=True)  # fmt: skip

    # Export: both schools, the two days.
    login(page, base, "office", PASSWORD)
    page.goto(f"{base}/segreteria/importa/esporta/assenze/")
    assert_accessible(page)
    tick_both_schools(page)
    page.fill("#id_dal", first.isoformat())
    page.fill("#id_al", second.isoformat())
    with page.expect_download() as downloaded:
        page.get_by_test_id("export").click()
    exported = rows_of(downloaded.value.path().read_bytes())
    in_register = {
        (a.student.codice_fiscale, a.date.isoformat())
        for a in Absence.objects.filter(date__in=[first, second], cancelled_at__isnull=True)
    }
    assert len(in_register) == 3
    assert {(r["codice_fiscale"], r["date"]) for r in exported if r["kind"] == "ASSENZA"} == (
        in_register
    )

    # Edit: the sibling (2ª B) was absent on the second day too.
    added = {**exported[0], "codice_fiscale": cast.sibling.codice_fiscale,
             "date": second.isoformat(), "kind": "ASSENZA", "lesson_hour": "", "time": "",
             "justified": "no", "justified_at": "", "justified_by": "", "reason_code": "",
             "reason_text": "", "certificate": "no"}  # fmt: skip
    edited = as_csv([*exported, added])

    # Import it as a job; close the job's page and open it again: finished.
    import_range(page, base, edited, (first, second))
    job = SyncJob.objects.get()
    job_url = page.url
    assert job_url.endswith(f"/segreteria/importa/lavori/{job.pk}/")
    assert_accessible(page)
    page.close()
    again = desktop.page.context.new_page()
    again.goto(job_url)
    status = again.get_by_test_id("job-status")
    assert status.get_attribute("data-status") == SyncJobStatus.DONE
    assert "Completata" in again.get_by_test_id("job-log").inner_text()
    assert_accessible(again)
    assert Absence.objects.filter(student=cast.sibling, date=second).exists()

    # The same file again: every row unchanged, nothing written.
    before = (Absence.objects.count(), Change.objects.count())
    import_range(again, base, edited, (first, second))
    second_job = SyncJob.objects.latest("pk")
    assert second_job.pk != job.pk and second_job.status == SyncJobStatus.DONE
    assert (Absence.objects.count(), Change.objects.count()) == before
    assert not any(key.endswith("_created") and n for key, n in second_job.written.items())
    again.close()
