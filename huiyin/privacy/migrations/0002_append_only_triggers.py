"""Refuse UPDATE and DELETE on the audit table in the database itself.

PostgreSQL: a plpgsql trigger function raising an integrity error. SQLite: two triggers that
RAISE(ABORT). Other vendors: nothing (the ORM still refuses). The SQL lives in
huiyin/privacy/triggers.py, which also re-installs the triggers after every migrate.
"""

from django.db import migrations


def install(apps, schema_editor):
    from huiyin.privacy import triggers

    for sql in triggers.install_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


def uninstall(apps, schema_editor):
    from huiyin.privacy import triggers

    for sql in triggers.uninstall_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
