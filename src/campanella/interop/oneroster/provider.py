"""The OneRoster 1.2 REST provider: read-only rostering and gradebook services under
/ims/oneroster/, behind OAuth 2 client credentials (oauth.py). docs/oneroster.md, "REST".

Every request reads the records of the token's institute only — all its schools, in the current
school year — through `mapping` (the same records, sourcedIds and values as the CSV bundle),
shapes them with `provider_json`, then filters, sorts, pages and selects fields with
`provider_query`. Errors are the binding's imsx status objects: a missing object, or another
institute's, is 404 `unknownobject` alike.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Final
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from campanella.interop.oneroster import mapping, provider_paged
from campanella.interop.oneroster.columns import HEADERS
from campanella.interop.oneroster.oauth import (
    DEMOGRAPHICS,
    GRADEBOOK,
    ROSTER,
    ROSTER_CORE,
    AddressOf,
    Grant,
    Server,
    grant_for,
    token_response,
)
from campanella.interop.oneroster.provider_json import JsonObject, json_fields, role_json, to_json
from campanella.interop.oneroster.provider_query import (
    QueryError,
    apply_filter,
    modified_after,
    parse_fields,
    parse_filter,
    parse_paging,
    select_fields,
    sort_items,
)
from campanella.school.models import School, SchoolYear

ROSTERING: Final = "rostering"
GRADEBOOK_SERVICE: Final = "gradebook"
VERSION: Final = "v1p2"


# --- imsx status --------------------------------------------------------------------------------


def imsx(status: int, code_minor: str, description: str) -> JsonResponse:
    """The binding's error object (imsx_StatusInfo) with an Italian description."""
    body = {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {
                    "imsx_codeMinorFieldName": "TargetEndSystem",
                    "imsx_codeMinorFieldValue": code_minor,
                }
            ]
        },
    }
    response = JsonResponse(body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="oneroster"'
    return response


def unknown_object() -> JsonResponse:
    return imsx(404, "unknownobject", "Oggetto non trovato.")


# --- the institute's records ----------------------------------------------------------------------


def current_year(institute_id: int) -> SchoolYear | None:
    """The school year under way; between two years the one that began last (else the first)."""
    today = timezone.localdate()
    years = SchoolYear.objects.filter(institute_id=institute_id)
    return (
        years.filter(start_date__lte=today).order_by("-start_date").first()
        or years.order_by("start_date").first()
    )


# The collections whose reader can ask the database for what changed since a moment.
INCREMENTAL: Final[dict[str, Callable[..., Iterator[mapping.Record]]]] = {
    "results": mapping.results,
    "lineItems": mapping.line_items,
}


def _by_type(items: list[JsonObject], kind: str) -> list[JsonObject]:
    return [item for item in items if item.get("type") == kind]


def _ref_id(item: JsonObject, field: str) -> str:
    value = item.get(field)
    return str(value.get("sourcedId", "")) if isinstance(value, dict) else ""


class Catalog:
    """The JSON objects of one institute, each collection read once per request when asked."""

    def __init__(self, institute_id: int, base_url: str,
                 since: dict[str, datetime.datetime] | None = None) -> None:  # fmt: skip
        self.base_url = base_url
        self.since = since or {}  # per collection: read only what was modified after
        year = current_year(institute_id)
        self.roster: mapping.Roster | None = None
        self.fallback = ""
        self.fallback_moment = timezone.now()  # unused without a year (no roster)
        if year is not None:
            schools = School.objects.filter(institute_id=institute_id).values_list("pk", flat=True)
            scope = mapping.Scope(institute_id, tuple(sorted(schools)), year.pk)
            self.roster = mapping.roster_for(scope)
            # Schools, years, terms, courses, classes record no modification moment: they carry
            # the year's first day (docs/oneroster.md, "dateLastModified").
            start = datetime.datetime.combine(year.start_date, datetime.time.min)
            self.fallback_moment = timezone.make_aware(start)
            self.fallback = mapping.timestamp(self.fallback_moment)

    def _shaped(self, collection: str) -> list[JsonObject]:
        if self.roster is None:
            return []
        if collection in self.since:
            reader = INCREMENTAL[collection]
            records = reader(self.roster, since=self.since[collection])
        else:
            records = mapping.COLLECTIONS[collection](self.roster)
        return [
            to_json(collection, record, base_url=self.base_url, fallback_modified=self.fallback)
            for record in records
        ]

    @cached_property
    def orgs(self) -> list[JsonObject]:
        return self._shaped("orgs")

    @cached_property
    def academic_sessions(self) -> list[JsonObject]:
        return self._shaped("academicSessions")

    @cached_property
    def courses(self) -> list[JsonObject]:
        return self._shaped("courses")

    @cached_property
    def classes(self) -> list[JsonObject]:
        return self._shaped("classes")

    @cached_property
    def enrollments(self) -> list[JsonObject]:
        return self._shaped("enrollments")

    @cached_property
    def users(self) -> list[JsonObject]:
        """Users with their roles (in 1.2's REST binding a user carries them)."""
        if self.roster is None:
            return []
        roles: dict[str, list[JsonObject]] = defaultdict(list)
        for record in mapping.roles(self.roster):
            roles[record["userSourcedId"]].append(role_json(record, base_url=self.base_url))
        found = self._shaped("users")
        for user in found:
            user["roles"] = roles.get(user["sourcedId"], [])
        return found

    @cached_property
    def categories(self) -> list[JsonObject]:
        return self._shaped("categories")

    @cached_property
    def line_items(self) -> list[JsonObject]:
        return self._shaped("lineItems")

    @cached_property
    def results(self) -> list[JsonObject]:
        return self._shaped("results")

    def users_with_role(self, role: str) -> list[JsonObject]:
        return [user for user in self.users if any(r["role"] == role for r in user["roles"])]

    def enrolled(self, field: str, sourced_id: str, role: str | None = None) -> set[str]:
        """sourcedIds on the other side of the enrollments whose `field` is `sourced_id`."""
        other = "user" if field == "class" else "class"
        return {
            _ref_id(enrollment, other)
            for enrollment in self.enrollments
            if _ref_id(enrollment, field) == sourced_id
            and (role is None or enrollment.get("role") == role)
        }


# --- the endpoints ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Collection:
    """A top-level collection: its envelope keys, the fields its objects have, its objects."""

    plural: str
    singular: str
    kind: str  # the mapping collection whose fields the objects have
    items: Callable[[Catalog], list[JsonObject]]


Nested = Callable[[Catalog, str], list[JsonObject]]

TOP: Final[dict[str, dict[str, Collection]]] = {
    ROSTERING: {
        "academicSessions": Collection("academicSessions", "academicSession", "academicSessions",
                                       lambda c: c.academic_sessions),
        "terms": Collection("academicSessions", "academicSession", "academicSessions",
                            lambda c: _by_type(c.academic_sessions, "term")),
        "gradingPeriods": Collection("academicSessions", "academicSession", "academicSessions",
                                     lambda c: _by_type(c.academic_sessions, "gradingPeriod")),
        "classes": Collection("classes", "class", "classes", lambda c: c.classes),
        "courses": Collection("courses", "course", "courses", lambda c: c.courses),
        # Demographics are not given out (privacy: docs/oneroster.md): an empty collection.
        "demographics": Collection("demographics", "demographics", "demographics", lambda c: []),
        "enrollments": Collection("enrollments", "enrollment", "enrollments",
                                  lambda c: c.enrollments),
        "orgs": Collection("orgs", "org", "orgs", lambda c: c.orgs),
        "schools": Collection("orgs", "org", "orgs", lambda c: _by_type(c.orgs, "school")),
        "students": Collection("users", "user", "users",
                               lambda c: c.users_with_role("student")),
        "teachers": Collection("users", "user", "users",
                               lambda c: c.users_with_role("teacher")),
        "users": Collection("users", "user", "users", lambda c: c.users),
    },
    GRADEBOOK_SERVICE: {
        "categories": Collection("categories", "category", "categories", lambda c: c.categories),
        "lineItems": Collection("lineItems", "lineItem", "lineItems", lambda c: c.line_items),
        "results": Collection("results", "result", "results", lambda c: c.results),
    },
}  # fmt: skip


def _classes_of_user(c: Catalog, user: str) -> list[JsonObject]:
    chosen = c.enrolled("user", user)
    return [item for item in c.classes if item["sourcedId"] in chosen]


def _users_of_class(c: Catalog, class_id: str, role: str) -> list[JsonObject]:
    chosen = c.enrolled("class", class_id, role)
    return [item for item in c.users if item["sourcedId"] in chosen]


def _users_of_school(c: Catalog, school: str, role: str) -> list[JsonObject]:
    return [
        user for user in c.users
        if any(r["role"] == role and _ref_id(r, "org") == school for r in user["roles"])
    ]  # fmt: skip


def _where(items: list[JsonObject], field: str, sourced_id: str) -> list[JsonObject]:
    return [item for item in items if _ref_id(item, field) == sourced_id]


def _in_term(c: Catalog, term: str) -> list[JsonObject]:
    return [item for item in c.classes
            if any(t["sourcedId"] == term for t in item.get("terms", []))]  # fmt: skip


# (parent collection, child) → the child's collection and its objects under the parent.
NESTED: Final[dict[str, dict[tuple[str, str], tuple[str, Nested]]]] = {
    ROSTERING: {
        ("schools", "classes"): ("classes", lambda c, s: _where(c.classes, "school", s)),
        ("schools", "courses"): ("courses", lambda c, s: _where(c.courses, "org", s)),
        ("schools", "enrollments"): ("enrollments",
                                     lambda c, s: _where(c.enrollments, "school", s)),
        ("schools", "students"): ("students", lambda c, s: _users_of_school(c, s, "student")),
        ("schools", "teachers"): ("teachers", lambda c, s: _users_of_school(c, s, "teacher")),
        ("classes", "students"): ("students", lambda c, k: _users_of_class(c, k, "student")),
        ("classes", "teachers"): ("teachers", lambda c, k: _users_of_class(c, k, "teacher")),
        ("courses", "classes"): ("classes", lambda c, k: _where(c.classes, "course", k)),
        ("students", "classes"): ("classes", _classes_of_user),
        ("teachers", "classes"): ("classes", _classes_of_user),
        ("users", "classes"): ("classes", _classes_of_user),
        ("terms", "classes"): ("classes", _in_term),
        ("terms", "gradingPeriods"): (
            "gradingPeriods",
            lambda c, t: _where(_by_type(c.academic_sessions, "gradingPeriod"), "parent", t),
        ),
    },
    GRADEBOOK_SERVICE: {
        ("classes", "lineItems"): ("lineItems", lambda c, k: _where(c.line_items, "class", k)),
        ("classes", "results"): ("results", lambda c, k: _where(c.results, "class", k)),
    },
}  # fmt: skip

# /classes/{class}/lineItems/{lineItem}/results and /classes/{class}/students/{student}/results
DEEP_RESULTS: Final = {"lineItems": ("lineItems", "lineItem"), "students": ("students", "student")}


def _collection(service: str, name: str) -> Collection | None:
    """A collection by name, in the service or (for a parent like /classes/…) in rostering."""
    return TOP[service].get(name) or TOP[ROSTERING].get(name)


def _exists(catalog: Catalog, service: str, name: str, sourced_id: str) -> bool:
    found = _collection(service, name)
    return found is not None and any(
        item["sourcedId"] == sourced_id for item in found.items(catalog)
    )


def _scopes_for(service: str, segments: list[str]) -> frozenset[str]:
    if service == GRADEBOOK_SERVICE:
        return frozenset({GRADEBOOK})
    if segments[0] == "demographics":
        return frozenset({DEMOGRAPHICS, ROSTER})
    return frozenset({ROSTER_CORE, ROSTER})


@dataclass(frozen=True)
class Answer:
    """What a path names: one object, or a list of objects of one collection."""

    collection: Collection
    items: list[JsonObject]
    single: bool = False


def resolve(catalog: Catalog, service: str, segments: list[str]) -> Answer | None:
    """The objects a path names; None when it names nothing (unknown path or object)."""
    if len(segments) in {1, 2}:
        top = TOP[service].get(segments[0])
        if top is None:
            return None
        if len(segments) == 1:
            return Answer(top, top.items(catalog))
        one = [item for item in top.items(catalog) if item["sourcedId"] == segments[1]]
        return Answer(top, one, single=True) if one else None
    if len(segments) == 3:
        parent, sourced_id, child = segments
        nested = NESTED[service].get((parent, child))
        if nested is None or not _exists(catalog, service, parent, sourced_id):
            return None
        target = _collection(service, nested[0])
        assert target is not None
        return Answer(target, nested[1](catalog, sourced_id))
    if len(segments) == 5 and service == GRADEBOOK_SERVICE and segments[0] == "classes":
        _classes, class_id, middle, middle_id, last = segments
        if last != "results" or middle not in DEEP_RESULTS:
            return None
        name, field = DEEP_RESULTS[middle]
        if not _exists(catalog, service, "classes", class_id) or not _exists(
            catalog, service, name, middle_id
        ):
            return None
        chosen = [
            item for item in _where(catalog.results, "class", class_id)
            if _ref_id(item, field) == middle_id
        ]  # fmt: skip
        return Answer(TOP[GRADEBOOK_SERVICE]["results"], chosen)
    return None


def _known_fields(collection: Collection) -> tuple[str, ...]:
    if collection.kind == "demographics":
        return ("sourcedId", "status", "dateLastModified")
    return json_fields(collection.kind, HEADERS[collection.kind])


def _link_header(request: HttpRequest, offset: int, limit: int, total: int) -> str:
    base = request.build_absolute_uri(request.path)
    params = request.GET.copy()

    def link(at: int, rel: str) -> str:
        params["offset"] = str(at)
        params["limit"] = str(limit)
        return f'<{base}?{urlencode(sorted(params.items()))}>; rel="{rel}"'

    links = [link(0, "first")]
    if offset + limit < total:
        links.append(link(offset + limit, "next"))
    if offset > 0:
        links.append(link(max(offset - limit, 0), "prev"))
    links.append(link(max((total - 1) // limit * limit, 0), "last"))
    return ", ".join(links)


def _listed(request: HttpRequest, answer: Answer) -> HttpResponse:
    known = _known_fields(answer.collection)
    items = answer.items
    if request.GET.get("filter"):
        items = apply_filter(items, parse_filter(request.GET["filter"], known))
    if request.GET.get("sort"):
        items = sort_items(items, request.GET["sort"], request.GET.get("orderBy", "asc"), known)
    limit, offset = parse_paging(request.GET.get("limit"), request.GET.get("offset"))
    return _page_response(request, answer.collection, items[offset : offset + limit],
                          total=len(items), offset=offset, limit=limit)  # fmt: skip


def _page_response(request: HttpRequest, collection: Collection, page: list[JsonObject], *,
                   total: int, offset: int, limit: int) -> HttpResponse:  # fmt: skip
    known = _known_fields(collection)
    fields = parse_fields(request.GET["fields"], known) if request.GET.get("fields") else None
    if fields is not None:
        page = [select_fields(item, fields) for item in page]
    response = JsonResponse({collection.plural: page})
    response["X-Total-Count"] = str(total)
    response["Link"] = _link_header(request, offset, limit, total)
    return response


# Off only to compare the database's pages with the general path's (tests).
DATABASE_PAGING = True


def _paged_in_database(request: HttpRequest, catalog: Catalog, service: str,
                       segments: list[str]) -> HttpResponse | None:  # fmt: skip
    """The list a path names, paged by the database (provider_paged); None when the general
    path must answer (another collection, a filter or sort the database cannot answer, an
    unknown parent, a refused parameter)."""
    if not DATABASE_PAGING or catalog.roster is None or len(segments) not in {1, 3}:
        return None
    key: str | tuple[str, str] = segments[0] if len(segments) == 1 else (segments[0], segments[2])
    source = provider_paged.SOURCES[service].get(key)
    if source is None:
        return None
    parent = segments[1] if len(segments) == 3 else None
    if parent is not None and not provider_paged.class_exists(catalog.roster, parent):
        return None  # every nested source is under classes/{id}
    collection = _collection(service, segments[-1])
    assert collection is not None
    plan = provider_paged.plan_for(request.GET, source, _known_fields(collection))
    try:
        limit, offset = parse_paging(request.GET.get("limit"), request.GET.get("offset"))
    except QueryError:
        return None
    if plan is None:
        return None
    reading = provider_paged.Reading(catalog.roster, catalog.base_url, catalog.fallback,
                                     catalog.fallback_moment)  # fmt: skip
    page, total = provider_paged.read_page(source, reading, parent, plan, offset, limit)
    return _page_response(request, collection, page, total=total, offset=offset, limit=limit)


def _single(request: HttpRequest, answer: Answer) -> HttpResponse:
    item = answer.items[0]
    if request.GET.get("fields"):
        fields = parse_fields(request.GET["fields"], _known_fields(answer.collection))
        if fields is not None:
            item = select_fields(item, fields)
    return JsonResponse({answer.collection.singular: item})


def _since(request: HttpRequest, service: str, segments: list[str]
           ) -> dict[str, datetime.datetime]:  # fmt: skip
    """For a list of results or line items filtered on `dateLastModified>`: read only those
    modified after it (the same answer, the filter is applied again; an incremental read no
    longer costs the whole grade book)."""
    text = request.GET.get("filter")
    if service != GRADEBOOK_SERVICE or len(segments) != 1 or segments[0] not in INCREMENTAL:
        return {}
    if not text:
        return {}
    try:
        chosen = parse_filter(text, _known_fields(TOP[service][segments[0]]))
    except QueryError:
        return {}  # refused with its imsx error further on
    moment = modified_after(chosen)
    return {segments[0]: moment} if moment is not None else {}


def service_response(request: HttpRequest, service: str, rest: str, address_of: AddressOf
                     ) -> HttpResponse:  # fmt: skip
    grant: Grant | None = grant_for(
        request.headers.get("Authorization"), address=address_of(request)
    )
    if grant is None:
        return imsx(401, "unauthorisedrequest",
                    "Token di accesso mancante, scaduto o revocato.")  # fmt: skip
    segments = rest.strip("/").split("/")
    if not grant.scopes & _scopes_for(service, segments):
        return imsx(403, "forbidden", "Il token non ha il permesso (scope) per questi dati.")
    base_url = request.build_absolute_uri("/ims/oneroster").rstrip("/")
    catalog = Catalog(grant.institute_id, base_url, _since(request, service, segments))
    paged = _paged_in_database(request, catalog, service, segments)
    if paged is not None:
        return paged
    answer = resolve(catalog, service, segments)
    if answer is None:
        return unknown_object()
    try:
        return _single(request, answer) if answer.single else _listed(request, answer)
    except QueryError as refused:
        return imsx(400, refused.code_minor, refused.message)


# --- views (wired by provider_urls with the deployment's way of telling client addresses) -----


def views_for(address_of: AddressOf) -> dict[str, Callable[..., HttpResponse]]:
    server = Server(address_of)

    @csrf_exempt
    @require_POST
    @never_cache
    def token(request: HttpRequest) -> HttpResponse:
        """RFC 6749 §4.4: client id and secret (HTTP Basic or form) → a bearer token."""
        return token_response(server, request)

    def service_view(service: str) -> Callable[..., HttpResponse]:
        @require_GET
        @never_cache
        def view(request: HttpRequest, rest: str) -> HttpResponse:
            return service_response(request, service, rest, address_of)

        return view

    return {
        "token": token,
        ROSTERING: service_view(ROSTERING),
        GRADEBOOK_SERVICE: service_view(GRADEBOOK_SERVICE),
    }
