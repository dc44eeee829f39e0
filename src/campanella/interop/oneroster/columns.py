"""The OneRoster 1.2 CSV binding: every file the manifest names, and the header of each file we
write (sources and what was checked: docs/oneroster.md)."""

from __future__ import annotations

from typing import Final

MANIFEST_VERSION: Final = "1.0"
ONEROSTER_VERSION: Final = "1.2"
SYSTEM_NAME: Final = "Campanella"

# Every data file of the 1.2 binding, in the order the manifest lists them: the manifest says
# `bulk` for the files in the bundle and `absent` for the others.
ALL_FILES: Final = (
    "academicSessions", "categories", "classes", "classResources", "courses",
    "courseResources", "demographics", "enrollments", "lineItemLearningObjectiveIds",
    "lineItems", "lineItemScoreScales", "orgs", "resources", "resultLearningObjectiveIds",
    "results", "resultScoreScales", "roles", "scoreScales", "userProfiles", "userResources",
    "users",
)  # fmt: skip

_COMMON: Final = ("sourcedId", "status", "dateLastModified")

HEADERS: Final[dict[str, tuple[str, ...]]] = {
    "orgs": (*_COMMON, "name", "type", "identifier", "parentSourcedId"),
    "academicSessions": (
        *_COMMON, "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear",
    ),
    "courses": (
        *_COMMON, "schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId",
        "subjects", "subjectCodes",
    ),
    "classes": (
        *_COMMON, "title", "grades", "courseSourcedId", "classCode", "classType", "location",
        "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods",
    ),
    "users": (
        *_COMMON, "enabledUser", "username", "userIds", "givenName", "familyName",
        "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades",
        "password", "userMasterIdentifier", "preferredGivenName",
        "preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId", "pronouns",
    ),
    "roles": (
        *_COMMON, "userSourcedId", "roleType", "role", "beginDate", "endDate", "orgSourcedId",
        "userProfileSourcedId",
    ),
    "enrollments": (
        *_COMMON, "classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary",
        "beginDate", "endDate",
    ),
    "categories": (*_COMMON, "title", "weight"),
    "lineItems": (
        *_COMMON, "title", "description", "assignDate", "dueDate", "classSourcedId",
        "categorySourcedId", "academicSessionSourcedId", "resultValueMin", "resultValueMax",
        "schoolSourcedId",
    ),
    "results": (
        *_COMMON, "lineItemSourcedId", "studentSourcedId", "scoreStatus", "score", "scoreDate",
        "comment", "textScore", "classSourcedId", "inProgress", "incomplete", "late", "missing",
    ),
}  # fmt: skip

# The files Campanella writes, in the order they are written (referenced records first).
WRITTEN: Final = (
    "orgs", "academicSessions", "courses", "classes", "users", "roles", "enrollments",
    "categories", "lineItems", "results",
)  # fmt: skip
