"""The inbox reads its open tabs, their counts and the overdue tab from two partial indexes of open
hand-offs (waiting for an answer by answer-by date, accepted by complete-by date) without reading rows;
they replace the index of every hand-off by office, state and answer-by date."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("rehab", "0011_fewer_indexes_on_escalation_writes"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="handoff",
            name="handoff_inbox",
        ),
        migrations.AddIndex(
            model_name="handoff",
            index=models.Index(
                condition=models.Q(("state", "sent")), fields=["to_office", "respond_by", "id"], name="handoff_sent"
            ),
        ),
        migrations.AddIndex(
            model_name="handoff",
            index=models.Index(
                condition=models.Q(("state", "accepted")), fields=["to_office", "complete_by", "id"], name="handoff_accepted"
            ),
        ),
    ]
