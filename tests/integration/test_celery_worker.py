"""A real Celery worker on Redis escalates overdue hand-offs exactly once: when the job runs
twice, and when the worker is killed in the middle of a run and another one takes over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from rehab.cases.models import CaseState
from rehab.core.dates import format_date
from rehab.notifications.models import Notification
from rehab.referrals.models import Escalation, Handoff
from rehab.referrals.services import handoff_send
from tests.factories import make_case, make_stage, offer, partner_office

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(scope="module", autouse=True)
def _needs_redis():
    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not reachable at {BROKER}")


class Worker:
    """A `celery worker` process on its own queue, against the test database."""

    def __init__(self, queue: str, mail_dir: Path) -> None:
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DJANGO_ENV": "test",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": BROKER,
            "CELERY_RESULT_BACKEND": BROKER,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "CELERY_VISIBILITY_TIMEOUT": "3",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
        }
        self.queue = queue
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "rehab",
                "worker",
                "--pool=solo",
                "-Q",
                self.queue,
                "-l",
                "warning",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker(tmp_path):
    queue = f"kkd-test-{uuid.uuid4().hex[:8]}"
    started = Worker(queue, tmp_path / "mail")
    started.start()
    yield started
    started.stop()
    if started.process and started.process.stderr:
        sys.stderr.write(started.process.stderr.read().decode(errors="replace")[-3000:])


@pytest.fixture
def client_app():
    app = Celery("kkd-test-client", broker=BROKER, backend=BROKER)
    yield app
    app.close()


def overdue_handoffs(officer, count: int) -> list[Handoff]:
    sent = []
    for _ in range(count):
        case = make_case(officer=officer, state=CaseState.ACTIVE)
        sent.append(
            handoff_send(
                stage_id=make_stage(case, by=officer).pk,
                offer_id=offer(partner_office(), "job_placement").pk,
                by=officer,
                request="หางาน",
                shared=[],
            )
        )
    Handoff.objects.filter(pk__in=[h.pk for h in sent]).update(respond_by=timezone.localdate() - timedelta(days=1))
    return sent


def wait_for(condition, timeout: float = 60.0, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError("timed out waiting for the worker")


def mails(worker: Worker) -> list:
    folder = Path(worker.env["EMAIL_FILE_PATH"])
    if not folder.exists():
        return []
    # The file backend appends every message of one connection to one file, separated by a line of dashes.
    messages = []
    for path in folder.glob("*.log"):
        for chunk in path.read_bytes().split(b"-" * 79):
            if chunk.strip():
                messages.append(message_from_bytes(chunk.strip()))
    return messages


def test_running_the_job_twice_escalates_once(worker, client_app, officer, supervisor, employment_staff):
    supervisor.email = "head@probation.go.th"
    supervisor.save()
    handoffs = overdue_handoffs(officer, 3)
    first = client_app.send_task("rehab.referrals.tasks.escalate_overdue_handoffs", queue=worker.queue)
    second = client_app.send_task("rehab.referrals.tasks.escalate_overdue_handoffs", queue=worker.queue)
    assert first.get(timeout=90) + second.get(timeout=90) == 3
    wait_for(lambda: not Escalation.objects.filter(emailed_at__isnull=True).exists())
    assert Escalation.objects.count() == 3
    for handoff in handoffs:
        assert Notification.objects.filter(link=f"/handoffs/{handoff.pk}/", kind="overdue_respond").count() == 2
    subjects = sorted(str(make_header(decode_header(message["Subject"]))) for message in mails(worker))
    with translation.override(settings.LANGUAGE_CODE):  # the worker writes in the service's default language
        expected = [
            gettext("Overdue hand-off %(number)s: no answer by %(date)s")
            % {"number": h.number, "date": format_date(h.respond_by)}
            for h in Handoff.objects.filter(pk__in=[h.pk for h in handoffs])
        ]
    assert subjects == sorted(expected)


def test_a_worker_killed_mid_run_leaves_no_duplicate_when_another_takes_over(worker, client_app, officer, supervisor):
    handoffs = overdue_handoffs(officer, 60)
    # One hand-off a chunk, and the first escalation caught within milliseconds: a quiet machine ran the
    # 30 chunks of two in less than the 0.2 s between two looks.
    client_app.send_task("rehab.referrals.tasks.escalate_overdue_handoffs", kwargs={"chunk_size": 1}, queue=worker.queue)
    wait_for(lambda: Escalation.objects.exists(), every=0.002)
    worker.kill()
    partial = Escalation.objects.count()
    assert 0 < partial < 60, "the worker was meant to die in the middle of the run"

    worker.start()  # a new worker: Redis redelivers the unacknowledged run, and beat's next tick comes too
    client_app.send_task("rehab.referrals.tasks.escalate_overdue_handoffs", queue=worker.queue).get(timeout=90)
    wait_for(lambda: Escalation.objects.count() == 60)
    time.sleep(4)  # past the visibility timeout: a redelivered run must find nothing left to do
    assert Escalation.objects.count() == 60
    for handoff in handoffs:
        assert Escalation.objects.filter(handoff=handoff).count() == 1
        assert Notification.objects.filter(link=f"/handoffs/{handoff.pk}/", user=supervisor, kind="overdue_respond").count() == 1
