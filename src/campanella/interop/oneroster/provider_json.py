"""The REST (JSON) binding of OneRoster 1.2 over the same records as the CSV bundle.

`mapping` yields each record keyed by the CSV binding's column names; here a record becomes the
JSON object of the REST binding: `…SourcedId` columns become references (`{"href",
"sourcedId", "type"}`), comma-separated lists become arrays, flags booleans, scores numbers, a
user carries its roles. Blank optional fields are left out. Same sourcedIds, same values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final

JsonObject = dict[str, Any]
_ALWAYS: Final = ("sourcedId", "status", "dateLastModified")


@dataclass(frozen=True)
class Ref:
    """A CSV column naming another record, and how the JSON binding names that link."""

    field: str
    type: str  # the GUIDRef type: "org", "academicSession", "class", "user"…
    collection: str  # where its href points, under its service's base URL
    many: bool = False


# Per collection: the columns that are references (CSV column → JSON field and target).
REFS: Final[dict[str, dict[str, Ref]]] = {
    "orgs": {"parentSourcedId": Ref("parent", "org", "rostering/v1p2/orgs")},
    "academicSessions": {
        "parentSourcedId": Ref("parent", "academicSession", "rostering/v1p2/academicSessions")
    },
    "courses": {
        "schoolYearSourcedId": Ref(
            "schoolYear", "academicSession", "rostering/v1p2/academicSessions"
        ),
        "orgSourcedId": Ref("org", "org", "rostering/v1p2/orgs"),
    },
    "classes": {
        "courseSourcedId": Ref("course", "course", "rostering/v1p2/courses"),
        "schoolSourcedId": Ref("school", "org", "rostering/v1p2/schools"),
        "termSourcedIds": Ref("terms", "academicSession", "rostering/v1p2/terms", many=True),
    },
    "users": {
        "agentSourcedIds": Ref("agents", "user", "rostering/v1p2/users", many=True),
        "primaryOrgSourcedId": Ref("primaryOrg", "org", "rostering/v1p2/orgs"),
    },
    "roles": {"orgSourcedId": Ref("org", "org", "rostering/v1p2/orgs")},
    "enrollments": {
        "classSourcedId": Ref("class", "class", "rostering/v1p2/classes"),
        "schoolSourcedId": Ref("school", "org", "rostering/v1p2/schools"),
        "userSourcedId": Ref("user", "user", "rostering/v1p2/users"),
    },
    "categories": {},
    "lineItems": {
        "classSourcedId": Ref("class", "class", "rostering/v1p2/classes"),
        "categorySourcedId": Ref("category", "category", "gradebook/v1p2/categories"),
        "academicSessionSourcedId": Ref(
            "gradingPeriod", "academicSession", "rostering/v1p2/gradingPeriods"
        ),
        "schoolSourcedId": Ref("school", "org", "rostering/v1p2/schools"),
    },
    "results": {
        "lineItemSourcedId": Ref("lineItem", "lineItem", "gradebook/v1p2/lineItems"),
        "studentSourcedId": Ref("student", "user", "rostering/v1p2/students"),
        "classSourcedId": Ref("class", "class", "rostering/v1p2/classes"),
    },
}
LISTS: Final = frozenset({"grades", "subjects", "subjectCodes", "periods"})
BOOLEANS: Final = frozenset(
    {"enabledUser", "primary", "inProgress", "incomplete", "late", "missing"}
)
NUMBERS: Final = frozenset({"score", "resultValueMin", "resultValueMax", "weight"})
LEFT_OUT: Final = frozenset({"password"})  # never sent (the CSV column stays blank too)

# The fields of each collection's JSON objects (for `fields`, `filter` and `sort` checks).
ROLE_FIELDS: Final = ("roleType", "role", "org", "beginDate", "endDate")


def json_fields(collection: str, csv_header: Iterable[str]) -> tuple[str, ...]:
    refs = REFS.get(collection, {})
    names = [refs[column].field if column in refs else column for column in csv_header]
    names = [name for name in names if name not in LEFT_OUT]
    if collection == "users":
        names.append("roles")
    return tuple(names)


def _number(text: str) -> int | float | str:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    return int(value) if value == value.to_integral_value() else float(value)


def _ref(ref: Ref, sourced_id: str, base_url: str) -> JsonObject:
    return {"href": f"{base_url}/{ref.collection}/{sourced_id}", "sourcedId": sourced_id,
            "type": ref.type}  # fmt: skip


def to_json(collection: str, record: Mapping[str, str], *, base_url: str,
            fallback_modified: str) -> JsonObject:  # fmt: skip
    """One mapping record as the JSON binding's object. `base_url` ends before the service
    ("…/ims/oneroster"); a record whose modification moment nothing recorded carries
    `fallback_modified` (the field is required in the REST binding)."""
    refs = REFS.get(collection, {})
    shaped: JsonObject = {name: record.get(name, "") for name in _ALWAYS}
    shaped["dateLastModified"] = shaped["dateLastModified"] or fallback_modified
    for column, value in record.items():
        if column in _ALWAYS or column in LEFT_OUT or value == "":
            continue
        if column in refs:
            ref = refs[column]
            if ref.many:
                shaped[ref.field] = [_ref(ref, one, base_url) for one in value.split(",")]
            else:
                shaped[ref.field] = _ref(ref, value, base_url)
        elif column in LISTS:
            shaped[column] = value.split(",")
        elif column in BOOLEANS:
            shaped[column] = value == "true"
        elif column in NUMBERS:
            shaped[column] = _number(value)
        else:
            shaped[column] = value
    return shaped


def role_json(record: Mapping[str, str], *, base_url: str) -> JsonObject:
    """A `roles` record as the role a user object carries in the REST binding."""
    shaped = to_json("roles", record, base_url=base_url, fallback_modified="")
    return {name: shaped[name] for name in ROLE_FIELDS if name in shaped}
