"""The header's family part is kept for a minute; data pages never rely on it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campanella.people.models import Guardianship
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def queries_for(client: Any, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_header_is_kept_and_a_revoked_child_still_disappears_from_the_data(
    cast: Cast, settings: Any
) -> None:
    settings.FAMILY_HEADER_SECONDS = 60
    client = cast.client_for(cast.guardian)
    home = reverse("accounts:home")
    first, _page = queries_for(client, home)
    second, again = queries_for(client, home)
    assert second == first - 1  # the header's children: asked once, then kept
    switch = again.split('data-testid="child-switch"')[1].split("</form>")[0]
    assert cast.child.name in switch and cast.sibling.name in switch
    # The office revokes the sibling's link (the sibling left): the switch may show them for
    # up to a minute, but no page opens their data.
    Guardianship.objects.filter(student=cast.sibling).update(access_revoked_on=timezone.localdate())
    for name in ("register:student", "grades:student"):
        url = reverse(name, args=[cast.sibling.pk])
        assert client.get(url).status_code == 404, name
    assert client.get(reverse("grades:student", args=[cast.child.pk])).status_code == 200


def test_without_keeping_the_header_shows_the_change_at_once(cast: Cast) -> None:
    client = cast.client_for(cast.guardian)
    home = reverse("accounts:home")
    assert 'data-testid="child-switch"' in client.get(home).content.decode()
    Guardianship.objects.filter(student=cast.sibling).update(access_revoked_on=timezone.localdate())
    assert 'data-testid="child-switch"' not in client.get(home).content.decode()
