from django.apps import AppConfig


class GradesConfig(AppConfig):
    name = "campanella.grades"
    label = "grades"
    verbose_name = "Voti"
    default_auto_field = "django.db.models.BigAutoField"
