from django.apps import AppConfig


class ReportCardsConfig(AppConfig):
    name = "campanella.reportcards"
    label = "reportcards"
    verbose_name = "Pagelle"
    default_auto_field = "django.db.models.BigAutoField"
