"""A refused request is logged on one line, a server error with its traceback."""

from __future__ import annotations

import logging
import sys

from rehab.core.logging import OneLineClientErrors


def _record(status: int) -> logging.LogRecord:
    try:
        raise PermissionError("refused")
    except PermissionError:
        record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Forbidden: /cases/1/", None, sys.exc_info())
    record.status_code = status
    return record


def test_a_refusal_keeps_its_line_and_loses_its_traceback():
    record = _record(403)
    assert OneLineClientErrors().filter(record) and record.exc_info is None
    assert "Forbidden" in logging.Formatter().format(record) and "Traceback" not in logging.Formatter().format(record)


def test_a_server_error_keeps_its_traceback():
    record = _record(500)
    assert OneLineClientErrors().filter(record) and record.exc_info is not None
