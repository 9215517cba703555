from django.apps import AppConfig


class KeeperConfig(AppConfig):
    name = "keeper"
    verbose_name = "Keeper test"
