"""Drop the foreign keys' own indexes that repeat the first column of a composite index
(docs/decisions.md, branch attpipe): the composite serves their lookups, and each row written
updates one index less. Only the index is dropped (`RunSQL`): Django's `AlterField` would drop
and re-add the foreign key on PostgreSQL (validating the whole table again) and rebuild the
table on SQLite."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_change_about"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("school", "0005_closed_period"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="change",
                    name="content_type",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="contenttypes.contenttype",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "audit_change_content_type_id_b00b7ced"',
                    reverse_sql='CREATE INDEX "audit_change_content_type_id_b00b7ced" ON "audit_change" ("content_type_id")',
                ),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="change",
                    name="institute",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="school.institute",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "audit_change_institute_id_c93ce934"',
                    reverse_sql='CREATE INDEX "audit_change_institute_id_c93ce934" ON "audit_change" ("institute_id")',
                ),
            ],
        ),
    ]
