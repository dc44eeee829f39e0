from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "campanella.audit"
    label = "audit"
    verbose_name = "Storico delle modifiche"
    default_auto_field = "django.db.models.BigAutoField"
