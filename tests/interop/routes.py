"""The import pages (office only): everyone else, the outsider included, gets 404."""

from __future__ import annotations

from typing import Any

from tests.conftest import Cast
from tests.routes import ApiTable, PageTable


def _batch(cast: Cast) -> dict[str, Any]:
    """A batch uploaded by the cast's office: the outsider must not reach it."""
    from tests.interop.helpers import People, csv_bytes, upload

    return {"pk": upload(cast, csv_bytes([People().student_row()])).pk}


PAGES: PageTable = {
    "interop:index": (lambda c: {}, 404, 302),
    "interop:upload": (lambda c: {"kind": "alunni"}, 404, 302),
    "interop:template": (lambda c: {"kind": "personale", "extension": "xlsx"}, 404, 302),
    "interop:preview": (_batch, 404, 302),
    "interop:apply": (_batch, 404, 302),
    "interop:result": (_batch, 404, 302),
}

API: ApiTable = {}
