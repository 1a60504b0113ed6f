"""Fewer indexes on the rows an escalation run writes (each escalation, its notifications, its record
entry): the transaction record's hashes lose their unique index and its LIKE twin (nothing looks an
entry up by hash; appends are serialised by an advisory lock, see rehab.models.ledger), and the
escalation's hand-off and the notification's user lose indexes that a composite index already starts
with. The escalation's run is read back only on SQLite."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("rehab", "0010_handoff_case_completed_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="escalation",
            name="handoff",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="escalations", to="rehab.handoff"
            ),
        ),
        migrations.AlterField(
            model_name="escalation",
            name="run",
            field=models.CharField(max_length=32),
        ),
        migrations.AlterField(
            model_name="notification",
            name="user",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="transactionentry",
            name="entry_hash",
            field=models.CharField(max_length=64),
        ),
    ]
