from django.apps import AppConfig


class GradesConfig(AppConfig):
    name = "campanella.grades"
    label = "grades"
    verbose_name = "Voti"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from campanella.grades.services import SETTINGS_FOLLOWED

        for model, receiver in SETTINGS_FOLLOWED.items():
            post_save.connect(receiver, sender=model, dispatch_uid=f"grades-{model.__name__}")
