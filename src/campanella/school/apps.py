from django.apps import AppConfig


class SchoolConfig(AppConfig):
    verbose_name = "Struttura della scuola"
    name = "campanella.school"
    label = "school"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import pre_delete, pre_save

        from campanella.school.guard import (
            closure_deleting,
            closure_saving,
            term_deleting,
            term_saving,
        )
        from campanella.school.models import Closure, Term

        # Term dates feed the term-end evaluation: every save and delete passes the write guard.
        pre_save.connect(term_saving, sender=Term, dispatch_uid="school-guard-term-save")
        pre_delete.connect(term_deleting, sender=Term, dispatch_uid="school-guard-term-delete")
        # So do the calendar's closures (lesson days, hence the annual hours of attendance).
        pre_save.connect(closure_saving, sender=Closure, dispatch_uid="school-guard-closure-save")
        pre_delete.connect(
            closure_deleting, sender=Closure, dispatch_uid="school-guard-closure-delete"
        )
