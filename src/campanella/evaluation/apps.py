from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "campanella.evaluation"
    label = "evaluation"
    verbose_name = "Scrutini"
    default_auto_field = "django.db.models.BigAutoField"
