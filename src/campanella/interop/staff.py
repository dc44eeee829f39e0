"""Import of staff (teachers, office, principal), matched by codice fiscale in the institute.

Roles are only added, never removed: taking a role away (and with it the access) is a deliberate
act done in the management site, not a side effect of a spreadsheet. A person in the file is in
service: an inactive record is reactivated (and the preview says so).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from campanella.interop.columns import EXAMPLE_CODES
from campanella.interop.models import ImportKind
from campanella.interop.plan import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Plan,
    RowCheck,
    RowOutcome,
    change,
    check_model,
    first_seen,
    start_plan,
    update_fields,
)
from campanella.interop.tabular import Sheet
from campanella.interop.values import as_text, codice_fiscale, email, required_text, roles
from campanella.people.models import Staff

BATCH_SIZE = 500
ROLE_FIELDS = {"teacher": "is_teacher", "office": "is_office", "principal": "is_principal"}
ROLE_NAMES = {"is_teacher": "docente", "is_office": "segreteria", "is_principal": "dirigente"}
STAFF_COLUMNS = {
    "surname": "cognome",
    "name": "nome",
    "codice_fiscale": "codice_fiscale",
    "email": "email",
    "is_teacher": "ruoli",
    "is_office": "ruoli",
    "is_principal": "ruoli",
}
STAFF_LABELS = {"surname": "cognome", "name": "nome", "email": "e-mail"}
UPDATE_FIELDS = ["surname", "name", "email", "is_teacher", "is_office", "is_principal", "active"]


@dataclass
class StaffWrites:
    new_staff: list[Staff] = field(default_factory=list)
    changed_staff: list[Staff] = field(default_factory=list)

    def apply(self) -> dict[str, int]:
        Staff.objects.bulk_create(self.new_staff, batch_size=BATCH_SIZE)
        if self.changed_staff:
            Staff.objects.bulk_update(self.changed_staff, UPDATE_FIELDS, batch_size=BATCH_SIZE)
        return {
            "staff_created": len(self.new_staff),
            "staff_updated": len(self.changed_staff),
        }


def plan_staff(sheet: Sheet, *, institute_id: int) -> Plan:
    plan, header = start_plan(ImportKind.STAFF, sheet)
    if header is None:
        return plan
    existing = {
        s.codice_fiscale: s
        for s in Staff.objects.filter(institute_id=institute_id).exclude(codice_fiscale="")
    }
    writes = StaffWrites()
    seen: dict[str, int] = {}
    width = len(sheet.header)
    for row in sheet.rows:
        check = RowCheck(row, header, width)
        outcome = _row(check, existing, seen, writes, institute_id)
        if check.messages:
            check.reject(plan, _label(check))
        elif outcome is not None:
            plan.rows.append(outcome)
    plan.writes = writes
    return plan


def _row(
    check: RowCheck,
    existing: dict[str, Staff],
    seen: dict[str, int],
    writes: StaffWrites,
    institute_id: int,
) -> RowOutcome | None:
    cf = check.parse("codice_fiscale", codice_fiscale)
    surname = check.parse("cognome", required_text)
    name = check.parse("nome", required_text)
    mail = check.parse("email", email)
    role_codes = check.parse("ruoli", roles)
    if cf is not None:
        _check_code(check, cf, seen)
    if cf is None or surname is None or name is None or mail is None or role_codes is None:
        return None
    flags = {ROLE_FIELDS[code]: True for code in role_codes}
    label = f"{surname} {name} ({cf})"
    staff = existing.get(cf)
    if staff is None:
        staff = Staff(
            institute_id=institute_id,
            codice_fiscale=cf,
            surname=surname,
            name=name,
            email=mail,
            **flags,
        )
        check_model(check, staff, STAFF_COLUMNS)
        writes.new_staff.append(staff)
        return RowOutcome(
            check.line, CREATED, label, [_("ruoli: %(roles)s") % {"roles": _role_list(staff)}]
        )
    details = update_fields(staff, {"surname": surname, "name": name, "email": mail}, STAFF_LABELS)
    details += _add_roles(staff, flags)
    if not staff.active:
        details.append(change(_("in servizio"), False, True))
        staff.active = True
    if not details:
        return RowOutcome(check.line, UNCHANGED, label)
    check_model(check, staff, STAFF_COLUMNS)
    writes.changed_staff.append(staff)
    return RowOutcome(check.line, UPDATED, label, details)


def _check_code(check: RowCheck, cf: str, seen: dict[str, int]) -> None:
    previous = first_seen(seen, cf, check.line)
    if previous is not None:
        check.add(
            _(
                "la persona con codice fiscale %(cf)s compare già alla riga %(line)s: ogni "
                "persona deve comparire una sola volta"
            )
            % {"cf": cf, "line": previous},
            "codice_fiscale",
        )
    if cf in EXAMPLE_CODES:
        check.add(_("è la riga di esempio del modello: cancellarla prima di importare il file"))


def _add_roles(staff: Staff, flags: dict[str, bool]) -> list[str]:
    before = _role_list(staff)
    added = [name for name in flags if not getattr(staff, name)]
    if not added:
        return []
    for name in added:
        setattr(staff, name, True)
    return [change(_("ruoli"), before, _role_list(staff))]


def _role_list(staff: Staff) -> str:
    return ", ".join(label for name, label in ROLE_NAMES.items() if getattr(staff, name))


def _label(check: RowCheck) -> str:
    parts = " ".join(p for p in (as_text(check.cell("cognome")), as_text(check.cell("nome"))) if p)
    cf = as_text(check.cell("codice_fiscale"))
    return f"{parts or _('(senza nome)')} ({cf})" if cf else parts or _("(senza nome)")
