from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _repair_case_keys(sender, using, **kwargs):
    """After every migrate: where the cases are partitioned, the triggers that keep their
    unique numbers are there (huiyin.ops.case_partitions)."""
    from huiyin.ops import case_partitions

    case_partitions.repair(connections[using])


class OpsConfig(AppConfig):
    name = "huiyin.ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        # The task worker replaces the doctor's general "worker" check with its heartbeat's.
        from huiyin.ops import doctor, worker

        doctor.register("worker", worker.check_worker)
        # A read replica (docs/city.md), when one is configured.
        from huiyin.ops import routers

        if routers.configured():
            doctor.register("replica", routers.check_replica)
        # The coming year's partitions, where a table is partitioned (docs/city.md).
        from huiyin.cases.reminders import register_tick
        from huiyin.ops import partition_tick

        register_tick(partition_tick.tick_hook)
        post_migrate.connect(
            _repair_case_keys, sender=self, dispatch_uid="huiyin.ops.case_partitions"
        )
