"""Scores, latest scores: their references are no longer foreign-key constraints in the database, and the
score's case has no index of its own (see the comment above RiskScore in analytics.models)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_risk_registry_scores_flags"),
        ("rehab", "0012_inbox_partial_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="caserisk",
            name="case",
            field=models.OneToOneField(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                primary_key=True,
                related_name="risk",
                serialize=False,
                to="rehab.case",
            ),
        ),
        migrations.AlterField(
            model_name="caserisk",
            name="score",
            field=models.ForeignKey(
                db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="analytics.riskscore"
            ),
        ),
        migrations.AlterField(
            model_name="riskscore",
            name="case",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="risk_scores",
                to="rehab.case",
            ),
        ),
        migrations.AlterField(
            model_name="riskscore",
            name="model_version",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="scores",
                to="analytics.riskmodelversion",
            ),
        ),
    ]
