from django.apps import AppConfig


class CommsConfig(AppConfig):
    name = "campanella.comms"
    label = "comms"
    verbose_name = "Comunicazioni"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The register's and grades' news reach families through notifications (people.news).
        from campanella.comms.notifications.emit import tell_families
        from campanella.people.news import set_teller

        set_teller(tell_families)
