from django.apps import AppConfig


class SchoolConfig(AppConfig):
    verbose_name = "Struttura della scuola"
    name = "campanella.school"
    label = "school"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import pre_delete, pre_save

        from campanella.school.guard import term_deleting, term_saving
        from campanella.school.models import Term

        # Term dates feed the term-end evaluation: every save and delete passes the write guard.
        pre_save.connect(term_saving, sender=Term, dispatch_uid="school-guard-term-save")
        pre_delete.connect(term_deleting, sender=Term, dispatch_uid="school-guard-term-delete")
