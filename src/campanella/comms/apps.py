from django.apps import AppConfig


class CommsConfig(AppConfig):
    name = "campanella.comms"
    label = "comms"
    verbose_name = "Comunicazioni"
    default_auto_field = "django.db.models.BigAutoField"
