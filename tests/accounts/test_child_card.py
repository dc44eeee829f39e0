"""The home's child cards built in Python (accounts.rendering) write, byte for byte, what the
templates they replaced wrote: those templates are kept here as the reference
(tests/accounts/templates/reference/), rendered with Django's engine on the same cards, in
Italian and in English, every branch of them taken (no class, a closed day, news of every
kind, more than five events to justify, texts to escape)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.template import Context, Engine
from django.utils import translation

from campanella.accounts.rendering import child_card
from campanella.accounts.selectors import ChildHome
from campanella.accounts.whats_new import ChildNews
from campanella.people.models import Enrollment, Student
from campanella.people.selectors import ChildSummary
from campanella.register.models import AgendaItem
from campanella.school.models import Classroom, Closure, HourSlot, School, Subject, TimetableEntry

REFERENCE = Engine(
    dirs=[str(Path(__file__).parent / "templates")],
    libraries={"i18n": "django.templatetags.i18n"},
)
DAY = datetime.date(2026, 11, 9)
TRICKY = 'D\'Amico <b>&"x"'


def _child(pk: int, *, enrolled: bool = True) -> ChildSummary:
    student = Student(pk=pk, name=f"Anna{pk} {TRICKY}", surname=TRICKY)
    enrollment = None
    if enrolled:
        school = School(pk=2, name="Liceo <Galilei> & co")
        classroom = Classroom(pk=pk + 100, year=1, section="A'<&", track="", school=school)
        enrollment = Enrollment(pk=pk + 200, student=student, classroom=classroom)
    return ChildSummary(student=student, enrollment=enrollment, relation="", may_justify=True)


def _hour(start: datetime.time, subject: str) -> TimetableEntry:
    return TimetableEntry(slot=HourSlot(number=1, start_time=start), subject=Subject(name=subject))


def _agenda(kind: str, subject: str, day: datetime.date) -> AgendaItem:
    return AgendaItem(kind=kind, subject=Subject(name=subject), date=day, text="x")


def _cards() -> list[ChildHome]:
    hours = [_hour(datetime.time(8, 0), "Matematica"), _hour(datetime.time(9, 5), TRICKY)]
    grades = [("7½", "Italiano", DAY), ("6-", TRICKY, DAY - datetime.timedelta(days=3))]
    events = ["assenza", "ritardo", "uscita", "assenza", "ritardo", "uscita", "assenza"]
    full = ChildNews(
        to_justify=[(kind, DAY - datetime.timedelta(days=i)) for i, kind in enumerate(events)],
        grades=grades,
        notes=[(DAY, "Disturba " * 20 + TRICKY), (DAY, "Breve")],
        agenda=[_agenda("verifica", "Storia", DAY), _agenda("compiti", TRICKY, DAY)],
    )
    closures = [Closure(description="Ponte <festa>"), Closure(description="Elezioni")]
    return [
        ChildHome(_child(1), hours, [], grades, full),
        ChildHome(_child(2), [], closures, [], ChildNews()),
        ChildHome(_child(3), [], [], [], ChildNews(to_justify=[("ritardo", DAY)])),
        ChildHome(_child(4), hours[:1], [], grades[:1], ChildNews(notes=[(DAY, "N")])),
        ChildHome(_child(5), hours, [], [], None),
        ChildHome(_child(6, enrolled=False), [], [], [], None),
        ChildHome(_child(7, enrolled=False), [], [], [], full),
    ]


@pytest.mark.parametrize("language", ["it", "en"])
def test_cards_are_the_templates_they_replaced(language: str) -> None:
    template = REFERENCE.get_template("reference/child_card.html")
    with translation.override(language):
        for item in _cards():
            expected = template.render(Context({"item": item}))
            assert child_card(item) == expected, item.child.student.pk


def test_the_reference_is_not_trivially_equal() -> None:
    """The comparison can fail: a card of another child differs from the reference's."""
    template = REFERENCE.get_template("reference/child_card.html")
    first, second = _cards()[:2]
    assert child_card(first) != template.render(Context({"item": second}))
    assert "Nessuna lezione oggi. Ponte &lt;festa&gt;. Elezioni." in child_card(second)
