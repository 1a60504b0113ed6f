"""Every URL pattern of the service (not Django's admin), for tests that walk them all."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver


def url_patterns(resolver: URLResolver | None = None, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if str(entry.pattern).startswith("admin/"):
                continue  # Django's own admin, tested by Django
            found += url_patterns(entry, prefix + str(entry.pattern))
        else:
            found.append((prefix + str(entry.pattern), entry))
    return found
