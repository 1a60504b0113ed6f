"""A finished assessment keeps the domains it found a need in (``Assessment.domains_in_need``), so the
nightly risk features read one row a case instead of seven needs rows; existing finished assessments are
filled in from their needs."""

from django.db import migrations, models

# The same text as rehab.models.domains_in_need: codes with a level other than "none", sorted, space-separated.
FILL_POSTGRESQL = """
UPDATE rehab_assessment AS a SET domains_in_need = n.domains
FROM (
    SELECT assessment_id, string_agg(domain, ' ' ORDER BY domain) AS domains
    FROM rehab_assessmentneed
    WHERE level NOT IN ('none', '')
    GROUP BY assessment_id
) AS n
WHERE n.assessment_id = a.id AND a.finished_at IS NOT NULL
"""


def fill_domains_in_need(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FILL_POSTGRESQL)
        return
    # Elsewhere (SQLite: the demo database) a loop is quick enough.
    Assessment = apps.get_model("rehab", "Assessment")
    AssessmentNeed = apps.get_model("rehab", "AssessmentNeed")
    found: dict[int, set[str]] = {}
    needs = AssessmentNeed.objects.filter(assessment__finished_at__isnull=False).exclude(level__in=["none", ""])
    for assessment_id, domain in needs.values_list("assessment_id", "domain").iterator():
        found.setdefault(assessment_id, set()).add(domain)
    for assessment_id, domains in found.items():
        Assessment.objects.filter(pk=assessment_id).update(domains_in_need=" ".join(sorted(domains)))


class Migration(migrations.Migration):
    dependencies = [
        ("rehab", "0012_inbox_partial_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="domains_in_need",
            field=models.CharField(blank=True, editable=False, max_length=120),
        ),
        migrations.RunPython(fill_domains_in_need, migrations.RunPython.noop, elidable=True),
    ]
