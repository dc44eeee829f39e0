"""Shared types for the per-app route tables (tests/<app>/routes.py).

Each app lists every page it adds: url name -> (kwargs from the cast, status an outsider gets,
status an anonymous visitor gets); and every API operation: (method, path) -> status an
outsider with a valid token gets. tests/test_every_route_refuses_outsiders.py merges them and
fails when a route is missing from every table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import Cast

PageTable = dict[str, tuple[Callable[[Cast], dict[str, Any]], int, int]]
ApiTable = dict[tuple[str, str], int]
