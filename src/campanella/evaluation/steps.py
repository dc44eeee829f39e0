"""The steps of a scrutinio as a state machine (domain §3), and what blocks leaving each one.

Which steps a session walks through depends on the school level and on the kind of session:

| step            | applies to                                                                  |
|-----------------|-----------------------------------------------------------------------------|
| proposte        | every session                                                               |
| apertura        | every session                                                               |
| frequenza       | lower and upper secondary, at the year's end only (final, deferred final):  |
|                 | the 25 % limit is on the annual timetable, "ai fini della validità dell'anno"|
|                 | (DPR 122/2009 art. 14 c. 7); never in primary school                        |
| voti            | every session                                                               |
| condotta        | every session (primary: a giudizio; the integrativo evaluates again the     |
|                 | behaviour of who got 6 and a citizenship assignment, L. 150/2024)           |
| educazione_civica | every session but the integrativo (a debt in civics is one of its marks)  |
| esiti           | final, integrativo, deferred final                                          |
| crediti         | upper secondary years 3–5: final, integrativo, deferred final               |
| verbale         | every session                                                               |
| chiuso          | every session: the lock (`evaluation.sessions.session_lock`)                |

A deferred session (*rinviato*, one student) is a final one when its period is the last of the
year, an intermediate one otherwise. The integrativo and a deferred session concern only their
students (`evaluation.selectors.session_students`).

Leaving a step needs its checks to pass. Each module that owns a step's content registers its
checks here (`register_check` or the `check` decorator, at import time; the modules named in
CHECK_MODULES are imported before the first check runs): a check takes the session and returns
the Italian sentences of what is missing or wrong ("Mancano 3 proposte di Matematica."), an
empty list when the step may be left. The lock re-runs the checks of every step
(`lock_problems`); the documents' check of the minutes step is the council's (documents.py).

The step pages of the other modules are linked from the session's overview through STEP_PAGES:
each module adds there the URL name of its page for a step (a view taking `session_id`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campanella.evaluation.models import EvaluationSession, SessionKind, Step
from campanella.school.models import SchoolKind, Term

# The steps in their order (domain §3); LOCKED is the last, entered only by the lock.
ORDER: tuple[Step, ...] = (
    Step.PROPOSALS,
    Step.OPENING,
    Step.ATTENDANCE,
    Step.MARKS,
    Step.BEHAVIOUR,
    Step.CIVICS,
    Step.OUTCOMES,
    Step.CREDITS,
    Step.MINUTES,
    Step.LOCKED,
)

SECONDARY = frozenset({SchoolKind.LOWER_SECONDARY, SchoolKind.UPPER_SECONDARY})
# School levels that hold scrutini (the infanzia does not).
EVALUATED = frozenset({SchoolKind.PRIMARY, *SECONDARY})

# What each step is about, for the stepper of the session's page.
HELP: dict[str, Any] = {
    Step.PROPOSALS: gettext_lazy(
        "Ogni docente propone il voto della propria materia, letto dal registro e modificabile."
    ),
    Step.OPENING: gettext_lazy(
        "Data, ora, presidente, segretario, presenti e sostituzioni del consiglio di classe."
    ),
    Step.ATTENDANCE: gettext_lazy(
        "Ore di assenza rispetto al monte ore annuo (limite di un quarto) e deroghe."
    ),
    Step.MARKS: gettext_lazy("Il consiglio delibera i voti finali a partire dalle proposte."),
    Step.BEHAVIOUR: gettext_lazy("Valutazione del comportamento con la motivazione."),
    Step.CIVICS: gettext_lazy("Valutazione dell'educazione civica."),
    Step.OUTCOMES: gettext_lazy("Esito di ogni alunno secondo i criteri della scuola."),
    Step.CREDITS: gettext_lazy("Credito scolastico dell'anno (tabella A del D.Lgs. 62/2017)."),
    Step.MINUTES: gettext_lazy("Verbale, tabellone, foglio firme e lettere alle famiglie."),
    Step.LOCKED: gettext_lazy(
        "Lo scrutinio è chiuso: voti, assenze e date del periodo non si modificano più."
    ),
}

# Step → URL name of the page where that step's content is entered (kwargs: session_id).
# Each module adds its line: e.g. Step.PROPOSALS: "evaluation:proposals".
STEP_PAGES: dict[str, str] = {}


# --- which steps apply -------------------------------------------------------------------------


def is_last_term(term: Term) -> bool:
    """Whether no later period of the same school and year follows `term`."""
    return not Term.objects.filter(
        school_id=term.school_id,
        school_year_id=term.school_year_id,
        start_date__gt=term.start_date,
    ).exists()


def later_term_exists() -> Exists:
    """Annotation for sessions: a later period of the session's school and year exists."""
    return Exists(
        Term.objects.filter(
            school_id=OuterRef("term__school_id"),
            school_year_id=OuterRef("term__school_year_id"),
            start_date__gt=OuterRef("term__start_date"),
        )
    )


