"""People refuse invalid data with Italian messages; derived facts stay derived."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from campanella.people.models import Enrollment, Guardianship, Staff, Student, age_on
from tests.conftest import Cast, guardian_of

pytestmark = pytest.mark.django_db


def test_bad_codice_fiscale_is_refused_in_italian(cast: Cast) -> None:
    student = Student(
        institute=cast.institute, surname="Rossi", name="Mario", codice_fiscale="RSSMRA85T10A562X",
        birth_date=datetime.date(1985, 12, 10), sex="M",
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        student.full_clean()
    assert "carattere di controllo" in " ".join(caught.value.messages)


def test_valid_codice_fiscale_is_accepted_and_normalised(cast: Cast) -> None:
    student = Student(
        institute=cast.institute, surname="Rossi", name="Mario", codice_fiscale="rssmra85t10a562s",
        birth_date=datetime.date(1985, 12, 10), sex="M",
    )  # fmt: skip
    student.full_clean()
    assert student.codice_fiscale == "RSSMRA85T10A562S"


def test_a_guardian_linked_twice_is_refused(cast: Cast) -> None:
    duplicate = Guardianship(
        student=cast.child, guardian=guardian_of(cast.child), relation="genitore2"
    )
    with pytest.raises(ValidationError) as caught:
        duplicate.full_clean()
    assert "già collegato" in " ".join(caught.value.messages)


def test_two_first_parents_are_refused(cast: Cast) -> None:
    second = Guardianship(
        student=cast.child, guardian=guardian_of(cast.other_child), relation="genitore1"
    )
    with pytest.raises(ValidationError) as caught:
        second.full_clean()
    assert "già un genitore con questo ruolo" in " ".join(caught.value.messages)


def test_adult_status_is_derived_from_the_birth_date(cast: Cast) -> None:
    assert cast.adult_student.is_adult
    assert not cast.child.is_adult
    birthday = datetime.date(2008, 3, 1)
    assert age_on(birthday, datetime.date(2026, 2, 28)) == 17
    assert age_on(birthday, datetime.date(2026, 3, 1)) == 18


def test_overlapping_enrolment_is_refused(cast: Cast) -> None:
    year = cast.classroom_2b.school_year
    second = Enrollment(
        student=cast.child, school_year=year, classroom=cast.classroom_2b,
        entry_date=year.start_date + datetime.timedelta(days=30),
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        second.full_clean()
    assert "già iscritto" in " ".join(caught.value.messages)


def test_transfer_closes_one_enrolment_and_opens_another(cast: Cast) -> None:
    year = cast.classroom_2b.school_year
    first = cast.child.enrollments.get()
    first.exit_date = year.start_date + datetime.timedelta(days=29)
    first.exit_reason = "cambio_classe"
    first.full_clean()
    first.save()
    second = Enrollment(
        student=cast.child, school_year=year, classroom=cast.classroom_2b,
        entry_date=year.start_date + datetime.timedelta(days=30),
    )  # fmt: skip
    second.full_clean()


def test_exit_before_entry_and_exit_without_reason_are_refused(cast: Cast) -> None:
    enrollment = cast.child.enrollments.get()
    enrollment.exit_date = enrollment.entry_date - datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        enrollment.full_clean()
    text = " ".join(caught.value.messages)
    assert "non può precedere" in text
    assert "motivo" in text


def test_staff_needs_a_role(cast: Cast) -> None:
    with pytest.raises(ValidationError) as caught:
        Staff(institute=cast.institute, surname="Bianchi", name="Anna").full_clean()
    assert "almeno un ruolo" in " ".join(caught.value.messages)
