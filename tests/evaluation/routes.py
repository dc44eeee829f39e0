"""Routes of the scrutinio (/scrutini/ and the API's evaluation router): what an outsider gets,
and every write with a valid body on a real object (tests/routes.py explains the tables).

Shared by the evaluation modules: each appends its own entries below its own comment."""

from __future__ import annotations

from tests.routes import ApiTable, ApiWriteTable, PageTable, SelfServiceTable, WriteTable

PAGES: PageTable = {}
API: ApiTable = {}
PAGE_WRITES: WriteTable = {}
API_WRITES: ApiWriteTable = {}
SELF_SERVICE: SelfServiceTable = {}
