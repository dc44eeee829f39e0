from django.apps import AppConfig


class PeopleConfig(AppConfig):
    verbose_name = "Persone"
    name = "campanella.people"
    label = "people"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from campanella.people import checks, signals

        del checks  # imported for its @register

        signals.connect()
