"""Who has a calendar feed: every active login has its own (and only its own: every page and
API operation acts on the requester's feed, none names another's). What a feed shows is
scoped by each source (campanella.comms.calendar.sources) to what the login may read."""

from __future__ import annotations

from typing import Any

import rules


@rules.predicate
def may_have_calendar_feed(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


rules.add_rule("comms.own_calendar_feed", may_have_calendar_feed)
