from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "campanella.register"
    label = "register"
    verbose_name = "Registro di classe"
    default_auto_field = "django.db.models.BigAutoField"
