"""factory_boy factories for every model of the foundation. Valid by default."""

from __future__ import annotations

import datetime
import random

import factory
from django.utils import timezone

from campanella.lib.fake_people import fake_person
from campanella.people import models as pm
from campanella.school import models as sm

_rng = random.Random(4242)


def this_school_year_start() -> datetime.date:
    today = timezone.localdate()
    return datetime.date(today.year if today.month >= 9 else today.year - 1, 9, 1)


class InstituteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.Institute

    name = factory.Sequence(lambda n: f"Istituto di prova {n}")
    code = factory.Sequence(lambda n: f"MOIS{n % 1000000:06d}")
    city = "Modena"


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.School

    institute = factory.SubFactory(InstituteFactory)
    name = factory.Sequence(lambda n: f"Liceo di prova {n}")
    code = factory.Sequence(lambda n: f"MOPS{n % 1000000:06d}")
    kind = sm.SchoolKind.UPPER_SECONDARY
    city = "Modena"


class SchoolYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.SchoolYear

    institute = factory.SubFactory(InstituteFactory)
    start_date = factory.LazyFunction(this_school_year_start)
    end_date = factory.LazyAttribute(
        lambda o: o.start_date.replace(year=o.start_date.year + 1, month=8, day=31)
    )
    lessons_start = factory.LazyAttribute(lambda o: o.start_date.replace(day=15))
    lessons_end = factory.LazyAttribute(lambda o: o.end_date.replace(month=6, day=6))


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.Term

    school_year = factory.SubFactory(SchoolYearFactory)
    school = factory.SubFactory(
        SchoolFactory, institute=factory.SelfAttribute("..school_year.institute")
    )
    number = 1
    kind = sm.TermKind.TRIMESTER
    start_date = factory.LazyAttribute(lambda o: o.school_year.start_date)
    end_date = factory.LazyAttribute(lambda o: o.school_year.start_date.replace(month=12, day=22))


class ClassroomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.Classroom

    school = factory.SubFactory(SchoolFactory)
    school_year = factory.SubFactory(
        SchoolYearFactory, institute=factory.SelfAttribute("..school.institute")
    )
    year = 1
    section = factory.Sequence(
        lambda n: "ABCDEFGHILMNOPQRSTUVZ"[n % 21] + ("" if n < 21 else str(n))
    )


class SubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.Subject

    institute = factory.SubFactory(InstituteFactory)
    name = factory.Sequence(lambda n: f"Materia {n}")
    short_name = factory.Sequence(lambda n: f"M{n}")


class ClassroomSubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.ClassroomSubject

    classroom = factory.SubFactory(ClassroomFactory)
    subject = factory.SubFactory(
        SubjectFactory, institute=factory.SelfAttribute("..classroom.school.institute")
    )
    weekly_hours = 3


class HourSlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.HourSlot

    school = factory.SubFactory(SchoolFactory)
    number = factory.Sequence(lambda n: n % 8 + 1)
    start_time = factory.LazyAttribute(lambda o: datetime.time(7 + o.number, 0))
    end_time = factory.LazyAttribute(lambda o: datetime.time(7 + o.number, 55))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"utente{n}")
    password = factory.PostGenerationMethodCall("set_password", "una-password-lunga")

    @classmethod
    def _after_postgeneration(cls, instance: pm.User, create: bool, results: object = None) -> None:
        if create:
            instance.save()


def _person_fields(
    sex: str | None = None, born: tuple[datetime.date, datetime.date] | None = None
) -> dict[str, object]:
    born = born or (datetime.date(2010, 1, 1), datetime.date(2011, 12, 31))
    person = fake_person(_rng, born_between=born, sex=sex)  # type: ignore[arg-type]
    return {
        "surname": person.surname,
        "name": person.name,
        "codice_fiscale": person.codice_fiscale,
        "birth_date": person.birth_date,
        "sex": person.sex,
    }


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Student

    institute = factory.SubFactory(InstituteFactory)

    @classmethod
    def _create(cls, model_class: type, *args: object, **kwargs: object) -> pm.Student:
        born = kwargs.pop("born", None)
        defaults = _person_fields(born=born)  # type: ignore[arg-type]
        defaults.update(kwargs)
        return super()._create(model_class, *args, **defaults)  # type: ignore[no-any-return]


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Enrollment

    classroom = factory.SubFactory(ClassroomFactory)
    student = factory.SubFactory(
        StudentFactory, institute=factory.SelfAttribute("..classroom.school.institute")
    )
    school_year = factory.SelfAttribute("classroom.school_year")
    entry_date = factory.LazyAttribute(lambda o: o.classroom.school_year.start_date)


class GuardianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Guardian

    institute = factory.SubFactory(InstituteFactory)
    surname = "Rossi"
    name = factory.Sequence(lambda n: f"Genitore{n}")
    email = factory.Sequence(lambda n: f"genitore{n}@example.org")


class GuardianshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Guardianship

    student = factory.SubFactory(StudentFactory)
    guardian = factory.SubFactory(
        GuardianFactory, institute=factory.SelfAttribute("..student.institute")
    )
    relation = pm.Relation.PARENT_1


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Staff

    institute = factory.SubFactory(InstituteFactory)
    surname = factory.Sequence(lambda n: f"Docente{n}")
    name = "Maria"
    is_teacher = True


class TeachingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.Teaching

    classroom = factory.SubFactory(ClassroomFactory)
    teacher = factory.SubFactory(
        StaffFactory, institute=factory.SelfAttribute("..classroom.school.institute")
    )
    subject = factory.SubFactory(
        SubjectFactory, institute=factory.SelfAttribute("..classroom.school.institute")
    )
