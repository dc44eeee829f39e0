"""Drop the foreign keys' own indexes that repeat the first column of a composite index
(docs/decisions.md, branch attpipe): the composite serves their lookups, and each row written
updates one index less. Only the index is dropped (`RunSQL`): Django's `AlterField` would drop
and re-add the foreign key on PostgreSQL (validating the whole table again) and rebuild the
table on SQLite."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0006_access_ended_login_event"),
        ("register", "0001_initial"),
        ("school", "0005_closed_period"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="absence",
                    name="classroom",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="absences",
                        to="school.classroom",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "register_absence_classroom_id_9002a759"',
                    reverse_sql='CREATE INDEX "register_absence_classroom_id_9002a759" ON "register_absence" ("classroom_id")',
                ),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="absence",
                    name="student",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="absences",
                        to="people.student",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "register_absence_student_id_2ac05855"',
                    reverse_sql='CREATE INDEX "register_absence_student_id_2ac05855" ON "register_absence" ("student_id")',
                ),
            ],
        ),
    ]
