"""Logging: a refused request is one line, not a traceback."""

from __future__ import annotations

import logging


class OneLineClientErrors(logging.Filter):
    """Django logs a 403 (PermissionDenied) and a 404 raised in a view with their traceback: on a service
    where refusals are the rules working, those bury the real errors. Keep the line, drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
