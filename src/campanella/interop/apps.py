from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "campanella.interop"
    label = "interop"
    verbose_name = "Importazioni e scambio dati"
    default_auto_field = "django.db.models.BigAutoField"
