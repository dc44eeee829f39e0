"""The office's management site (/gestione/), in Italian, until dedicated pages come.

Only the office of an institute gets in, and sees and edits only its own institute: every
queryset and every foreign-key choice is scoped here, in one place. Everyone else gets 404.
The admin of the school structure lives here too because the role checks belong to `people`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.views import redirect_to_login
from django.db.models import Case, Model, QuerySet, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from campanella.lib.grades import SYNTHETIC_JUDGEMENTS
from campanella.people.access import staff_leave
from campanella.people.guard import check_enrollment_open
from campanella.people.models import Enrollment, Guardian, Guardianship, Staff, Student
from campanella.people.roles import roles_for_user
from campanella.school.guard import (
    DayClosed,
    check_spans_open,
    check_term_open,
    closure_change_spans,
)
from campanella.school.models import (
    Classroom,
    ClassroomSubject,
    Closure,
    HourSlot,
    Institute,
    JudgementDescription,
    School,
    SchoolKind,
    SchoolYear,
    Subject,
    Teaching,
    Term,
    TimetableEntry,
)
from campanella.school.services import judgement_descriptions_fill, national_holidays_fill

# How each model reaches its institute: the single definition of the office's scope.
INSTITUTE_PATH: dict[type[Model], str] = {
    Institute: "pk",
    School: "institute",
    JudgementDescription: "school__institute",
    SchoolYear: "institute",
    Term: "school_year__institute",
    Classroom: "school__institute",
    Subject: "institute",
    ClassroomSubject: "classroom__school__institute",
    Teaching: "classroom__school__institute",
    HourSlot: "school__institute",
    TimetableEntry: "classroom__school__institute",
    Closure: "institute",
    Student: "institute",
    Enrollment: "student__institute",
    Guardian: "institute",
    Guardianship: "student__institute",
    Staff: "institute",
}


def office_institute_id(request: HttpRequest) -> int | None:
    roles = roles_for_user(request.user)
    return roles.staff.institute_id if roles.is_office and roles.staff is not None else None


def scoped(model: type[Model], queryset: QuerySet[Any], institute_id: int | None) -> QuerySet[Any]:
    if institute_id is None:
        return queryset.none()
    return queryset.filter(**{INSTITUTE_PATH[model]: institute_id})


class OfficeAdminSite(admin.AdminSite):
    site_header = _("Campanella — gestione")
    site_title = _("Campanella")
    index_title = _("Struttura della scuola e persone")

    def has_permission(self, request: HttpRequest) -> bool:
        return office_institute_id(request) is not None

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        # One login page for everybody; a logged-in non-office user is told nothing exists here.
        if request.user.is_authenticated:
            raise Http404
        return redirect_to_login(
            request.GET.get("next", reverse("admin:index")), reverse("accounts:login")
        )

    def logout(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        raise Http404

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        wrapped = super().admin_view(view, cacheable)

        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.is_authenticated and not self.has_permission(request):
                raise Http404
            return wrapped(request, *args, **kwargs)

        return guarded


office_admin = OfficeAdminSite(name="admin")


class OfficeAdmin(admin.ModelAdmin):
    """Scoped to the office's institute: lists, objects and foreign-key choices."""

    allow_delete = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return scoped(self.model, super().get_queryset(request), office_institute_id(request))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return office_institute_id(request) is not None

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return office_institute_id(request) is not None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return office_institute_id(request) is not None

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return office_institute_id(request) is not None

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allow_delete and office_institute_id(request) is not None

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        related = db_field.related_model
        institute_id = office_institute_id(request)
        if related in INSTITUTE_PATH:
            kwargs["queryset"] = scoped(related, related._default_manager.all(), institute_id)
        if related is Institute:
            # The only choice is the office's own institute: preselect it.
            kwargs["initial"] = institute_id
            kwargs["empty_label"] = None
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Institute, site=office_admin)
class InstituteAdmin(OfficeAdmin):
    list_display = ["name", "code", "city"]
    allow_delete = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(School, site=office_admin)
