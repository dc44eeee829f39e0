from django.apps import AppConfig


class GradesConfig(AppConfig):
    name = "campanella.grades"
    label = "grades"
    verbose_name = "Voti"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models import signals

        from campanella.grades.services import FOLLOWED

        for name, model, receiver in FOLLOWED:
            getattr(signals, name).connect(
                receiver, sender=model, dispatch_uid=f"grades-{name}-{model.__name__}"
            )