def is_final(session: EvaluationSession) -> bool:
    """A session at the year's end: final, integrativo, or deferred on the last period.
    A deferred session read with `selectors.with_shape` costs no query."""
    if session.kind in (SessionKind.FINAL, SessionKind.SUPPLEMENTARY):
        return True
    if session.kind != SessionKind.DEFERRED:
        return False
    later = getattr(session, "later_term", None)
    if later is not None:
        return not later
    return is_last_term(session.term)


def steps_for(*, school_kind: str, classroom_year: int, kind: str, final: bool) -> tuple[Step, ...]:
    """The steps of a session of this shape, in order, the lock last."""
    secondary = school_kind in SECONDARY
    upper = school_kind == SchoolKind.UPPER_SECONDARY
    supplementary = kind == SessionKind.SUPPLEMENTARY
    wanted = {
        Step.ATTENDANCE: secondary and final and not supplementary,
        Step.CIVICS: not supplementary,
        Step.OUTCOMES: final,
        Step.CREDITS: upper and final and 3 <= classroom_year <= 5,
    }
    return tuple(step for step in ORDER if wanted.get(step, True))


def applicable_steps(session: EvaluationSession) -> tuple[Step, ...]:
    """The steps of this session, in order, the lock last (reads the classroom's school)."""
    return steps_for(
        school_kind=session.classroom.school.kind,
        classroom_year=session.classroom.year,
        kind=session.kind,
        final=is_final(session),
    )


def _neighbour(session: EvaluationSession, step: str | None, offset: int) -> Step | None:
    steps = applicable_steps(session)
    current = Step(step or session.step)
    if current not in steps:
        return None
    index = steps.index(current) + offset
    return steps[index] if 0 <= index < len(steps) else None


def next_step(session: EvaluationSession, step: str | None = None) -> Step | None:
    """The step after `step` (the session's own by default); None after the lock."""
    return _neighbour(session, step, +1)


def previous_step(session: EvaluationSession, step: str | None = None) -> Step | None:
    """The step before `step` (the session's own by default); None at the first."""
    return _neighbour(session, step, -1)


def step_label(step: str) -> str:
    return str(Step(step).label)


# --- what blocks leaving a step ----------------------------------------------------------------

Check = Callable[[EvaluationSession], list[str]]

# The modules whose checks must be registered before any runs (imported once, when present).
CHECK_MODULES: tuple[str, ...] = (
    "campanella.evaluation.proposals",
    "campanella.evaluation.proposal_selectors",
    "campanella.evaluation.council",
    "campanella.evaluation.council_selectors",
    "campanella.evaluation.documents",
)

_checks: dict[str, dict[str, Check]] = {step.value: {} for step in ORDER}
_loaded = False


def _key(fn: Check) -> str:
    return f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', repr(fn))}"


def register_check(step: str, fn: Check) -> Check:
    """Register `fn(session) -> [Italian problems]` as blocking the way out of `step`.
    Registering the same function again replaces it (a module imported twice)."""
    if step == Step.LOCKED:
        raise ValueError("nothing leaves the lock but a reopening: no check on it")
    _checks[Step(step).value][_key(fn)] = fn
    return fn


def check(step: str) -> Callable[[Check], Check]:
    """Decorator form of `register_check`."""

    def decorate(fn: Check) -> Check:
        return register_check(step, fn)

    return decorate


def load_checks() -> None:
    """Import the modules of CHECK_MODULES that exist, so that their checks are registered."""
    global _loaded
    if _loaded:
        return
    for name in CHECK_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
    _loaded = True


def checks_for(step: str) -> list[Check]:
    load_checks()
    return list(_checks[Step(step).value].values())


@contextmanager
def checks_replaced(checks: Mapping[str, list[Check]]) -> Iterator[None]:
    """For tests: only these checks, by step, inside the block (the registry as it was after)."""
    load_checks()
    kept = {step: dict(found) for step, found in _checks.items()}
    try:
        for step in _checks:
            _checks[step] = {_key(fn): fn for fn in checks.get(step, [])}
        yield
    finally:
        _checks.clear()
        _checks.update(kept)


def step_problems(session: EvaluationSession, step: str | None = None) -> list[str]:
    """What blocks leaving `step` (the session's own by default): Italian sentences."""
    problems: list[str] = []
    for fn in checks_for(step or session.step):
        problems.extend(str(problem) for problem in fn(session))
    return problems


def lock_problems(session: EvaluationSession) -> list[str]:
    """What blocks the lock: every applicable step's checks, each problem after its step's
    name ("Proposte di voto: mancano 3 proposte di Matematica."), and the session must be at
    its last step before the lock."""
    problems: list[str] = []
    if session.step != Step.MINUTES:
        problems.append(
            _("Lo scrutinio si chiude dalla fase «%(step)s»: ora è alla fase «%(now)s».")
            % {"step": step_label(Step.MINUTES), "now": step_label(session.step)}
        )
    for step in applicable_steps(session):
        if step == Step.LOCKED:
            continue
        label = step_label(step)
        for problem in step_problems(session, step):
            problems.append(f"{label[:1].upper()}{label[1:]}: {problem}")
    return problems
