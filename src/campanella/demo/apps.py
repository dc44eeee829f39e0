from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "campanella.demo"
    label = "demo"
    verbose_name = "Dati dimostrativi"
