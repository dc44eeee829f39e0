from django.apps import AppConfig


class SchoolConfig(AppConfig):
    verbose_name = "Struttura della scuola"
    name = "campanella.school"
    label = "school"
    default_auto_field = "django.db.models.BigAutoField"
