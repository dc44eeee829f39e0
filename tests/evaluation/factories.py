"""Factories of the evaluation app (shared by its test modules)."""

from __future__ import annotations

import factory

from campanella.evaluation import models as em
from tests.factories import ClassroomFactory, TermFactory


class EvaluationSessionFactory(factory.django.DjangoModelFactory):
    """An intermediate session of a classroom for a term of the classroom's school and year."""

    class Meta:
        model = em.EvaluationSession

    classroom = factory.SubFactory(ClassroomFactory)
    term = factory.LazyAttribute(
        lambda o: TermFactory(school=o.classroom.school, school_year=o.classroom.school_year)
    )
    kind = em.SessionKind.INTERMEDIATE


class SubjectMarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.SubjectMark

    session = factory.SubFactory(EvaluationSessionFactory)


class StudentResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.StudentResult

    session = factory.SubFactory(EvaluationSessionFactory)
