"""Two app servers on one PostgreSQL and one Redis, behind a small reverse proxy, with a worker:
the deployment docs/deploy.md prescribes. Lock-outs, two-step codes, sessions, revoked tokens,
kept grade pages and background jobs must hold across the servers (issue 10, finding 16).

Real processes, no mocks: `campanella serve` twice, `campanella worker`, a threaded proxy that
sends requests to the servers in turn and appends X-Forwarded-For, and aiosmtpd for e-mail.
Clients reach the proxy from different loopback addresses (127.0.0.2, 127.0.0.3…), so the
servers see the proxy and must believe its header: TRUSTED_PROXIES=127.0.0.1.
"""

from __future__ import annotations

import http.client
import http.server
import itertools
import json
import os
import re
import signal
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psycopg
import pyotp
import pytest
import requests
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings

from tests.mailbox import Mailbox, free_port

CAMPANELLA = Path(sys.executable).parent / "campanella"
PASSWORD = "campanella-demo"  # the seed's password for every login
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(
        django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="several app servers need PostgreSQL (the suite's PostgreSQL run has it)",
    ),
]


# --- the proxy -------------------------------------------------------------------------------


class Proxy(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    backends: Iterator[int]


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    """Forwards each request to the next app server, as nginx with two upstreams would."""

    server: Proxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        forwarded = self.headers.get("X-Forwarded-For")
        client = self.client_address[0]
        headers["X-Forwarded-For"] = f"{forwarded}, {client}" if forwarded else client
        port = next(self.server.backends)
        upstream = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        upstream.request(self.command, self.path, body=body, headers=headers)
        answer = upstream.getresponse()
        content = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in {"connection", "transfer-encoding", "content-length"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.send_header("X-Upstream", str(port))
        self.end_headers()
        self.wfile.write(content)
        upstream.close()

    do_GET = do_POST = do_DELETE = do_PUT = forward  # noqa: N815


class SourceAdapter(requests.adapters.HTTPAdapter):
    """Connects from a chosen loopback address: another family's computer."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def browser(source: str = "127.0.0.2") -> requests.Session:
    session = requests.Session()
    session.mount("http://", SourceAdapter(source))
    return session


# --- the deployment ----------------------------------------------------------------------------


@dataclass
class Deployment:
    proxy: str  # http://127.0.0.1:port
    servers: list[str]  # direct addresses, to ask one server in particular
    mailbox: Mailbox
    logins: dict[str, Any]
    env: dict[str, str]

    def on(self, server: int, path: str) -> str:
        return f"{self.servers[server]}{path}"

    def django(self, code: str) -> str:
        """Run Python with Django set up on the deployment's database; returns its stdout."""
        script = "import django; django.setup()\n" + code
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-c", script],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout


def database_url(name: str) -> str:
    db = django_settings.DATABASES["default"]
    user, password = db["USER"], db.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else f"{user}@"
    return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def admin_connection() -> psycopg.Connection[Any]:
    db = django_settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode()  # type: ignore[union-attr]
        try:
            requests.get(url, timeout=10, allow_redirects=False)
            return
        except requests.RequestException:
            time.sleep(0.3)
    raise AssertionError(f"{url} never answered")


LOGINS_SCRIPT = """
import json
from campanella.people.models import Guardianship, Staff
from campanella.school.models import Teaching
teaching = Teaching.objects.filter(kind="normale").select_related("teacher__user").first()
link = Guardianship.objects.filter(
    student__enrollments__classroom=teaching.classroom, guardian__user__isnull=False
).select_related("guardian__user", "student").first()
office = Staff.objects.filter(is_office=True).select_related("user").first()
print(json.dumps({
    "teacher": teaching.teacher.user.username, "classroom": teaching.classroom_id,
    "subject": teaching.subject_id, "guardian": link.guardian.user.username,
    "student": link.student_id, "office": office.user.username,
}))
"""


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    if not CAMPANELLA.exists():
        pytest.skip("the campanella script is installed by ./dev")
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).flushdb()
    except redis.ConnectionError:
        pytest.fail(f"Redis non risponde su {REDIS_URL}: ./dev test lo avvia")
    name = f"campanella_servers_{uuid.uuid4().hex[:8]}"
    with admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    box = Mailbox()
    smtp = Controller(box, hostname="127.0.0.1", port=free_port())
    smtp.start()
    var = tmp_path_factory.mktemp("servers")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(var),
        "SECRET_KEY": "two-servers-" + "k" * 40,
        "DATABASE_URL": database_url(name),
        "REDIS_URL": REDIS_URL,
        "CAMPANELLA_VAR_DIR": str(var),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TRUSTED_PROXIES": "127.0.0.1",
        "TASKS_BACKEND": "database",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "STATIC_MANIFEST": "0",
        "SECURE_COOKIES": "0",
        "SECURE_SSL_REDIRECT": "0",
        "WEB_CONCURRENCY": "1",
        "DJANGO_SETTINGS_MODULE": "campanella.settings",
    }
    processes: list[subprocess.Popen[bytes]] = []
    proxy: Proxy | None = None
    try:
        for step in (["migrate"], ["seed", "--students", "30", "--schools", "1", "--seed", "7"]):
            done = subprocess.run(  # noqa: S603
                [str(CAMPANELLA), *step], env=env, capture_output=True, text=True, check=False
            )
            assert done.returncode == 0, done.stderr
        ports = [free_port(), free_port()]
        for port in ports:
            server = subprocess.Popen(  # noqa: S603
                [str(CAMPANELLA), "serve"],
                env={**env, "BIND": f"127.0.0.1:{port}"},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            processes.append(server)
        worker = subprocess.Popen(  # noqa: S603
            [str(CAMPANELLA), "worker", "--interval", "0.2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        processes.append(worker)
        for port, server in zip(ports, processes, strict=False):
            wait_until_up(f"http://127.0.0.1:{port}/accedi/", server)
        proxy = Proxy(("127.0.0.1", 0), ProxyHandler)
        proxy.backends = itertools.cycle(ports)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        deployment = Deployment(
            proxy=f"http://127.0.0.1:{proxy.server_address[1]}",
            servers=[f"http://127.0.0.1:{port}" for port in ports],
            mailbox=box,
            logins={},
            env=env,
        )
        deployment.logins = json.loads(deployment.django(LOGINS_SCRIPT))
        yield deployment
    finally:
        if proxy is not None:
            proxy.shutdown()
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        smtp.stop()
        with admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def token(deployment: Deployment, server: int, username: str, otp: str = "") -> requests.Response:
    return requests.post(
        deployment.on(server, "/api/v1/auth/token"),
        json={"username": username, "password": PASSWORD, "otp": otp},
        timeout=30,
    )


def page_login(session: requests.Session, base: str, username: str, password: str) -> int:
    session.get(f"{base}/accedi/", timeout=30)
    response = session.post(
        f"{base}/accedi/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": f"{base}/accedi/"},
        allow_redirects=False,
        timeout=30,
    )
    return response.status_code


# --- the checks --------------------------------------------------------------------------------


def test_failures_on_both_servers_lock_the_account_on_both(deployment: Deployment) -> None:
    guardian = deployment.logins["guardian"]
    for attempt in range(5):
        response = requests.post(
            deployment.on(attempt % 2, "/api/v1/auth/token"),
            json={"username": guardian, "password": "sbagliata"},
            timeout=30,
        )
        assert response.status_code == 401
    assert token(deployment, 0, guardian).status_code == 429
    assert token(deployment, 1, guardian).status_code == 429
    office = deployment.logins["office"]
    deployment.django(
        "from campanella.accounts import security\n"
        "from campanella.people.models import User\n"
        f"security.unlock(username={guardian!r}, actor=User.objects.get(username={office!r}))\n"
    )
    assert token(deployment, 1, guardian).status_code == 200


def test_through_the_proxy_one_client_is_locked_not_the_others(deployment: Deployment) -> None:
    attacker, family = browser("127.0.0.5"), browser("127.0.0.6")
    for number in range(30):
        response = attacker.post(
            f"{deployment.proxy}/api/v1/auth/token",
            json={"username": f"G7{number:05d}K", "password": "x"},
            timeout=30,
        )
        assert response.status_code == 401
    teacher = deployment.logins["teacher"]
    body = {"username": teacher, "password": PASSWORD}
    locked = attacker.post(f"{deployment.proxy}/api/v1/auth/token", json=body, timeout=30)
    assert locked.status_code == 429
    assert family.post(f"{deployment.proxy}/api/v1/auth/token", json=body, timeout=30).ok
    # A client that talks to a server directly cannot claim another address to escape its lock.
    forged = browser("127.0.0.5").post(
        deployment.on(0, "/api/v1/auth/token"),
        json=body,
        headers={"X-Forwarded-For": "198.51.100.1"},
        timeout=30,
    )
    assert forged.status_code == 429
    deployment.django(
        "from campanella.people.models import AccessEvent\n"
        "assert AccessEvent.objects.filter(ip_address='127.0.0.6', kind='login').exists()\n"
        "assert not AccessEvent.objects.filter(ip_address='198.51.100.1').exists()\n"
    )


def test_a_two_step_code_is_used_once_across_servers(deployment: Deployment) -> None:
    teacher = deployment.logins["teacher"]
    secret = pyotp.random_base32()
    deployment.django(
        "from campanella.people.models import User\n"
        f"User.objects.filter(username={teacher!r}).update("
        f"totp_secret={secret!r}, totp_confirmed=True, totp_last_step=0)\n"
    )
    code = pyotp.TOTP(secret).now()
    assert token(deployment, 0, teacher, otp=code).status_code == 200
    assert token(deployment, 1, teacher, otp=code).status_code == 401
    deployment.django(
        "from campanella.people.models import User\n"
        f"User.objects.filter(username={teacher!r}).update(totp_secret='', totp_confirmed=False)\n"
    )


def test_a_session_opened_on_one_server_works_on_the_other(deployment: Deployment) -> None:
    session = browser()
    assert (
        page_login(session, deployment.servers[0], deployment.logins["guardian"], PASSWORD) == 302
    )
    profile = session.get(deployment.on(1, "/profilo/"), allow_redirects=False, timeout=30)
    assert profile.status_code == 200
    # Logging out everywhere on server 1 ends a token issued by server 0.
    issued = token(deployment, 0, deployment.logins["guardian"]).json()["token"]
    me = deployment.on(0, "/api/v1/me")
    auth = {"Authorization": f"Bearer {issued}"}
    assert requests.get(me, headers=auth, timeout=30).status_code == 200
    session.post(
        deployment.on(1, "/profilo/esci-ovunque/"),
        data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": deployment.on(1, "/profilo/")},
        allow_redirects=False,
        timeout=30,
    )
    assert requests.get(me, headers=auth, timeout=30).status_code == 401
    # A token revoked on one server is dead on the other.
    other = token(deployment, 1, deployment.logins["guardian"]).json()["token"]
    auth = {"Authorization": f"Bearer {other}"}
    assert requests.delete(deployment.on(1, "/api/v1/auth/token"), headers=auth, timeout=30).ok
    assert requests.get(me, headers=auth, timeout=30).status_code == 401


def test_a_grade_written_on_one_server_shows_on_the_other(deployment: Deployment) -> None:
    logins = deployment.logins
    family = browser()
    assert page_login(family, deployment.servers[1], logins["guardian"], PASSWORD) == 302
    page = f"/voti/alunno/{logins['student']}/"
    before = family.get(deployment.on(1, page), timeout=30).text  # kept on server 1 now
    family.get(deployment.on(0, page), timeout=30)
    teacher = token(deployment, 0, logins["teacher"]).json()["token"]
    marker = f"verifica-{uuid.uuid4().hex[:6]}"
    day = deployment.django(
        "import datetime\n"
        "from django.utils import timezone\n"
        "from campanella.school.models import Classroom\n"
        "from campanella.school.selectors import is_school_day\n"
        f"school = Classroom.objects.get(pk={logins['classroom']}).school\n"
        "day = timezone.localdate()\n"
        "while not is_school_day(school, day):\n"
        "    day -= datetime.timedelta(days=1)\n"
        "print(day.isoformat())\n"
    ).strip()
    book = f"/api/v1/classrooms/{logins['classroom']}/subjects/{logins['subject']}/grades"
    written = requests.post(
        deployment.on(0, book),
        json={
            "student_id": logins["student"],
            "date": day,
            "kind": "orale",
            "grade": "7+",
            "description": marker,
        },
        headers={"Authorization": f"Bearer {teacher}"},
        timeout=30,
    )
    assert written.status_code == 200, written.text
    assert marker not in before
    after = family.get(deployment.on(1, page), timeout=30).text
    assert marker in after


def test_a_job_queued_by_one_server_is_done_by_the_worker(deployment: Deployment) -> None:
    guardian = deployment.logins["guardian"]
    address = f"{guardian.lower()}@famiglia.example"
    deployment.django(
        "from campanella.people.models import User\n"
        f"User.objects.filter(username={guardian!r}).update(login_email={address!r})\n"
    )
    session = browser()
    session.get(deployment.on(0, "/password-dimenticata/"), timeout=30)
    response = session.post(
        deployment.on(0, "/password-dimenticata/"),
        data={"identifier": address, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302
    [message] = deployment.mailbox.wait_for_address(address, timeout=60)
    link = urlparse(Mailbox.link(message)).path
    assert re.match(r"^/", link)
    # Opened on the other server: the link works; then, used, it is refused on both.
    reset = browser()
    opened = reset.get(deployment.on(1, link), timeout=30)
    assert "Scegli una nuova password" in opened.text
    new_password = "Una-Nuova-Password-2026"
    done = reset.post(
        opened.url,
        data={
            "new_password1": new_password,
            "new_password2": new_password,
            "csrfmiddlewaretoken": reset.cookies["csrftoken"],
        },
        headers={"Referer": opened.url},
        allow_redirects=False,
        timeout=30,
    )
    assert done.status_code == 302
    again = browser().get(deployment.on(0, link), timeout=30)
    assert "scaduto o è già stato usato" in again.text
    assert page_login(browser(), deployment.servers[0], guardian, new_password) == 302
