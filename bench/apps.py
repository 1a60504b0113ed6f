from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Benchmark commands: the caseload, the inbox and escalation, nightly scoring, COMPAS."""

    name = "bench"
    verbose_name = "Benchmarks"
