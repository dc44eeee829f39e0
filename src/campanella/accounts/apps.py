from django.apps import AppConfig


class AccountsConfig(AppConfig):
    verbose_name = "Accessi"
    name = "campanella.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
