from django.apps import AppConfig


class ClassDocsConfig(AppConfig):
    name = "campanella.classdocs"
    label = "classdocs"
    verbose_name = "Documenti di classe"
    default_auto_field = "django.db.models.BigAutoField"