class SchoolAdmin(OfficeAdmin):
    list_display = ["name", "code", "kind", "city", "saturday_lessons"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # A primary school starts with the default descriptions of its giudizi, to edit.
        judgement_descriptions_fill(school=obj)


@admin.register(JudgementDescription, site=office_admin)
class JudgementDescriptionAdmin(OfficeAdmin):
    """The school's wording of each giudizio sintetico (primary school, O.M. 3/2025): what
    report cards print beside the giudizio."""

    list_display = ["code", "area", "school", "description"]
    list_filter = ["school", "area"]
    list_select_related = ["school"]
    search_fields = ["description"]

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        # From ottimo down to non sufficiente, as the giudizi are read.
        ranks = [When(code=code, then=rank) for rank, (code, _) in enumerate(SYNTHETIC_JUDGEMENTS)]
        return ["school__name", "area", Case(*ranks, default=0).desc()]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "school":
            field.queryset = field.queryset.filter(kind=SchoolKind.PRIMARY)
        return field


@admin.register(SchoolYear, site=office_admin)
class SchoolYearAdmin(OfficeAdmin):
    list_display = ["__str__", "start_date", "end_date", "lessons_start", "lessons_end"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:  # a new year starts with the national holidays in its calendar
            national_holidays_fill(year=obj)


class ClosedDaysAdmin(OfficeAdmin):
    """Records whose days feed the term-end evaluation (term dates, the calendar's closures):
    a change over a day closed by a locked evaluation is refused by the model's clean (the form
    shows it); a deletion is checked here before the confirmation, one record at a time."""

    def check_deletion(self, obj: Any) -> None:
        raise NotImplementedError

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # One at a time: the bulk deletion would not tell which day is closed.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            try:
                self.check_deletion(obj)
            except DayClosed as error:
                self.message_user(request, error.message, messages.ERROR)
                info = (obj._meta.app_label, obj._meta.model_name)
                return redirect("admin:{}_{}_change".format(*info), obj.pk)
        return super().delete_view(request, object_id, extra_context)


@admin.register(Term, site=office_admin)
class TermAdmin(ClosedDaysAdmin):
    list_display = ["__str__", "school", "start_date", "end_date"]
    list_filter = ["school", "school_year"]

    def check_deletion(self, obj: Any) -> None:
        check_term_open(obj, deleting=True)


class ClassroomSubjectInline(admin.TabularInline):
    model = ClassroomSubject
    extra = 1


@admin.register(Classroom, site=office_admin)
class ClassroomAdmin(OfficeAdmin):
    list_display = ["classroom_name", "school", "school_year", "coordinator"]
    list_filter = ["school", "school_year", "year"]
    list_select_related = ["school", "school_year", "coordinator"]
    inlines = [ClassroomSubjectInline]

    @admin.display(description=_("classe"), ordering="year")
    def classroom_name(self, classroom: Classroom) -> str:
        return classroom.name


@admin.register(Subject, site=office_admin)
class SubjectAdmin(OfficeAdmin):
    list_display = ["name", "short_name", "kind"]


@admin.register(Teaching, site=office_admin)
class TeachingAdmin(OfficeAdmin):
    list_display = ["teacher", "subject", "classroom", "kind"]
    list_filter = ["kind", "classroom__school"]
    list_select_related = ["teacher", "subject", "classroom"]
    autocomplete_fields = ["teacher", "support_student"]


@admin.register(HourSlot, site=office_admin)
class HourSlotAdmin(OfficeAdmin):
    list_display = ["__str__", "school"]
    list_filter = ["school"]


@admin.register(TimetableEntry, site=office_admin)
class TimetableEntryAdmin(OfficeAdmin):
    list_display = ["classroom", "weekday", "slot", "subject"]
    list_filter = ["classroom__school", "weekday"]
    list_select_related = ["classroom", "slot", "subject"]


@admin.register(Closure, site=office_admin)
class ClosureAdmin(ClosedDaysAdmin):
    list_display = ["description", "start_date", "end_date", "school"]

    def check_deletion(self, obj: Any) -> None:
        check_spans_open(closure_change_spans(obj, deleting=True))


class EnrollmentForm(forms.ModelForm):
    """An enrolment edited here moves a student in or out of a classroom on some days: refused
    over a day closed by a locked term-end evaluation (the save checks again under lock)."""

    class Meta:
        model = Enrollment
        fields = [
            "school_year", "classroom", "entry_date", "exit_date", "exit_reason", "exit_note",
            "transfer_school",
        ]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        entry = cleaned.get("entry_date")
        if not self.errors and self.has_changed() and entry is not None:
            candidate = Enrollment(
                pk=self.instance.pk,
                classroom=cleaned.get("classroom"),
                entry_date=entry,
                exit_date=cleaned.get("exit_date"),
            )
            try:
                check_enrollment_open(candidate)
            except DayClosed as error:
                raise forms.ValidationError(error.message, code=error.code) from None
        return cleaned


class EnrollmentInline(admin.TabularInline):
    model = Enrollment
    form = EnrollmentForm
    extra = 0
    can_delete = False


class GuardianshipInline(admin.TabularInline):
    model = Guardianship
    extra = 0
    autocomplete_fields = ["guardian"]


@admin.register(Student, site=office_admin)
class StudentAdmin(OfficeAdmin):
    list_display = ["surname", "name", "codice_fiscale", "birth_date"]
    search_fields = ["surname", "name", "codice_fiscale"]
    exclude = ["user"]
    readonly_fields = ["office_page"]
    inlines = [EnrollmentInline, GuardianshipInline]
    allow_delete = False  # students leave by closing the enrolment, never by deletion

    @admin.display(description=_("Iscrizione e genitori"))
    def office_page(self, obj: Student) -> str:
        # Leaving, transfer, change of classroom and guardians go through the office's pages,
        # which show the effect on access and keep the history.
        if obj.pk is None:
            return "—"
        url = reverse("people:office_student", args=[obj.pk])
        return format_html(
            '<a href="{}">{}</a>', url, _("Ritiro, trasferimento, cambio classe, genitori")
        )


@admin.register(Guardian, site=office_admin)
class GuardianAdmin(OfficeAdmin):
    list_display = ["surname", "name", "codice_fiscale", "email"]
    search_fields = ["surname", "name", "codice_fiscale", "email"]
    exclude = ["user"]


@admin.register(Staff, site=office_admin)
class StaffAdmin(OfficeAdmin):
    list_display = ["surname", "name", "is_teacher", "is_office", "is_principal", "active"]
    list_filter = ["is_teacher", "is_office", "is_principal", "active"]
    search_fields = ["surname", "name", "codice_fiscale"]
    exclude = ["user"]
    allow_delete = False  # staff who leave are marked "not in service"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "active" in form.changed_data and not obj.active:
            staff_leave(staff=obj, actor=request.user)  # type: ignore[arg-type]
