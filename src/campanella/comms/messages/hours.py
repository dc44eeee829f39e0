"""The hours in which teachers receive families' messages (Europe/Rome), and the next moment
a message may be sent when a teacher has closed their inbox outside them."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from campanella.comms.messages.models import WORKING_DAYS, MessageHours, TeacherInbox

DAY_NAMES = ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica")


def hours_of(institute_id: int) -> MessageHours:
    """The institute's hours; unset: Monday to Friday, 8:00 to 17:00 (not saved)."""
    found = MessageHours.objects.filter(institute_id=institute_id).first()
    if found is not None:
        return found
    return MessageHours(
        institute_id=institute_id,
        weekdays=list(WORKING_DAYS),
        opens_at=datetime.time(8, 0),
        closes_at=datetime.time(17, 0),
    )


def is_open(hours: MessageHours, moment: datetime.datetime) -> bool:
    local = timezone.localtime(moment)
    return local.weekday() in hours.weekdays and hours.opens_at <= local.time() < hours.closes_at


def next_opening(hours: MessageHours, moment: datetime.datetime) -> datetime.datetime | None:
    """The first moment from `moment` on when the hours are open (None: no day is open)."""
    local = timezone.localtime(moment)
    for ahead in range(8):
        day = local.date() + datetime.timedelta(days=ahead)
        if day.weekday() not in hours.weekdays:
            continue
        opening = timezone.make_aware(datetime.datetime.combine(day, hours.opens_at))
        closing = timezone.make_aware(datetime.datetime.combine(day, hours.closes_at))
        if local < opening:
            return opening
        if local < closing:
            return local
    return None


def describe_days(weekdays: list[int]) -> str:
    days = sorted(set(weekdays))
    if not days:
        return _("in nessun giorno")
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return _("dal %(first)s al %(last)s") % {
            "first": DAY_NAMES[days[0]],
            "last": DAY_NAMES[days[-1]],
        }
    return _("il %(days)s") % {"days": ", ".join(DAY_NAMES[d] for d in days)}


def describe(hours: MessageHours) -> str:
    """E.g. «dal lunedì al venerdì, dalle 08:00 alle 17:00»."""
    return _("%(days)s, dalle %(opens)s alle %(closes)s") % {
        "days": describe_days(list(hours.weekdays)),
        "opens": hours.opens_at.strftime("%H:%M"),
        "closes": hours.closes_at.strftime("%H:%M"),
    }


def closed_now(teacher_user_id: int | None, institute_id: int, moment: datetime.datetime) -> str:
    """Why a family may not write to this teacher at `moment` (Italian), or "" when it may."""
    if teacher_user_id is None:
        return ""
    closed = TeacherInbox.objects.filter(user_id=teacher_user_id, closed_off_hours=True)
    if not closed.exists():
        return ""
    hours = hours_of(institute_id)
    if is_open(hours, moment):
        return ""
    opening = next_opening(hours, moment)
    text = _(
        "Il docente riceve i messaggi delle famiglie %(hours)s: fuori da questo orario il "
        "messaggio non può essere inviato."
    ) % {"hours": describe(hours)}
    if opening is not None:
        text += " " + _("Potrà inviarlo da %(day)s alle %(time)s.") % {
            "day": date_format(timezone.localtime(opening), "l j F"),
            "time": timezone.localtime(opening).strftime("%H:%M"),
        }
    return text
