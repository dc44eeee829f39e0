"""The OneRoster 1.2 REST provider on a 1,500-student school: what one read costs.

What it does: a fresh PostgreSQL database of its own (dropped at the end;
`BENCH_ONEROSTER_REST_DATABASE_URL` overrides it), the same seed as bench.oneroster_export,
`ANALYZE`, a key with the OneRoster scopes, a token from /ims/oneroster/token, then times GETs
through Django's request handling (HTTPS, bearer token, JSON): a first page of results (the
default limit 100), a page of 10,000 results, results changed since a moment (filter on
dateLastModified), the first page of users, one class's students, one class by sourcedId.

Run from the project root:
    .venv/bin/python -m bench.oneroster_rest [--students 1500] [--grades-per-subject 6]
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import tempfile
import time

from bench.letters import print_machine, rss_mib
from bench.oneroster_export import seed

PG_URL = os.environ.get(
    "BENCH_ONEROSTER_REST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cmp_onerest_bench"
)
SCOPES = " ".join(
    "https://purl.imsglobal.org/spec/or/v1p2/scope/" + name
    for name in ("roster-core.readonly", "gradebook.readonly")
)
ROSTERING = "/ims/oneroster/rostering/v1p2"
GRADEBOOK = "/ims/oneroster/gradebook/v1p2"


def run_reads() -> None:
    from django.test import Client
    from django.test.utils import setup_test_environment

    from campanella.interop.keys import api_key_create
    from campanella.people.models import Staff

    setup_test_environment()  # lets Django's client (host "testserver") in
    office = Staff.objects.filter(is_office=True).select_related("user").first()
    assert office is not None
    key, raw = api_key_create(user=office.user, institute_id=office.institute_id, name="bench",
                              scopes=SCOPES.split())  # fmt: skip
    basic = base64.b64encode(f"campanella-{key.pk}:{raw}".encode()).decode()
    client = Client()
    form = {"grant_type": "client_credentials", "scope": SCOPES}
    reply = client.post(
        "/ims/oneroster/token", form, HTTP_AUTHORIZATION=f"Basic {basic}", secure=True
    )
    token = reply.json()["access_token"]
    reader = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    first = reader.get(f"{ROSTERING}/classes", {"limit": 1}, secure=True).json()["classes"][0]
    scheduled = reader.get(f"{ROSTERING}/classes", {"filter": "classType='scheduled'", "limit": 1},
                           secure=True).json()["classes"][0]["sourcedId"]  # fmt: skip
    from django.utils import timezone

    from campanella.interop.oneroster.mapping import timestamp

    since = timestamp(timezone.now())  # the last sync: after the seed, so nothing changed since
    reads = [
        ("results, prima pagina (limit 100)", f"{GRADEBOOK}/results", {}),
        ("results, pagina da 10.000", f"{GRADEBOOK}/results", {"limit": 10000}),
        ("results cambiati dall'ultima lettura", f"{GRADEBOOK}/results",
         {"filter": f"dateLastModified>'{since}'"}),
        ("users, prima pagina", f"{ROSTERING}/users", {}),
        ("results, pagina 500 (offset 49.900)", f"{GRADEBOOK}/results", {"offset": 49900}),
        ("results per sourcedId, prima pagina", f"{GRADEBOOK}/results", {"sort": "sourcedId"}),
        ("lineItems, prima pagina", f"{GRADEBOOK}/lineItems", {}),
        ("students, prima pagina", f"{ROSTERING}/students", {}),
        ("alunni di una classe", f"{ROSTERING}/classes/{first['sourcedId']}/students", {}),
        ("results di una classe", f"{GRADEBOOK}/classes/{scheduled}/results", {}),
        ("una classe", f"{ROSTERING}/classes/{first['sourcedId']}", {}),
    ]  # fmt: skip
    for label, path, params in reads:
        memory = rss_mib()
        wall, cpu = time.perf_counter(), time.process_time()
        response = reader.get(path, params, secure=True)
        elapsed, cpu_used = time.perf_counter() - wall, time.process_time() - cpu
        assert response.status_code == 200, response.content[:300]
        total = response.headers.get("X-Total-Count", "1")
        print(f"  {label}: {elapsed:.2f} s (CPU di Python {cpu_used:.2f} s), "
              f"{len(response.content) / 1024:.0f} KiB, "
              f"X-Total-Count {total}, memoria {memory:.0f} → {rss_mib():.0f} MiB")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.oneroster_rest")
    parser.add_argument("--students", type=int, default=1500)
    parser.add_argument("--grades-per-subject", type=int, default=6)
    args = parser.parse_args()
    print_machine()
    from bench.council import configure
    from bench.isolated import database_drop

    with tempfile.TemporaryDirectory() as var_dir:
        configure(PG_URL, var_dir)
        try:
            started = time.perf_counter()
            print(f"  {seed(args.students, args.grades_per_subject)}")
            print(f"  dati creati in {time.perf_counter() - started:.0f} s")
            run_reads()
        finally:
            database_drop(PG_URL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
