"""Realistic demo data: released people, their cases and histories, and the demo users.

``seed_demo`` (the management command) is a thin wrapper around :func:`seed`. The data follows
the reference figures of the design (§8):

* common Thai first names (by sex) and surnames, most of them compounds as Thai family names
  are, a third with a romanised spelling; valid 13-digit national IDs (first digit by birth
  year, digits 2-5 the district of registration, the check digit of ``rehab.validators``);
  ages 18-65 at release; home districts in provinces weighted by population;
* release types and offence categories in plausible proportions (drugs about 70%), sentences,
  prior convictions, supervision periods by release type;
* each case is *simulated*: intake, assessment, activation, suspensions, completion at the end
  of supervision, closure; its plan (one stage per domain of need), the hand-offs of the
  stages to partner offices of the case's province (sent, accepted, completed with an outcome,
  declined with a reason, withdrawn; deadlines in working days, a few overdue), each step in the
  chained transaction record; report-ins and home visits (attended, missed, cancelled, the next
  one scheduled);
* new offences come from a documented generative model (:class:`Hazard`, and
  docs/benchmarks.md): a proportional hazard in time since release, calibrated to the
  Department of Corrections' cohort curve (15% within a year, 24% within two, 33% within three),
  raised by youth, prior convictions and the offence, and *while the case lives* by appointments
  missed in the last 60 days, lowered by a job found through a hand-off and by a completed
  behaviour programme or drug treatment. A fact changes the hazard only from the day after its
  date, and nothing is recorded after the new offence, so a model that reads only what was
  known at a date can learn from it. The data is synthetic: it shows what the system does, and
  says nothing about real people;
* every row is one the services could have written (tests/demo/test_demo_invariants.py checks
  them): a new offence follows the person's latest release before it (its episode, as
  ``reoffence_record`` finds it); recorded while that case is open it moves the case to
  ``reoffended`` (``ended_case``), recorded after the case completed it leaves the case as it
  was (most new offences come after supervision);
* a person who reoffends goes back to prison (or court) and may come out again with a new
  case, opened only once the previous one ended (``case_intake``), so one person may have past
  cases and at most one open case;
* about 40% of the people also have an earlier episode released *before* the three-year
  window (the system's records of people who came back): those cases always end in a new
  offence, so cohort statistics are meaningful for releases of the last three years. They are
  legacy records: assessments (asking for no plan stage), notes and transitions, a plan with
  no stage ("no needs", which their activation needed), and no hand-offs or appointments (the
  hand-off and appointment modules start with the window).

Rows are written in chunks with PostgreSQL's COPY (or multi-row INSERTs elsewhere) and ids
allocated up front, so no query is made per row and memory stays bounded. An empty PostgreSQL
database is loaded in one transaction with its secondary indexes and foreign keys rebuilt at
the end (see docs/benchmarks.md for the times). Every open case goes to an officer of the
probation office of the person's province, forty open cases per officer; every partner office
gets one member of staff (``staff-<office code>``, the head of the office) who answers its
hand-offs, except the Bangkok employment office, which is the demo user ``agency``'s.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import hashlib
import itertools
import json
import math
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from random import Random
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django_fsm_log.models import StateLog

from rehab.audit.ledger import chain_lock, entry_hash, entry_signature
from rehab.audit.models import TransactionEntry
from rehab.cases.models import (
    OPEN_STATES,
    Appointment,
    AppointmentKind,
    AppointmentState,
    Assessment,
    AssessmentNeed,
    Case,
    CaseState,
    ClosureReason,
    ContactKind,
    ContactNote,
    NeedDomain,
    NeedLevel,
    OffenceCategory,
    Person,
    ReleaseType,
    Reoffence,
    ReoffenceSource,
    Sex,
    domains_in_need,
)
from rehab.cases.models.cases import may_supervise_case
from rehab.cases.services.appointments import MARKS as APPOINTMENT_MARKS
from rehab.core.validators import national_id_check_digit
from rehab.core.workdays import add_working_days
from rehab.notifications.models import Notification
from rehab.reference.models import PROBATION_UNIT, District, Office, Province, PublicHoliday, Role, ServiceOffer, User
from rehab.referrals.models import (
    SERVICES_FOR_STAGE,
    STAGE_FOR_NEED,
    Handoff,
    HandoffNote,
    HandoffOutcome,
    HandoffState,
    LedgerStep,
    LegalBasis,
    Stage,
    StageDomain,
    StageState,
)
from rehab.referrals.notices import (
    HANDOFF_ACCEPTED,
    HANDOFF_COMPLETED,
    HANDOFF_DECLINED,
    HANDOFF_NEW,
    HANDOFF_PROGRESS,
    HANDOFF_WITHDRAWN,
)
from rehab.referrals.services.escalation import handoff_link_maker

# --- the people: names, places ---------------------------------------------------------------


def _pairs(text: str) -> list[tuple[str, str]]:
    """``"ไทย:Thai ..."`` -> [("ไทย", "Thai"), ...]"""
    return [tuple(item.split(":", 1)) for item in text.split()]  # type: ignore[misc]


# Common Thai names with their RTGS romanisation.
MALE_FIRST_NAMES = _pairs("""
    สมชาย:Somchai สมศักดิ์:Somsak สมพงษ์:Somphong ประเสริฐ:Prasoet วิชัย:Wichai สุรชัย:Surachai
    ธนากร:Thanakon อนุชา:Anucha ณัฐพล:Natthaphon กิตติพงษ์:Kittiphong ชัยวัฒน์:Chaiwat สุทธิพงษ์:Sutthiphong
    วีระพงษ์:Wiraphong ธีรวัฒน์:Thirawat ปิยะพงษ์:Piyaphong อภิชาติ:Aphichat จักรพันธ์:Chakkraphan ศุภชัย:Supphachai
    เกียรติศักดิ์:Kiattisak พงศกร:Phongsakon นพดล:Nopphadon บุญมี:Bunmi สมบัติ:Sombat ทองดี:Thongdi
    มานพ:Manop ไพโรจน์:Phairot วิทยา:Witthaya ชาตรี:Chatri สุริยา:Suriya อำนาจ:Amnat
    ธนพล:Thanaphon ภานุวัฒน์:Phanuwat ศักดิ์ชัย:Sakchai ยุทธนา:Yutthana สุรศักดิ์:Surasak เอกชัย:Ekkachai
    ณัฐวุฒิ:Natthawut อดิศักดิ์:Adisak วรวุฒิ:Worawut ธวัชชัย:Thawatchai สมหมาย:Sommai บุญเลิศ:Bunloet
    กฤษดา:Kritsada ปรีชา:Pricha เสกสรรค์:Seksan ชนินทร์:Chanin ศิริชัย:Sirichai ณรงค์:Narong
    อนันต์:Anan สมเกียรติ:Somkiat ธีระ:Thira วัชระ:Watchara ประยูร:Prayun สุเทพ:Suthep
    ไชยา:Chaiya บุญชัย:Bunchai ชาญชัย:Chanchai ทวีศักดิ์:Thawisak พิชิต:Phichit อุดม:Udom
""")
FEMALE_FIRST_NAMES = _pairs("""
    สมหญิง:Somying สุภาพร:Suphaphon วันเพ็ญ:Wanphen ศิริพร:Siriphon กนกวรรณ:Kanokwan นงลักษณ์:Nongluk
    รัตนา:Rattana อรุณี:Aruni พรทิพย์:Phonthip สุกัญญา:Sukanya จันทร์เพ็ญ:Chanphen ปราณี:Prani
    มาลี:Mali ดวงใจ:Duangchai นภาพร:Naphaphon วิไลวรรณ:Wilaiwan อัญชลี:Anchali ปิยะนุช:Piyanut
    สุนีย์:Suni บุษบา:Butsaba กัญญา:Kanya ชุติมา:Chutima ณัฐธิดา:Natthida พิมพ์ชนก:Phimchanok
    ธิดารัตน์:Thidarat เบญจวรรณ:Benchawan ศศิธร:Sasithon อรอุมา:On-uma จิราพร:Chiraphon วราภรณ์:Waraphon
    สายสุนีย์:Saisuni ทองใบ:Thongbai บัวผัน:Buaphan ลำดวน:Lamduan สุดารัตน์:Sudarat กาญจนา:Kanchana
    นิตยา:Nittaya ประภาพร:Praphaphon อำไพ:Amphai เพ็ญศรี:Phensi
""")
SURNAMES = _pairs("""
    ใจดี:Chaidi แสงทอง:Saengthong ศรีสุข:Sisuk สุขสวัสดิ์:Suksawat บุญมา:Bunma ทองคำ:Thongkham
    วงศ์ใหญ่:Wongyai แก้วมณี:Kaeomani สมบูรณ์:Sombun ชัยมงคล:Chaimongkhon พรหมมา:Phromma ศรีวงศ์:Siwong
    มั่นคง:Mankhong รุ่งเรือง:Rungrueang ประเสริฐสุข:Prasoetsuk จันทร์หอม:Chanhom อินทร์แก้ว:Inkaeo บุญเรือง:Bunrueang
    สายทอง:Saithong ทองมา:Thongma แสนสุข:Saensuk พึ่งบุญ:Phuengbun ศรีสมบัติ:Sisombat คำแก้ว:Khamkaeo
    ปัญญาดี:Panyadi วงษ์สวัสดิ์:Wongsawat เพชรรัตน์:Phetcharat นาคสุข:Naksuk ดวงแก้ว:Duangkaeo สุวรรณรัตน์:Suwannarat
    กาญจนวงศ์:Kanchanawong ธนสาร:Thanasan อ่อนศรี:Onsi พรมจันทร์:Phromchan บุญประเสริฐ:Bunprasoet มณีวงศ์:Maniwong
    ศรีประเสริฐ:Siprasoet จันทร์แก้ว:Chankaeo ทองสุข:Thongsuk สุขเจริญ:Sukcharoen เจริญผล:Charoenphon วงศ์ทอง:Wongthong
    แสงอรุณ:Saeng-arun ยอดดี:Yotdi ชูศรี:Chusi ศรีเมือง:Simueang บัวแก้ว:Buakaeo หอมจันทร์:Homchan
    ทองประเสริฐ:Thongprasoet รัตนพันธ์:Rattanaphan คงสมบูรณ์:Khongsombun สิทธิชัย:Sitthichai ปานทอง:Panthong นิลสุวรรณ:Ninsuwan
    ขุนทอง:Khunthong มีสุข:Misuk อยู่เย็น:Yuyen ศรีสวัสดิ์:Sisawat พันธุ์ดี:Phandi เกิดผล:Koetphon
    แก้วประเสริฐ:Kaeoprasoet ทองอินทร์:Thong-in บุญยืน:Bunyuen สีดา:Sida จันทร์ดี:Chandi ศรีทอง:Sithong
    พูลสวัสดิ์:Phunsawat เรืองศรี:Rueangsi ไชยวงศ์:Chaiwong นามวงศ์:Namwong ภูมิสุข:Phumsuk กองแก้ว:Kongkaeo
""")

# Thai surnames are nearly unique to a family: most are compounds of two or three Pali-Sanskrit
# or Thai words, so they are drawn mostly from these parts (ศรี + สุข + เจริญ = ศรีสุขเจริญ).
SURNAME_PARTS = _pairs("""
    ศรี:si สุข:suk ทอง:thong แก้ว:kaeo บุญ:bun ประเสริฐ:prasoet เจริญ:charoen วงศ์:wong
    ชัย:chai สวัสดิ์:sawat มณี:mani รัตน์:rat พันธ์:phan สมบูรณ์:sombun ดี:di มั่น:man
    คง:khong เรือง:rueang จันทร์:chan อินทร์:in พรหม:phrom สิทธิ์:sit ศักดิ์:sak กุล:kun
    วัฒน์:wat นาค:nak เพชร:phet สาย:sai แสง:saeng อรุณ:arun หอม:hom บัว:bua
    ทิพย์:thip ธรรม:tham ปัญญา:panya ไชย:chai ยศ:yot เดช:det กิจ:kit ผล:phon
    พงษ์:phong ภักดี:phakdi วิเศษ:wiset นิล:nin เย็น:yen ถาวร:thawon อุดม:udom สกุล:sakun
    ธนา:thana ภู:phu ไพศาล:phaisan งาม:ngam ยิ่ง:ying สุวรรณ:suwan รุ่ง:rung ใหญ่:yai
""")

# Registered population in thousands by province code (Department of Provincial Administration, 2022,
# rounded). Bangkok counts its daytime population: it sends far more people to prison than its register.
PROVINCE_POPULATION = {
    code: int(thousands)
    for code, thousands in _pairs("""
    10:8000 11:1360 12:1290 13:1190 14:820 15:275 16:755 17:208 18:326 19:646 20:1600 21:760
    22:537 23:230 24:725 25:497 26:260 27:567 30:2630 31:1580 32:1390 33:1470 34:1870 35:540
    36:1130 37:378 38:425 39:512 40:1800 41:1580 42:643 43:523 44:962 45:1300 46:980 47:1150
    48:720 49:353 50:1790 51:406 52:738 53:452 54:441 55:477 56:466 57:1300 58:285 60:1060
    61:330 62:730 63:670 64:595 65:865 66:535 67:990 70:870 71:895 72:845 73:920 74:590
    75:190 76:485 77:555 80:1550 81:480 82:268 83:418 84:1070 85:194 86:510 90:1430 91:325
    92:640 93:525 94:725 95:540 96:810
""")
}

# Provinces with a central prison (เรือนจำกลาง) or a women's correctional institution.
CENTRAL_PRISON_PROVINCES = {
    "11", "14", "20", "21", "30", "34", "40", "41", "50", "52", "57", "60", "65", "70", "73", "80", "84", "90", "94", "95",
}  # fmt: skip
WOMEN_INSTITUTION_PROVINCES = {"30", "50", "65", "90"}
BANGKOK_MEN_FACILITIES = ["เรือนจำกลางคลองเปรม", "เรือนจำพิเศษกรุงเทพมหานคร", "เรือนจำพิเศษธนบุรี", "ทัณฑสถานบำบัดพิเศษกลาง"]
BANGKOK_WOMEN_FACILITIES = ["ทัณฑสถานหญิงกลาง", "ทัณฑสถานหญิงธนบุรี"]

# --- the offences and releases ---------------------------------------------------------------

RELEASE_TYPES = [
    (ReleaseType.PAROLE, 30),
    (ReleaseType.SENTENCE_REDUCTION, 18),
    (ReleaseType.END_OF_SENTENCE, 24),
    (ReleaseType.SUSPENDED_SENTENCE, 22),
    (ReleaseType.PARDON, 6),
]
# Drugs dominate Thai prisons; drunk driving is a large share of suspended sentences.
OFFENCES_AFTER_PRISON = [
    (OffenceCategory.DRUGS, 76),
    (OffenceCategory.PROPERTY, 10),
    (OffenceCategory.VIOLENT, 6),
    (OffenceCategory.SEXUAL, 3.5),
    (OffenceCategory.FRAUD, 2.5),
    (OffenceCategory.WEAPONS, 1),
    (OffenceCategory.OTHER, 1),
]
OFFENCES_SUSPENDED = [
    (OffenceCategory.DRUGS, 50),
    (OffenceCategory.TRAFFIC, 25),
    (OffenceCategory.PROPERTY, 8),
    (OffenceCategory.VIOLENT, 6),
    (OffenceCategory.FRAUD, 4),
    (OffenceCategory.WEAPONS, 3),
    (OffenceCategory.OTHER, 4),
]
# Median sentence in months and the spread (sigma of the log).
SENTENCE_MONTHS = {
    OffenceCategory.DRUGS: (30, 0.6),
    OffenceCategory.PROPERTY: (18, 0.6),
    OffenceCategory.VIOLENT: (30, 0.7),
    OffenceCategory.SEXUAL: (60, 0.5),
    OffenceCategory.FRAUD: (24, 0.6),
    OffenceCategory.TRAFFIC: (4, 0.5),
    OffenceCategory.WEAPONS: (12, 0.5),
    OffenceCategory.OTHER: (10, 0.6),
}
# The share of the sentence served before release.
SERVED_SHARE = {
    ReleaseType.PAROLE: (0.6, 0.8),
    ReleaseType.SENTENCE_REDUCTION: (0.5, 0.75),
    ReleaseType.END_OF_SENTENCE: (0.9, 1.0),
    ReleaseType.PARDON: (0.3, 0.7),
}
PRIOR_CONVICTIONS = [(0, 50), (1, 25), (2, 12), (3, 7), (4, 4), (5, 2)]

# Cumulative share of a release cohort with a new offence, by days since release (design §8):
# 15% within a year, 24% within two, 33% within three, and fewer later.
REOFFENCE_CURVE = [(0, 0.0), (90, 0.05), (365, 0.15), (730, 0.24), (1095, 0.33), (1825, 0.42)]

# The generative model of new offences (see Hazard): log hazard ratios.
HAZARD_AGE = -0.06  # per year of age at release above 30 (age clipped to 18-65)
HAZARD_PRIORS = 0.8  # times ln(1 + prior convictions)
HAZARD_SENTENCE = -0.1  # times ln(sentence months / 24): short sentences (petty, repeated offences) a little riskier
HAZARD_FEMALE = -0.35
HAZARD_OFFENCE: dict[str, float] = {
    OffenceCategory.DRUGS: 0.1,
    OffenceCategory.PROPERTY: 0.2,
    OffenceCategory.VIOLENT: -0.1,
    OffenceCategory.SEXUAL: -0.7,
    OffenceCategory.FRAUD: -0.35,
    OffenceCategory.TRAFFIC: -0.5,
    OffenceCategory.WEAPONS: 0.0,
    OffenceCategory.OTHER: -0.2,
}
HAZARD_MISSED = 0.6  # per appointment missed in the last 60 days (at most three count)
HAZARD_MISSED_WINDOW = 60
HAZARD_MISSED_CAP = 3
HAZARD_EMPLOYED = -0.8  # from the day after a hand-off to a job placement completed with "placed"
HAZARD_PROGRAMME = -0.4  # from the day after a behaviour programme or a drug treatment was completed
# A fact dated on day d changes the hazard from day d + 1: a new offence is always dated after
# the facts that drove it.
PROGRAMME_OUTCOMES = frozenset({HandoffOutcome.PROGRAMME_COMPLETED, HandoffOutcome.TREATMENT_COMPLETED})
CALIBRATION_SAMPLE = 2_000
P_CLOSED = 0.02
CLOSURE_REASONS = [
    (ClosureReason.TRANSFER_OUT, 40),
    (ClosureReason.DEATH, 33),
    (ClosureReason.DATA_ERROR, 22),
    (ClosureReason.DEPORTATION, 5),
]
P_SUSPENSION = 0.25
P_EARLY_COMPLETION = 0.03
P_EARLIER_EPISODE = 0.42
WINDOW_DAYS = 3 * 365

# --- the plan, the hand-offs, the appointments -------------------------------------------------

# Deadlines of the service catalogue (rehab/migrations/0005) in working days (answer, complete),
# for a simulator without a database; the seed reads the catalogue itself.
DEFAULT_SERVICE_DAYS = {
    "job_placement": (3, 30), "vocational_training": (5, 60), "education": (5, 60), "id_card": (3, 15),
    "house_registration": (3, 30), "welfare_grant": (5, 30), "shelter": (2, 15), "legal_aid": (5, 30), "bail": (2, 10),
    "health_screening": (3, 30), "drug_treatment": (3, 120), "mental_health": (5, 90), "behaviour_programme": (5, 90),
}  # fmt: skip
# Which service a stage is handed off for (a declined stage may go to the other one next).
SERVICE_CHOICE: dict[str, list[tuple[str, float]]] = {
    StageDomain.EDUCATION: [("education", 75), ("vocational_training", 25)],
    StageDomain.EMPLOYMENT: [("job_placement", 85), ("vocational_training", 15)],
    StageDomain.HEALTH: [("drug_treatment", 55), ("health_screening", 30), ("mental_health", 15)],
    StageDomain.WELFARE: [("welfare_grant", 70), ("shelter", 30)],
    StageDomain.DOCUMENTS: [("id_card", 65), ("house_registration", 35)],
    StageDomain.LEGAL_AID: [("legal_aid", 80), ("bail", 20)],
    StageDomain.BEHAVIOUR: [("behaviour_programme", 100)],
}
# Share of the stages handed off at all (the officer works on the others without a partner).
P_HANDOFF: dict[str, float] = {
    StageDomain.EMPLOYMENT: 0.9,
    StageDomain.HEALTH: 0.6,
    StageDomain.DOCUMENTS: 0.8,
    StageDomain.EDUCATION: 0.5,
    StageDomain.WELFARE: 0.5,
    StageDomain.LEGAL_AID: 0.6,
    StageDomain.BEHAVIOUR: 0.85,
}
# No need domain asks for a behaviour programme: the officer adds the stage, more often for these offences.
P_BEHAVIOUR_STAGE: dict[str, float] = {
    OffenceCategory.DRUGS: 0.25,
    OffenceCategory.PROPERTY: 0.2,
    OffenceCategory.VIOLENT: 0.5,
    OffenceCategory.SEXUAL: 0.6,
    OffenceCategory.FRAUD: 0.1,
    OffenceCategory.TRAFFIC: 0.15,
    OffenceCategory.WEAPONS: 0.35,
    OffenceCategory.OTHER: 0.1,
}
P_DECLINE: dict[str, float] = {"job_placement": 0.15, "vocational_training": 0.12, "shelter": 0.2, "bail": 0.2}
P_DECLINE_OTHER = 0.07
P_WITHDRAW_SENT = 0.03
P_WITHDRAW_ACCEPTED = 0.04
P_LATE_ANSWER = 0.08
P_LATE_COMPLETION = 0.1
P_SEND_AGAIN = 0.6
P_PROGRESS_NOTE = 0.2
OUTCOMES: dict[str, list[tuple[str, float]]] = {
    "job_placement": [(HandoffOutcome.PLACED, 60), (HandoffOutcome.NOT_ACHIEVED, 40)],
    "vocational_training": [(HandoffOutcome.TRAINED, 70), (HandoffOutcome.ENROLLED, 15), (HandoffOutcome.NOT_ACHIEVED, 15)],
    "education": [(HandoffOutcome.ENROLLED, 80), (HandoffOutcome.NOT_ACHIEVED, 20)],
    "health_screening": [(HandoffOutcome.TREATMENT_STARTED, 70), (HandoffOutcome.NOT_ACHIEVED, 30)],
    "drug_treatment": [
        (HandoffOutcome.TREATMENT_COMPLETED, 50),
        (HandoffOutcome.TREATMENT_STARTED, 30),
        (HandoffOutcome.NOT_ACHIEVED, 20),
    ],
    "mental_health": [(HandoffOutcome.TREATMENT_STARTED, 80), (HandoffOutcome.NOT_ACHIEVED, 20)],
    "welfare_grant": [(HandoffOutcome.GRANT_PAID, 90), (HandoffOutcome.NOT_ACHIEVED, 10)],
    "shelter": [(HandoffOutcome.SHELTERED, 85), (HandoffOutcome.NOT_ACHIEVED, 15)],
    "id_card": [(HandoffOutcome.ID_ISSUED, 95), (HandoffOutcome.NOT_ACHIEVED, 5)],
    "house_registration": [(HandoffOutcome.REGISTERED, 85), (HandoffOutcome.NOT_ACHIEVED, 15)],
    "legal_aid": [(HandoffOutcome.LEGAL_AID_GRANTED, 85), (HandoffOutcome.NOT_ACHIEVED, 15)],
    "bail": [(HandoffOutcome.BAIL_GRANTED, 75), (HandoffOutcome.NOT_ACHIEVED, 25)],
    "behaviour_programme": [(HandoffOutcome.PROGRAMME_COMPLETED, 70), (HandoffOutcome.NOT_ACHIEVED, 30)],
}
HANDOFF_SHARED = ["contact", "needs"]
HANDOFF_REQUESTS = {
    "job_placement": "ขอความอนุเคราะห์จัดหางานที่เหมาะสม ผู้ถูกคุมความประพฤติมีประสบการณ์งานก่อสร้างและขับรถ",
    "vocational_training": "ขอส่งเข้ารับการฝึกอาชีพระยะสั้น สนใจช่างซ่อมรถจักรยานยนต์หรือช่างไฟฟ้า",
    "education": "ขอส่งสมัครเรียนการศึกษานอกระบบระดับมัธยมศึกษาตอนต้น",
    "health_screening": "ขอตรวจคัดกรองสุขภาพและการใช้สารเสพติด",
    "drug_treatment": "ขอส่งเข้ารับการบำบัดยาเสพติดแบบผู้ป่วยนอก",
    "mental_health": "ขอส่งพบจิตแพทย์ ผู้ถูกคุมความประพฤติมีภาวะเครียดและนอนไม่หลับ",
    "welfare_grant": "ขอรับเงินสงเคราะห์ผู้ประสบปัญหาทางสังคมกรณีเร่งด่วน",
    "shelter": "ขอที่พักชั่วคราว ไม่มีที่อยู่อาศัยหลังพ้นโทษ",
    "id_card": "ขอทำบัตรประจำตัวประชาชนใหม่ บัตรเดิมสูญหายระหว่างต้องโทษ",
    "house_registration": "ขอย้ายชื่อเข้าทะเบียนบ้านของบิดามารดา",
    "legal_aid": "ขอรับความช่วยเหลือทนายความในคดีแพ่งที่ค้างพิจารณา",
    "bail": "ขอรับการสนับสนุนเงินประกันตัวจากกองทุนยุติธรรม",
    "behaviour_programme": "ขอส่งเข้าร่วมโปรแกรมปรับเปลี่ยนพฤติกรรม 12 สัปดาห์",
}
DECLINE_REASONS = {
    "job_placement": ["ไม่มีตำแหน่งงานที่ตรงกับคุณสมบัติในขณะนี้", "นายจ้างในพื้นที่ไม่รับผู้มีประวัติคดียาเสพติดในช่วงนี้"],
    "vocational_training": ["หลักสูตรเต็มแล้ว รอบถัดไปเปิดรับสมัครเดือนหน้า"],
    "shelter": ["ศูนย์พักพิงเต็ม ขอให้ติดต่อจังหวัดใกล้เคียง"],
    "bail": ["คดีไม่เข้าหลักเกณฑ์ของกองทุนยุติธรรม"],
}
DECLINE_REASONS_OTHER = [
    "ผู้รับบริการไม่อยู่ในเขตพื้นที่รับผิดชอบ",
    "เอกสารประกอบไม่ครบ ขอให้ส่งสำเนาทะเบียนบ้านและบัตรประชาชน",
    "ติดต่อผู้รับบริการไม่ได้ตามหมายเลขโทรศัพท์ที่ให้ไว้",
]
WITHDRAW_REASONS = [
    "ผู้ถูกคุมความประพฤติย้ายที่อยู่ไปต่างจังหวัด",
    "ได้งานทำเองแล้ว ไม่ต้องการบริการ",
    "ส่งต่อผิดหน่วยงาน จะส่งใหม่",
    "ผู้ถูกคุมความประพฤติขอยกเลิกการรับบริการ",
]
PROGRESS_NOTES = {
    "job_placement": "นัดสัมภาษณ์งานกับสถานประกอบการแล้ว",
    "vocational_training": "เข้ารับการฝึกครบครึ่งหลักสูตร",
    "education": "ลงทะเบียนเรียนแล้ว รอเปิดภาคเรียน",
    "drug_treatment": "เข้ารับการบำบัดต่อเนื่องตามนัด ผลตรวจปัสสาวะเป็นลบ",
    "behaviour_programme": "เข้าร่วมกิจกรรมกลุ่มครบหกครั้ง",
}
PROGRESS_NOTE_OTHER = "รับเรื่องแล้ว อยู่ระหว่างดำเนินการ"
OUTCOME_NOTES: dict[str, str] = {
    HandoffOutcome.PLACED: "ได้งานเป็นพนักงานโรงงาน เริ่มงานแล้ว",
    HandoffOutcome.TRAINED: "ผ่านการฝึกอาชีพ ได้รับวุฒิบัตร",
    HandoffOutcome.ENROLLED: "ลงทะเบียนเรียนเรียบร้อย",
    HandoffOutcome.TREATMENT_STARTED: "เริ่มการรักษาแล้ว นัดติดตามทุกเดือน",
    HandoffOutcome.TREATMENT_COMPLETED: "บำบัดครบตามโปรแกรม",
    HandoffOutcome.GRANT_PAID: "จ่ายเงินสงเคราะห์ 3,000 บาทแล้ว",
    HandoffOutcome.SHELTERED: "รับเข้าพักที่ศูนย์คุ้มครองคนไร้ที่พึ่งแล้ว",
    HandoffOutcome.ID_ISSUED: "ออกบัตรประจำตัวประชาชนแล้ว",
    HandoffOutcome.REGISTERED: "ย้ายชื่อเข้าทะเบียนบ้านเรียบร้อย",
    HandoffOutcome.LEGAL_AID_GRANTED: "อนุมัติให้ความช่วยเหลือด้านทนายความ",
    HandoffOutcome.BAIL_GRANTED: "อนุมัติเงินประกันตัว",
    HandoffOutcome.PROGRAMME_COMPLETED: "เข้าร่วมโปรแกรมครบทุกครั้ง ผ่านการประเมิน",
    HandoffOutcome.NOT_ACHIEVED: "ให้บริการแล้ว แต่ไม่บรรลุเป้าหมาย",
}
# Report-ins: monthly for the first three months after intake, then every three months; a home
# visit a month or two after activation, then once a year.
REPORT_IN_EARLY_DAYS = 30
REPORT_IN_LATER_DAYS = 90
HOME_VISIT_DAYS = 365
P_CANCELLED = 0.05
MISSED_NOTES = ["ไม่มารายงานตัวตามนัด โทรติดต่อไม่ได้", "ไม่มารายงานตัวตามนัด ญาติแจ้งว่าไปทำงานต่างจังหวัด", "ไม่พบตัวที่บ้านตามนัด"]
CANCELLED_NOTES = ["เลื่อนนัดเนื่องจากเจ้าหน้าที่ติดราชการ", "ผู้ถูกคุมความประพฤติขอเลื่อนนัด เข้ารับการรักษาที่โรงพยาบาล"]
# Plain strings for the hot loops: looking up an enum member costs a descriptor call each time.
STEP_SENT, STEP_ACCEPTED, STEP_DECLINED, STEP_PROGRESS, STEP_COMPLETED, STEP_WITHDRAWN = (
    str(step.value)
    for step in (
        LedgerStep.SENT,
        LedgerStep.ACCEPTED,
        LedgerStep.DECLINED,
        LedgerStep.PROGRESS,
        LedgerStep.COMPLETED,
        LedgerStep.WITHDRAWN,
    )
)
HANDOFF_DRAFT = str(HandoffState.DRAFT.value)
APPT_SCHEDULED, APPT_ATTENDED, APPT_MISSED, APPT_CANCELLED = (
    str(state.value)
    for state in (AppointmentState.SCHEDULED, AppointmentState.ATTENDED, AppointmentState.MISSED, AppointmentState.CANCELLED)
)
# The transition that marks an appointment so (appointment_mark's MARKS the other way round).
APPOINTMENT_MARK = {str(state.value): name for name, state in APPOINTMENT_MARKS.items()}
REPORT_IN, HOME_VISIT = str(AppointmentKind.REPORT_IN.value), str(AppointmentKind.HOME_VISIT.value)
OPEN_CASE_STATES = frozenset(str(state) for state in OPEN_STATES)
DRUGS = str(OffenceCategory.DRUGS.value)
HEALTH_NEED = str(NeedDomain.HEALTH.value)
NO_NEED, URGENT_NEED = str(NeedLevel.NONE.value), str(NeedLevel.URGENT.value)
STAGE_ORDER = tuple(StageDomain.values)
STAGE_OF_NEED: dict[str, str] = {str(need): str(stage) for need, stage in STAGE_FOR_NEED.items()}
# Steps of a hand-off: who acts.
BY_OFFICER, BY_STAFF, BY_CASE_END = 0, 1, 2

# --- what the officers write -----------------------------------------------------------------

FIRST_REPORT_NOTES = [
    "รายงานตัวครั้งแรกหลังได้รับการปล่อยตัว ชี้แจงเงื่อนไขการคุมความประพฤติแล้ว",
    "รายงานตัวครั้งแรก ตรวจสอบเอกสารและที่อยู่ตามทะเบียนบ้าน นัดประเมินความต้องการ",
    "มารายงานตัวพร้อมญาติ รับทราบเงื่อนไขและกำหนดนัดรายงานตัวทุกเดือน",
]
NOTES = {
    ContactKind.OFFICE_VISIT: [
        "รายงานตัวตามนัด สภาพทั่วไปดี กำลังหางานทำ",
        "รายงานตัวตามนัด ตรวจปัสสาวะไม่พบสารเสพติด",
        "มารายงานตัวพร้อมมารดา แจ้งว่าได้งานรับจ้างทั่วไปแล้ว",
        "รายงานตัวตามนัด แนะนำให้สมัครงานกับสำนักงานจัดหางานจังหวัด",
        "รายงานตัวช้ากว่านัดหนึ่งวัน ชี้แจงว่าติดงาน ได้ว่ากล่าวตักเตือนแล้ว",
        "รายงานตัวตามนัด ทำกิจกรรมบริการสังคมครบตามกำหนด",
        "รายงานตัวตามนัด ขอคำปรึกษาเรื่องการทำบัตรประชาชนใหม่",
        "รายงานตัวตามนัด ทำงานร้านซ่อมรถจักรยานยนต์ มีรายได้พอเลี้ยงครอบครัว",
        "รายงานตัวตามนัด เรียน กศน. ภาคเรียนที่สอง ผลการเรียนดี",
    ],
    ContactKind.HOME_VISIT: [
        "เยี่ยมบ้าน พบตัวและภรรยา ที่อยู่อาศัยเรียบร้อย ชุมชนให้การยอมรับ",
        "เยี่ยมบ้าน ผู้นำชุมชนแจ้งว่าประพฤติตนดี ช่วยงานวัดเป็นประจำ",
        "เยี่ยมบ้าน ไม่พบตัว เพื่อนบ้านแจ้งว่าไปทำงานต่างจังหวัด นัดรายงานตัวอีกครั้ง",
        "เยี่ยมบ้านร่วมกับอาสาสมัครคุมประพฤติ ครอบครัวดูแลดี",
    ],
    ContactKind.PHONE: [
        "โทรติดตาม แจ้งว่าสบายดี ทำงานก่อสร้างกับญาติ",
        "โทรเตือนวันนัดรายงานตัวครั้งถัดไป รับทราบแล้ว",
        "โทรติดตามผลการบำบัดยาเสพติดที่โรงพยาบาล เข้ารับการบำบัดต่อเนื่อง",
        "โทรแจ้งผลการสมัครงาน บริษัทนัดสัมภาษณ์สัปดาห์หน้า",
    ],
    ContactKind.MESSAGE: [
        "ส่งข้อความทางไลน์แจ้งเลื่อนนัดรายงานตัว ตอบรับแล้ว",
        "ส่งรูปหนังสือรับรองการทำงานมาทางไลน์",
    ],
}
SUSPENDED_NOTES = [
    (ContactKind.PHONE, "โทรติดต่อไม่ได้ เบอร์ปิดเครื่อง"),
    (ContactKind.HOME_VISIT, "เยี่ยมบ้าน ไม่พบตัว ญาติไม่ทราบที่อยู่ปัจจุบัน"),
    (ContactKind.OTHER, "ขาดรายงานตัวตามนัด ส่งหนังสือเตือนไปยังที่อยู่ตามทะเบียนบ้าน"),
]
NOTE_KINDS = [(ContactKind.OFFICE_VISIT, 50), (ContactKind.PHONE, 25), (ContactKind.HOME_VISIT, 15), (ContactKind.MESSAGE, 10)]
TRANSITION_REASONS = {
    "start_assessment": ["เริ่มประเมินความต้องการหลังรายงานตัวครั้งแรก", "มารายงานตัวครบตามนัด เริ่มการประเมิน"],
    "activate": ["ประเมินเสร็จ จัดทำแผนการแก้ไขฟื้นฟูแล้ว", "ประเมินความต้องการครบทุกด้าน เริ่มการคุมความประพฤติ"],
    "suspend": [
        "ขาดการติดต่อเกินสองเดือน ติดตามตัวไม่พบ",
        "เข้ารับการรักษาตัวในโรงพยาบาลเป็นเวลานาน",
        "ถูกควบคุมตัวในคดีอื่นระหว่างรอการพิจารณา",
    ],
    "resume": ["ติดตามตัวพบ กลับมารายงานตัวตามนัด", "ออกจากโรงพยาบาลแล้ว กลับมารายงานตัว", "ได้รับการปล่อยตัวชั่วคราว กลับมารายงานตัว"],
    "complete": ["ครบกำหนดระยะเวลาคุมความประพฤติ ปฏิบัติตามเงื่อนไขครบถ้วน", "พ้นการคุมความประพฤติตามกำหนด มีงานทำและที่อยู่เป็นหลักแหล่ง"],
    "complete_early": ["ประพฤติตนดีตลอดมา ผู้อำนวยการอนุมัติให้พ้นการคุมความประพฤติก่อนกำหนด"],
    "reoffend": ["ตำรวจแจ้งการจับกุมในคดีใหม่", "ได้รับแจ้งคำพิพากษาในคดีใหม่จากศาล", "สถานีตำรวจแจ้งว่าถูกจับกุมคดียาเสพติด"],
}
CLOSURE_NOTES: dict[str, str] = {
    ClosureReason.DEATH: "ได้รับแจ้งการเสียชีวิตจากญาติ ตรวจสอบใบมรณบัตรแล้ว",
    ClosureReason.DEPORTATION: "ถูกส่งกลับประเทศต้นทางโดยสำนักงานตรวจคนเข้าเมือง",
    ClosureReason.TRANSFER_OUT: "ย้ายไปอยู่ในความดูแลของหน่วยงานอื่นตามคำสั่งศาล",
    ClosureReason.DATA_ERROR: "เปิดคดีซ้ำโดยความผิดพลาด บันทึกไว้ในคดีเดิมแล้ว",
}
# (none, some, urgent) shares and what the officer writes for "some" and "urgent".
NEEDS = {
    NeedDomain.EDUCATION: ((55, 35, 10), "จบชั้นประถมศึกษา สนใจเรียนต่อ กศน.", "อ่านเขียนไม่คล่อง ต้องการเรียนการศึกษานอกระบบ"),
    NeedDomain.WORK: ((25, 45, 30), "ทำงานรับจ้างรายวัน รายได้ไม่แน่นอน", "ไม่มีงานทำ ต้องการหางานโดยด่วน"),
    NeedDomain.HEALTH: ((40, 35, 25), "เคยใช้ยาเสพติด ต้องติดตามผลการบำบัด", "ยังใช้ยาบ้า ต้องส่งต่อเข้ารับการบำบัด"),
    NeedDomain.HOUSING: ((60, 30, 10), "อาศัยอยู่กับญาติชั่วคราว", "ไม่มีที่อยู่อาศัย ต้องการบ้านพักชั่วคราว"),
    NeedDomain.DOCUMENTS: ((75, 20, 5), "บัตรประชาชนหมดอายุ", "ไม่มีบัตรประชาชนและทะเบียนบ้าน"),
    NeedDomain.LEGAL_AID: ((85, 12, 3), "มีคดีแพ่งค้างพิจารณา", "ต้องการทนายความในคดีที่ค้างอยู่"),
    NeedDomain.FAMILY: ((55, 35, 10), "ความสัมพันธ์ในครอบครัวตึงเครียด", "ครอบครัวไม่ยอมรับ ไม่มีผู้ดูแล"),
}
DRUG_HEALTH_NEEDS = (20, 45, 35)
DOMAIN_LABELS_TH: dict[str, str] = {
    NeedDomain.EDUCATION: "การศึกษา",
    NeedDomain.WORK: "การงาน",
    NeedDomain.HEALTH: "สุขภาพและยาเสพติด",
    NeedDomain.HOUSING: "ที่อยู่อาศัยและสวัสดิการ",
    NeedDomain.DOCUMENTS: "เอกสารทางทะเบียน",
    NeedDomain.LEGAL_AID: "ความช่วยเหลือทางกฎหมาย",
    NeedDomain.FAMILY: "ครอบครัว",
}

# --- the demo users --------------------------------------------------------------------------

DEMO_PASSWORD_FILE = Path(settings.BASE_DIR) / "var" / "demo_password"
AGENCY_OFFICE = {
    "code": "employment-10",
    "unit_id": "employment",
    "province_id": "10",
    "name_th": "สำนักงานจัดหางานกรุงเทพมหานครพื้นที่ 1",
    "name_en": "Bangkok Employment Office, Area 1",
}
# username, role, office ("probation" = Bangkok probation office, "agency" = the office above)
DEMO_USERS = [
    ("officer", Role.OFFICER, "probation", ("อรอุมา", "ศรีสวัสดิ์")),
    ("supervisor", Role.SUPERVISOR, "probation", ("ประเสริฐ", "วงศ์ใหญ่")),
    ("agency", Role.AGENCY_STAFF, "agency", ("กนกวรรณ", "เจริญผล")),
    ("employer", Role.EMPLOYER, None, ("สมศักดิ์", "รุ่งเรือง")),
    ("manager", Role.MANAGER, None, ("วราภรณ์", "สุขเจริญ")),
    ("auditor", Role.AUDITOR, None, ("ธีรวัฒน์", "มั่นคง")),
    ("admin", Role.ADMIN, None, ("ณัฐพล", "ปัญญาดี")),
]
# The demo officer's own caseload: one of each situation a demo walks through.
OFFICER_CASELOAD = [
    (CaseState.INTAKE, 4, (0, 6)),
    (CaseState.ASSESSMENT, 5, (4, 30)),
    (CaseState.ACTIVE, 24, (35, 540)),
    (CaseState.SUSPENDED, 3, (90, 540)),
    (CaseState.COMPLETED, 3, (400, WINDOW_DAYS)),
    (CaseState.REOFFENDED, 2, (60, 720)),
    (CaseState.CLOSED, 1, (10, 540)),
]
OPEN_CASES_PER_OFFICER = 40


def demo_password() -> tuple[str, str]:
    """The demo users' password and where it came from: DEMO_PASSWORD, or var/demo_password
    (made on the first run, mode 600, and reused by later runs)."""
    from_env = os.environ.get("DEMO_PASSWORD", "").strip()
    if from_env:
        return from_env, "the DEMO_PASSWORD environment variable"
    path = DEMO_PASSWORD_FILE
    if path.exists():
        saved = path.read_text(encoding="utf-8").strip()
        if saved:
            return saved, str(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    os.chmod(path, 0o600)
    return password, f"{path} (generated now)"


# --- small tools -----------------------------------------------------------------------------


class Weighted:
    """Pick from (value, weight) pairs: one random number and a bisection."""

    __slots__ = ("cumulative", "total", "values")

    def __init__(self, pairs: Iterable[tuple[Any, float]]) -> None:
        self.values: list[Any] = []
        self.cumulative: list[float] = []
        running = 0.0
        for value, weight in pairs:
            running += weight
            self.values.append(value)
            self.cumulative.append(running)
        self.total = running

    def pick(self, rng: Random) -> Any:
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def randint(rng: Random, low: int, high: int) -> int:
    """``rng.randint(low, high)``, ten times faster (the simulation draws tens of millions)."""
    return low + int(rng.random() * (high - low + 1))


def choice(rng: Random, items: Sequence[Any]) -> Any:
    return items[int(rng.random() * len(items))]


DAY = 86_400


def work_time(rng: Random, day: int) -> int:
    """A moment of office hours (08:30-16:30 Bangkok) on a day, as seconds since day 0 (UTC)."""
    return day * DAY + 5_400 + int(rng.random() * 28_801)


_WEEKEND_SHIFT = (0, 0, 0, 0, 0, 2, 1)


def workday(day: int) -> int:
    """The day itself, or the Monday after when it falls on a weekend."""
    return day + _WEEKEND_SHIFT[(day + 6) % 7]


_EPOCH_SECONDS = date(1970, 1, 1).toordinal() * DAY
_from_timestamp = datetime.fromtimestamp


def as_datetime(ts: int) -> datetime:
    """Our seconds since day 0 (UTC) as an aware datetime."""
    return _from_timestamp(ts - _EPOCH_SECONDS, UTC)


def curve_inverse(share: float) -> int:
    """Days after release at which ``share`` of a cohort has reoffended (REOFFENCE_CURVE)."""
    for (d0, p0), (d1, p1) in itertools.pairwise(REOFFENCE_CURVE):
        if share <= p1:
            return max(1, int(d0 + (share - p0) * (d1 - d0) / (p1 - p0)))
    return REOFFENCE_CURVE[-1][0]


class Hazard:
    """The generative model of new offences: a proportional hazard in days since release.

    For a person released on day 0, the hazard of a first new offence on day t is

        h(t) = λ(t) · exp(η + 0.6·min(M(t), 3) − 0.8·E(t) − 0.4·P(t))

        η = −0.06·(age − 30) + 0.8·ln(1 + priors) − 0.1·ln(sentence months / 24)
            + offence (drugs 0.1, property 0.2, violent −0.1, sexual −0.7, fraud −0.35,
                       traffic −0.5, weapons 0, other −0.2) − 0.35·[female]

    where age (clipped to 18-65) is at release; M(t) counts the appointments missed in the 60
    days before day t; E(t) is 1 from the day after a hand-off to a job placement was completed
    with "placed"; P(t) is 1 from the day after a behaviour programme or a drug treatment was
    completed. M, E and P move only while the case is open (nobody books appointments after
    supervision ends: M falls back to 0, E and P stay). λ(t) is constant on 0-90, 90-365,
    365-730, 730-1095 and 1095-1825 days and calibrated (:meth:`calibrate`) on a sample of
    simulated first releases so that 5%, 15%, 24%, 33% and 42% of a cohort have reoffended by
    the end of each piece (design §8); no new offence is drawn after five years. The coefficients
    are HAZARD_* above; the static facts alone rank a new offence within a year with an AUC of
    about 0.71 (COMPAS reaches 0.71 on its real data), the dynamic ones add to it. A fact dated
    day d counts from day d + 1, so the offence is always after the facts that drove it.
    """

    KNOTS = tuple(day for day, _share in REOFFENCE_CURVE)
    TARGETS = tuple(share for _day, share in REOFFENCE_CURVE[1:])

    def __init__(self, rates: Sequence[float]) -> None:
        self.rates = list(rates)

    @staticmethod
    def static(*, age: float, sex: str, priors: int, offence: str, sentence_months: int) -> float:
        """η: the log hazard ratio of the facts known at release."""
        age = min(max(age, 18.0), 65.0)
        return (
            HAZARD_AGE * (age - 30)
            + HAZARD_PRIORS * math.log1p(priors)
            + HAZARD_SENTENCE * math.log(max(sentence_months, 1) / 24)
            + HAZARD_OFFENCE.get(offence, 0.0)
            + (HAZARD_FEMALE if sex == Sex.FEMALE else 0.0)
        )

    @classmethod
    def segments(
        cls, eta: float, missed: Sequence[int], employed: int | None, programme: int | None
    ) -> list[tuple[float, float, int, float]]:
        """(start, end, piece of λ, exp(log hazard ratio)) over five years: the hazard without λ is
        constant on each. ``missed``: days (since release) of missed appointments; ``employed`` and
        ``programme``: the day of the fact, or None."""
        changes: list[tuple[int, int]] = []  # (day from which, what changes: 0 missed +1, 1 missed -1, 2 job, 3 programme)
        for day in missed:
            changes.append((day + 1, 0))
            changes.append((day + 1 + HAZARD_MISSED_WINDOW, 1))
        if employed is not None:
            changes.append((employed + 1, 2))
        if programme is not None:
            changes.append((programme + 1, 3))
        knots = cls.KNOTS
        if not changes:
            weight = math.exp(eta)
            return [(start, stop, piece, weight) for piece, (start, stop) in enumerate(itertools.pairwise(knots))]
        changes.sort()
        end = knots[-1]
        cuts = sorted({*knots, *(day for day, _what in changes if 0 < day < end)})
        out: list[tuple[float, float, int, float]] = []
        count, job, done = 0, 0.0, 0.0
        i, piece = 0, 0
        for start, stop in itertools.pairwise(cuts):
            while i < len(changes) and changes[i][0] <= start:
                what = changes[i][1]
                if what == 0:
                    count += 1
                elif what == 1:
                    count -= 1
                elif what == 2:
                    job = HAZARD_EMPLOYED
                else:
                    done = HAZARD_PROGRAMME
                i += 1
            while start >= knots[piece + 1]:
                piece += 1
            out.append((start, stop, piece, math.exp(eta + HAZARD_MISSED * min(count, HAZARD_MISSED_CAP) + job + done)))
        return out

    def draw(self, rng: Random, segments: Iterable[tuple[float, float, int, float]]) -> int | None:
        """Days from release to the new offence (at least 1), or None for none within five years."""
        target = rng.expovariate(1.0)
        total = 0.0
        rates = self.rates
        for start, stop, piece, weight in segments:
            rate = rates[piece] * weight
            step = rate * (stop - start)
            if total + step >= target:
                return max(1, int(start + (target - total) / rate))
            total += step
        return None

    @classmethod
    def calibrate(cls, samples: Sequence[list[tuple[float, float, int, float]]]) -> Hazard:
        """λ for each piece, one after the other, so that the sample's cumulative share of new
        offences at the end of each piece is the target (the expected share: no random draws)."""
        pieces = len(cls.TARGETS)
        exposure = [[0.0] * pieces for _ in samples]  # ∫ exp(...) dt over each piece, per sample
        for row, segments in zip(exposure, samples, strict=True):
            for start, stop, piece, weight in segments:
                row[piece] += weight * (stop - start)
        before = [0.0] * len(samples)  # cumulative hazard up to the current piece
        rates = []
        for piece, target in enumerate(cls.TARGETS):
            survive = 1.0 - target
            exposures = [row[piece] for row in exposure]
            rate = 1e-4
            for _ in range(50):  # Newton on mean(exp(-H_i - rate * A_i)) = survive
                terms = [math.exp(-h - rate * a) for h, a in zip(before, exposures, strict=True)]
                value = sum(terms) / len(terms) - survive
                slope = -sum(t * a for t, a in zip(terms, exposures, strict=True)) / len(terms)
                if slope == 0:
                    break
                step = value / slope
                rate = max(rate - step, rate / 10)
                if abs(step) < 1e-12:
                    break
            rates.append(rate)
            before = [h + rate * a for h, a in zip(before, exposures, strict=True)]
        return cls(rates)


_CALIBRATIONS: dict[Any, Hazard] = {}


_ID_MULTIPLIER = 7_654_321  # coprime with 10: serial -> 7 digits is a bijection below 10**7
_ID_OFFSET = 1_234_567


def national_id(first_digit: int, district_code: str, serial: int) -> str:
    """A valid national ID, unique for every serial below 10**7 whatever the other digits."""
    middle = (serial * _ID_MULTIPLIER + _ID_OFFSET) % 10_000_000
    twelve = f"{first_digit}{district_code}{middle:07d}"
    return twelve + str(national_id_check_digit(twelve))


# --- the simulation --------------------------------------------------------------------------


@dataclass(slots=True)
class Profile:
    """What the court and the prison decided: how and when the person came out."""

    release_type: str
    offence: str
    sentence_months: int
    served_share: float


@dataclass(slots=True)
class Event:
    ts: int
    transition: str
    source: str
    target: str
    by_supervisor: bool
    description: str


@dataclass(slots=True)
class CaseSim:
    release: int  # day ordinal
    profile: Profile
    priors: int
    facility: str
    supervision_end: int
    opened: int  # ts
    state: str = CaseState.INTAKE
    closure_reason: str = ""
    events: list[Event] = field(default_factory=list)
    assessment_started: int | None = None  # ts
    assessment_finished: int | None = None  # ts
    reoffence_day: int | None = None
    reoffence_recorded: int | None = None  # ts
    reoffence_source: str = ""
    reoffence_category: str = ""
    end: int = 0  # ts: when the case stopped being open, or now
    suspension: tuple[int, int] | None = None  # ts of suspend and of resume
    activated: int | None = None  # ts
    officer_id: int | None = None
    supervisor_id: int | None = None
    office_id: int = 0
    id: int = 0
    needs: list[tuple[str, str, bool, str]] = field(default_factory=list)
    stages: list[StageSim] = field(default_factory=list)
    appointments: list[tuple[int, str, str, str]] = field(default_factory=list)  # (ts, kind, state, note)
    legacy: bool = False  # released before the window: no plan, hand-offs or appointments
    ended_by_supervisor: bool = False  # the transition that ended the case (and withdrew its hand-offs)
    scripted: bool = False  # the demo officer's employment hand-off is as asked
    end_reason: str = ""

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_CASE_STATES


@dataclass(slots=True)
class HandoffSim:
    """One hand-off of a stage: its steps (ts, step, who acts: BY_*, reason / outcome / note)."""

    service: str
    office_id: int
    respond_by: int  # day ordinal
    complete_by: int
    steps: list[tuple[int, str, int, str]] = field(default_factory=list)
    id: int = 0

    @property
    def state(self) -> str:
        for _ts, step, _by, _text in reversed(self.steps):
            if step != STEP_PROGRESS:
                return step  # the ledger steps of a transition are named after its target state
        return HANDOFF_DRAFT


STAGE_FOR_HANDOFF: dict[str, str] = {
    STEP_SENT: StageState.REFERRED,
    STEP_ACCEPTED: StageState.IN_PROGRESS,
    STEP_COMPLETED: StageState.COMPLETED,
}


@dataclass(slots=True)
class StageSim:
    domain: str
    created: int  # ts
    handoffs: list[HandoffSim] = field(default_factory=list)
    id: int = 0

    @property
    def state(self) -> str:
        """As the services keep it: the state of its latest hand-off (planned after a decline or a withdrawal)."""
        if not self.handoffs:
            return StageState.PLANNED
        return STAGE_FOR_HANDOFF.get(self.handoffs[-1].state, StageState.PLANNED)


@dataclass(slots=True)
class PersonSim:
    sex: str
    birth: int  # day ordinal
    province: str
    district: str
    first_th: str
    last_th: str
    first_en: str
    last_en: str
    phone: str
    cases: list[CaseSim] = field(default_factory=list)
    id: int = 0
    national_id: str = ""
    demo_officer: bool = False  # the demo officer's own caseload


class Simulator:
    """Draws people and the lives of their cases. Pure: only ``rng`` and the clock decide."""

    def __init__(
        self,
        rng: Random,
        *,
        now: datetime,
        districts: dict[str, list[str]],
        province_names: dict[str, str] | None = None,
        catalogue: dict[str, dict[str, tuple[int, int, int]]] | None = None,
        holidays: Iterable[date] = (),
    ) -> None:
        """``catalogue``: province -> service -> (office id, answer days, completion days), from the
        service catalogue (by default DEFAULT_SERVICE_DAYS everywhere, office id 0)."""
        self.rng = rng
        self.province_names = province_names or {}
        self.today = timezone.localtime(now).date().toordinal()
        self.now = now.toordinal() * DAY + now.hour * 3600 + now.minute * 60 + now.second
        self.window_start = self.today - WINDOW_DAYS
        self.districts = districts
        if catalogue is None:
            default = {service: (0, *days) for service, days in DEFAULT_SERVICE_DAYS.items()}
            catalogue = dict.fromkeys(districts, default)
        self.catalogue = catalogue
        self.holidays = sorted(set(holidays))
        self._workdays_from = self.today - 2_600
        self._workdays: list[int] = []  # the working days from _workdays_from on
        self._workday_rank: list[int] = []  # per day from _workdays_from: working days up to and including it
        closed = {day.toordinal() for day in self.holidays}
        for day in range(self._workdays_from, self.today + 800):
            if (day + 6) % 7 < 5 and day not in closed:
                self._workdays.append(day)
            self._workday_rank.append(len(self._workdays))
        self.service_choice = {domain: Weighted(pairs) for domain, pairs in SERVICE_CHOICE.items()}
        self.outcomes = {service: Weighted(pairs) for service, pairs in OUTCOMES.items()}
        self.provinces = Weighted((code, PROVINCE_POPULATION.get(code, 300)) for code in districts)
        self.release_types = Weighted(RELEASE_TYPES)
        self.offences_prison = Weighted(OFFENCES_AFTER_PRISON)
        self.offences_suspended = Weighted(OFFENCES_SUSPENDED)
        self.priors = Weighted(PRIOR_CONVICTIONS)
        self.closure_reasons = Weighted(CLOSURE_REASONS)
        self.note_kinds = Weighted(NOTE_KINDS)
        self.need_levels = {
            domain: Weighted(zip((NeedLevel.NONE, NeedLevel.SOME, NeedLevel.URGENT), shares, strict=True))
            for domain, (shares, _some, _urgent) in NEEDS.items()
        }
        self.drug_health = Weighted(zip((NeedLevel.NONE, NeedLevel.SOME, NeedLevel.URGENT), DRUG_HEALTH_NEEDS, strict=True))
        self._need_draws = [
            (str(domain), shares, some, urgent, self.need_levels[domain]) for domain, (shares, some, urgent) in NEEDS.items()
        ]
        days = sorted({(service, offer[1:]) for offers in catalogue.values() for service, offer in offers.items()})
        coefficients = (
            *(HAZARD_AGE, HAZARD_PRIORS, HAZARD_SENTENCE, HAZARD_FEMALE),
            *(HAZARD_MISSED, HAZARD_EMPLOYED, HAZARD_PROGRAMME),
        )
        key = (tuple(days), tuple(self.holidays), self.today, coefficients, tuple(sorted(HAZARD_OFFENCE.items())))
        hazard = _CALIBRATIONS.get(key)
        if hazard is None:
            hazard = _CALIBRATIONS[key] = self._calibrate()
        self.hazard = hazard

    # people ----------------------------------------------------------------------------------

    def person(self, *, province: str | None = None) -> PersonSim:
        rng = self.rng
        sex = Sex.FEMALE if rng.random() < 0.13 else Sex.MALE
        province = province or self.provinces.pick(rng)
        district = choice(rng, self.districts[province])
        first_th, first_en = choice(rng, FEMALE_FIRST_NAMES if sex == Sex.FEMALE else MALE_FIRST_NAMES)
        last_th, last_en = self.surname()
        if rng.random() >= 0.35:
            first_en = last_en = ""
        phone = ""
        if rng.random() < 0.85:
            phone = f"0{choice(rng, '689')}{rng.randrange(10**8):08d}"
        return PersonSim(sex, 0, province, district, first_th, last_th, first_en, last_en, phone)

    def surname(self) -> tuple[str, str]:
        rng = self.rng
        if rng.random() < 0.2:
            return choice(rng, SURNAMES)
        parts = [choice(rng, SURNAME_PARTS) for _ in range(2 if rng.random() < 0.7 else 3)]
        return "".join(th for th, _en in parts), "".join(en for _th, en in parts).capitalize()

    def age_at_release(self) -> float:
        return self.rng.triangular(18, 65, 27)

    # offences and releases --------------------------------------------------------------------

    def profile(self) -> Profile:
        rng = self.rng
        release_type = self.release_types.pick(rng)
        if release_type == ReleaseType.SUSPENDED_SENTENCE:
            offence = self.offences_suspended.pick(rng)
            sentence = min(60, max(1, round(rng.lognormvariate(math.log(12), 0.5))))
            return Profile(release_type, offence, sentence, 0.0)
        offence = self.offences_prison.pick(rng)
        median, sigma = SENTENCE_MONTHS[offence]
        sentence = min(240, max(3, round(rng.lognormvariate(math.log(median), sigma))))
        low, high = SERVED_SHARE[release_type]
        return Profile(release_type, offence, sentence, rng.uniform(low, high))

    def custody_days(self, profile: Profile) -> int:
        """Days between the offence and the release: prison, or the court for a suspended sentence."""
        if profile.release_type == ReleaseType.SUSPENDED_SENTENCE:
            return randint(self.rng, 30, 180)
        return max(30, round(profile.sentence_months * 30.44 * profile.served_share))

    def supervision_days(self, profile: Profile) -> int:
        rng = self.rng
        if profile.release_type == ReleaseType.SUSPENDED_SENTENCE:
            months = choice(rng, (12, 12, 18, 24, 24))
        elif profile.release_type in (ReleaseType.END_OF_SENTENCE, ReleaseType.PARDON):
            months = randint(rng, 6, 12)  # after-care
        else:
            months = min(48, max(4, round(profile.sentence_months * (1 - profile.served_share))))
        return round(months * 30.44)

    def facility(self, person: PersonSim, profile: Profile) -> str:
        if profile.release_type == ReleaseType.SUSPENDED_SENTENCE:
            return ""
        province_th = self.province_names.get(person.province, "")
        if person.province == "10":
            return choice(self.rng, BANGKOK_WOMEN_FACILITIES if person.sex == Sex.FEMALE else BANGKOK_MEN_FACILITIES)
        if person.sex == Sex.FEMALE and person.province in WOMEN_INSTITUTION_PROVINCES:
            return f"ทัณฑสถานหญิง{province_th}"
        if person.province in CENTRAL_PRISON_PROVINCES:
            return f"เรือนจำกลาง{province_th}"
        return f"เรือนจำจังหวัด{province_th}"

    # the new offence ------------------------------------------------------------------------

    def _calibrate(self) -> Hazard:
        """λ of the hazard, from a fixed sample of first releases lived to the end (see Hazard)."""
        saved, self.rng = self.rng, Random(20_180_101)
        self.hazard = Hazard([0.0] * len(Hazard.TARGETS))  # no draws while sampling
        release = self.today - 2_200  # long enough ago for whole lives, however long the supervision
        samples = []
        try:
            for _ in range(CALIBRATION_SAMPLE):
                person = self.person()
                person.birth = release - int(self.age_at_release() * 365.25)
                priors = self.priors.pick(self.rng) + (1 if self.rng.random() < P_EARLIER_EPISODE else 0)
                case = self.case(
                    person,
                    release=release,
                    profile=self.profile(),
                    priors=priors,
                    reoffence_day=None,
                    may_close=False,
                    legacy=False,
                )
                samples.append(self._segments(case, person, case.end))
        finally:
            self.rng = saved
        return Hazard.calibrate(samples)

    def _segments(self, case: CaseSim, person: PersonSim, until: int) -> list[tuple[float, float, int, float]]:
        """The hazard's pieces for this case from what happened before ``until`` (ts)."""
        release = case.release
        missed = [ts // DAY - release for ts, _kind, state, _note in case.appointments if state == APPT_MISSED]
        employed = programme = None
        for stage in case.stages:
            for handoff in stage.handoffs:
                for ts, step, _by, text in handoff.steps:
                    if step != STEP_COMPLETED or ts >= until:
                        continue
                    day = ts // DAY - release
                    if text == HandoffOutcome.PLACED:
                        employed = day if employed is None else min(employed, day)
                    elif text in PROGRAMME_OUTCOMES:
                        programme = day if programme is None else min(programme, day)
        eta = Hazard.static(
            age=(release - person.birth) / 365.25,
            sex=person.sex,
            priors=case.priors,
            offence=case.profile.offence,
            sentence_months=case.profile.sentence_months,
        )
        return Hazard.segments(eta, missed, employed, programme)

    # deadlines --------------------------------------------------------------------------------

    def deadline(self, day: int, working_days: int) -> int:
        """``add_working_days`` (rehab.workdays) from a table: the same answer, without the loop."""
        index = day - self._workdays_from
        if 0 <= index < len(self._workday_rank):
            position = self._workday_rank[index] + working_days - 1
            if working_days == 0:
                return day
            if position < len(self._workdays):
                return self._workdays[position]
        return add_working_days(date.fromordinal(day), working_days, self.holidays).toordinal()

    # one case ---------------------------------------------------------------------------------

    def case(
        self,
        person: PersonSim,
        *,
        release: int,
        profile: Profile,
        priors: int,
        reoffence_day: int | bool | None = True,
        may_close: bool = True,
        legacy: bool | None = None,
        script: tuple[str, int, str] | None = None,
    ) -> CaseSim:
        """Live one case from its release until it ends or until now.

        ``reoffence_day``: True draws one from the hazard (Hazard), None means none, a day forces
        it. ``script``: the demo officer's employment hand-off (final state, days ago, outcome).
        """
        rng, now = self.rng, self.now
        supervision_end = release + self.supervision_days(profile)
        intake_day = min(self.today, release + min(int(rng.expovariate(1 / 2.0)), 14))
        opened = work_time(rng, intake_day)
        if opened > now:
            opened = now - randint(rng, 600, 7_200)
        case = CaseSim(release, profile, priors, self.facility(person, profile), supervision_end, opened)
        case.legacy = release < self.window_start if legacy is None else legacy

        assess_day = intake_day + int(rng.expovariate(1 / 4.0))
        assessed = max(work_time(rng, assess_day), opened + 1_800)
        active_day = min(assess_day + 5 + int(rng.expovariate(1 / 9.0)), supervision_end - 20)
        activated = max(work_time(rng, active_day), assessed + 3_600)
        finished = assessed + int((activated - assessed) * rng.uniform(0.6, 0.95))

        suspension = None
        if rng.random() < P_SUSPENSION:
            start_day = active_day + randint(rng, 30, 400)
            end_day = min(start_day + 14 + int(rng.expovariate(1 / 90.0)), supervision_end - 10)
            if end_day > start_day + 7:
                suspension = (work_time(rng, start_day), work_time(rng, end_day))
        case.suspension = suspension

        # What would end the case without a new offence: a closure, the end of supervision.
        endings: list[tuple[int, str, str]] = []
        if may_close and rng.random() < P_CLOSED:
            reason = self.closure_reasons.pick(rng)
            if reason == ClosureReason.DATA_ERROR:
                day = release + randint(rng, 2, 30)
            else:
                day = release + randint(rng, 30, max(31, supervision_end - release))
            endings.append((max(work_time(rng, day), opened + 3_600), "close", reason))
        early = rng.random() < P_EARLY_COMPLETION and supervision_end - active_day > 150
        if early:
            completed = work_time(rng, supervision_end - randint(rng, 30, 120))
            if suspension and suspension[0] <= completed <= suspension[1] + DAY:
                early, completed = False, work_time(rng, supervision_end + randint(rng, 0, 7))
        else:
            completed = work_time(rng, supervision_end + randint(rng, 0, 7))
        endings.append((max(completed, activated + DAY), "complete_early" if early else "complete", ""))

        # Its life until then: needs, plan, hand-offs, appointments; then the new offence they influence.
        case.needs = self.needs(case)
        if case.legacy:  # before the plan module: no domain asked for a stage, so the plan has none ("no needs")
            case.needs = [(domain, level, False, note) for domain, level, _stage, note in case.needs]
        limit = min(min(endings)[0], now)
        if not case.legacy:
            self._live(
                case, person, assessed=assessed, finished=finished, activated=activated, end=min(endings)[0], script=script
            )
        if reoffence_day is True:
            delay = self.hazard.draw(rng, self._segments(case, person, limit))
            reoffence_day = None if delay is None else release + delay
        if reoffence_day is not None and reoffence_day is not False:
            recorded = max(work_time(rng, reoffence_day + randint(rng, 3, 45)), opened + 3_600)
            if recorded <= now:
                case.reoffence_day = int(reoffence_day)
                case.reoffence_recorded = recorded
                case.reoffence_source = ReoffenceSource.POLICE if rng.random() < 0.6 else ReoffenceSource.COURT

        # What ends the case: the first of a new offence recorded while it is open (reoffence_record moves an open
        # case to reoffended, whenever the offence was), a closure, the end of supervision. An offence recorded
        # after the case ended leaves it as it was.
        if case.reoffence_day is not None and case.reoffence_recorded:
            endings.append((case.reoffence_recorded, "reoffend", ""))
        ending = min(endings)
        end = ending[0] if ending[0] <= now else now
        case.end = end

        state = CaseState.INTAKE
        events = case.events
        if assessed < end:
            events.append(
                Event(
                    assessed,
                    "start_assessment",
                    state,
                    CaseState.ASSESSMENT,
                    False,
                    choice(rng, TRANSITION_REASONS["start_assessment"]),
                )
            )
            state = CaseState.ASSESSMENT
            case.assessment_started = assessed
            if finished < end:
                case.assessment_finished = finished
            if activated < end:
                events.append(
                    Event(activated, "activate", state, CaseState.ACTIVE, False, choice(rng, TRANSITION_REASONS["activate"]))
                )
                state = CaseState.ACTIVE
                case.activated = activated
                if suspension and suspension[0] < end:
                    events.append(
                        Event(
                            suspension[0],
                            "suspend",
                            state,
                            CaseState.SUSPENDED,
                            False,
                            choice(rng, TRANSITION_REASONS["suspend"]),
                        )
                    )
                    state = CaseState.SUSPENDED
                    if suspension[1] < end:
                        events.append(
                            Event(
                                suspension[1], "resume", state, CaseState.ACTIVE, False, choice(rng, TRANSITION_REASONS["resume"])
                            )
                        )
                        state = CaseState.ACTIVE
                else:
                    case.suspension = None
            else:
                case.suspension = None
        else:
            case.suspension = None
        if ending[0] <= now:
            kind = ending[1]
            if kind == "reoffend":
                events.append(
                    Event(ending[0], "reoffend", state, CaseState.REOFFENDED, False, choice(rng, TRANSITION_REASONS["reoffend"]))
                )
                state = CaseState.REOFFENDED
            elif kind == "close":
                case.closure_reason = ending[2]
                events.append(Event(ending[0], "close", state, CaseState.CLOSED, True, CLOSURE_NOTES[ending[2]]))
                state = CaseState.CLOSED
                case.reoffence_day = case.reoffence_recorded = None  # nobody follows a closed case up
            elif state == CaseState.ACTIVE:
                events.append(
                    Event(
                        ending[0],
                        "complete",
                        state,
                        CaseState.COMPLETED,
                        kind == "complete_early",
                        choice(rng, TRANSITION_REASONS[kind]),
                    )
                )
                state = CaseState.COMPLETED
        case.state = state
        ended = not case.is_open
        if ended:
            case.ended_by_supervisor = events[-1].by_supervisor
            case.end_reason = events[-1].description
        if self._settle(case, end, ended) and events[-1].transition == "complete":
            events[-1].by_supervisor = case.ended_by_supervisor = True  # completing with open hand-offs: the supervisor
        return case

    def _settle(self, case: CaseSim, end: int, ended: bool) -> bool:
        """Keep what happened before ``end`` (and before a new offence); an ended case withdraws
        its open hand-offs, as the services do. Returns whether it withdrew any."""
        offence = case.reoffence_day
        appointments = case.appointments
        if appointments:
            # Sorted by time: cut the tail at the end (or the offence), keeping a scheduled one of an open case.
            cut = end if offence is None else min(end, offence * DAY)
            if appointments[-1][0] >= cut:
                keep = not ended and case.is_open and offence is None
                case.appointments = [a for a in appointments if a[0] < cut or (keep and a[2] == APPT_SCHEDULED)]
        withdrew = False
        stages = []
        for stage in case.stages:
            if stage.created >= end or case.assessment_finished is None:
                continue
            handoffs = []
            for handoff in stage.handoffs:
                steps = handoff.steps
                if steps[0][0] >= end:
                    break
                if steps[-1][0] >= end:
                    handoff.steps = [step for step in steps if step[0] < end]
                if ended and handoff.state in (STEP_SENT, STEP_ACCEPTED):
                    handoff.steps.append((end, STEP_WITHDRAWN, BY_CASE_END, case.end_reason))
                    withdrew = True
                handoffs.append(handoff)
            stage.handoffs = handoffs
            stages.append(stage)
        case.stages = stages
        return withdrew

    def _live(
        self, case: CaseSim, person: PersonSim, *, assessed: int, finished: int, activated: int, end: int, script: Any
    ) -> None:
        """Appointments, and the plan with its hand-offs, until ``end`` (or now), before any new offence."""
        case.appointments = self._appointments(case, person, activated=activated, end=end)
        limit = min(end, self.now)
        if finished >= limit:
            return
        rng = self.rng
        if script is not None:  # the demo case needs a job
            case.needs = [
                (NeedDomain.WORK, NeedLevel.URGENT, True, NEEDS[NeedDomain.WORK][2]) if need[0] == NeedDomain.WORK else need
                for need in case.needs
            ]
        domains = {STAGE_OF_NEED[domain] for domain, _level, stage, _note in case.needs if stage}
        if rng.random() < P_BEHAVIOUR_STAGE[case.profile.offence]:
            domains.add(StageDomain.BEHAVIOUR)
        offers = self.catalogue.get(person.province, {})
        for domain in STAGE_ORDER:
            if domain not in domains:
                continue
            stage = StageSim(domain, finished)
            case.stages.append(stage)
            if script is not None and domain == StageDomain.EMPLOYMENT:
                case_scripted = self._scripted_handoff(case, stage, offers, script)
                if not case_scripted:
                    case.stages = []  # case_in_state tries another case
                    return
                continue
            self._handoffs(case, stage, offers, limit)

    def _sendable(self, case: CaseSim, ts: int) -> int:
        """The first moment from ``ts`` at which a hand-off can be sent (not during a suspension)."""
        if case.suspension and case.suspension[0] <= ts < case.suspension[1]:
            return work_time(self.rng, workday(case.suspension[1] // DAY + randint(self.rng, 1, 10)))
        return ts

    def _handoffs(self, case: CaseSim, stage: StageSim, offers: dict[str, tuple[int, int, int]], limit: int) -> None:
        rng = self.rng
        if rng.random() >= P_HANDOFF[stage.domain] or not offers:
            return
        day = stage.created // DAY + 1 + int(rng.expovariate(1 / 7.0))
        for _attempt in range(3):
            ts = max(self._sendable(case, work_time(rng, workday(day))), stage.created + 600)
            if ts >= limit:
                return
            service = self.service_choice[stage.domain].pick(rng)
            offer = offers.get(service)
            if offer is None:
                offer = next((offers[s] for s in SERVICES_FOR_STAGE[stage.domain] if s in offers), None)
                if offer is None:
                    return
            office_id, respond_days, complete_days = offer
            day = ts // DAY
            handoff = HandoffSim(service, office_id, self.deadline(day, respond_days), self.deadline(day, complete_days))
            steps = handoff.steps
            steps.append((ts, STEP_SENT, BY_OFFICER, ""))
            stage.handoffs.append(handoff)
            if rng.random() < P_LATE_ANSWER:
                answer_day = handoff.respond_by + randint(rng, 1, 10)
            else:
                answer_day = day + randint(rng, 0, max(0, handoff.respond_by - day))
            answered = max(work_time(rng, workday(answer_day)), ts + 900)
            roll = rng.random()
            if roll < P_WITHDRAW_SENT:
                steps.append((answered, STEP_WITHDRAWN, BY_OFFICER, choice(rng, WITHDRAW_REASONS)))
            elif roll < P_WITHDRAW_SENT + P_DECLINE.get(service, P_DECLINE_OTHER):
                reason = choice(rng, DECLINE_REASONS.get(service) or DECLINE_REASONS_OTHER)
                steps.append((answered, STEP_DECLINED, BY_STAFF, reason))
            else:
                steps.append((answered, STEP_ACCEPTED, BY_STAFF, ""))
                answer_day = answered // DAY
                if rng.random() < P_LATE_COMPLETION:
                    done_day = handoff.complete_by + randint(rng, 1, 30)
                else:
                    done_day = answer_day + randint(rng, 1, max(1, handoff.complete_by - answer_day))
                done = max(work_time(rng, workday(done_day)), answered + 3_600)
                if rng.random() < P_PROGRESS_NOTE:
                    middle = min(max(work_time(rng, (answer_day + done_day) // 2), answered + 600), done - 600)
                    steps.append((middle, STEP_PROGRESS, BY_STAFF, PROGRESS_NOTES.get(service, PROGRESS_NOTE_OTHER)))
                if rng.random() < P_WITHDRAW_ACCEPTED:
                    steps.append((done, STEP_WITHDRAWN, BY_OFFICER, choice(rng, WITHDRAW_REASONS)))
                else:
                    steps.append((done, STEP_COMPLETED, BY_STAFF, self.outcomes[service].pick(rng)))
                    return
            if rng.random() >= P_SEND_AGAIN:
                return
            day = steps[-1][0] // DAY + randint(rng, 2, 21)

    def _scripted_handoff(
        self, case: CaseSim, stage: StageSim, offers: dict[str, tuple[int, int, int]], script: tuple[str, int, str]
    ) -> bool:
        """The demo officer's employment hand-off to the job placement office, in the state the
        demo needs: (final state, sent so many days ago, outcome). False when the case cannot have it."""
        rng, now = self.rng, self.now
        state, days_ago, outcome = script
        offer = offers.get("job_placement")
        if offer is None:
            return False
        day = self.today - days_ago
        day -= (0, 0, 0, 0, 0, 1, 2)[(day + 6) % 7]  # the Friday before a weekend
        sent = min(work_time(rng, day), now - 1_800)
        suspension = case.suspension
        if sent <= stage.created or sent >= now or (suspension and suspension[0] <= sent <= suspension[1] + 30 * DAY):
            return False
        office_id, respond_days, complete_days = offer
        handoff = HandoffSim("job_placement", office_id, self.deadline(day, respond_days), self.deadline(day, complete_days))
        handoff.steps.append((sent, STEP_SENT, BY_OFFICER, ""))
        if state != STEP_SENT:
            answered = min(max(work_time(rng, workday(day + randint(rng, 1, 2))), sent + 900), now - 3_600)
            if state == STEP_DECLINED:
                handoff.steps.append((answered, STEP_DECLINED, BY_STAFF, DECLINE_REASONS["job_placement"][0]))
            else:
                handoff.steps.append((answered, STEP_ACCEPTED, BY_STAFF, ""))
                if state == STEP_COMPLETED:
                    done = max(now - randint(rng, 1, 5) * DAY, answered + 3_600)
                    handoff.steps.append((done, STEP_COMPLETED, BY_STAFF, outcome))
        stage.handoffs.append(handoff)
        case.scripted = True
        return True

    def _appointments(self, case: CaseSim, person: PersonSim, *, activated: int, end: int) -> list[tuple[int, str, str, str]]:
        """Report-ins from intake and home visits from activation until ``end``: attended, missed,
        cancelled; the next one after now is scheduled. During a suspension the first one is missed
        and no more are booked."""
        rng, now = self.rng, self.now
        random = rng.random
        age = (case.release - person.birth) / 365.25
        logit = (
            -2.9
            + (0.5 if age < 25 else 0.0)
            + (0.3 if case.profile.offence == DRUGS else 0.0)
            + 0.15 * min(case.priors, 3)
            + rng.gauss(0.0, 0.8)
        )
        p_miss = 1.0 / (1.0 + math.exp(-logit))
        p_cancel = p_miss + P_CANCELLED
        away_from, away_until = case.suspension or (0, 0)
        shift = _WEEKEND_SHIFT
        out: list[tuple[int, str, str, str]] = []
        append = out.append
        for kind in (REPORT_IN, HOME_VISIT):
            if kind == REPORT_IN:
                day = case.opened // DAY + 14 + int(random() * 22)
                early_until = case.opened // DAY + 90
            else:
                if activated >= end:
                    break
                day = activated // DAY + 20 + int(random() * 41)
            missed_while_away = False
            while True:
                day += shift[(day + 6) % 7]  # a weekend day moves to Monday
                ts = day * DAY + 5_400 + int(random() * 28_801)  # work_time
                if ts >= end:
                    break
                if ts > now:
                    if kind == REPORT_IN or day <= self.today + 14:
                        append((ts, kind, APPT_SCHEDULED, ""))
                    break
                if away_from <= ts < away_until:
                    if not missed_while_away:
                        append((ts, kind, APPT_MISSED, MISSED_NOTES[0]))
                        missed_while_away = True
                else:
                    roll = random()
                    if roll < p_miss:
                        append((ts, kind, APPT_MISSED, MISSED_NOTES[int(random() * len(MISSED_NOTES))]))
                    elif roll < p_cancel:
                        append((ts, kind, APPT_CANCELLED, CANCELLED_NOTES[int(random() * len(CANCELLED_NOTES))]))
                    else:
                        append((ts, kind, APPT_ATTENDED, ""))
                if kind == REPORT_IN:
                    day += (REPORT_IN_EARLY_DAYS if day < early_until else REPORT_IN_LATER_DAYS) - 3 + int(random() * 7)
                else:
                    day += HOME_VISIT_DAYS - 30 + int(random() * 61)
        out.sort()
        return out

    def case_in_state(
        self, person: PersonSim, state: str, days_ago: tuple[int, int], script: tuple[str, int, str] | None = None
    ) -> CaseSim:
        """A case that is in ``state`` now (for the demo officer's caseload); tries until it is."""
        case = None
        for _ in range(2_000):
            release = self.today - randint(self.rng, *days_ago)
            age = self.age_at_release()
            person.birth = release - int(age * 365.25)
            case = self.case(person, release=release, profile=self.profile(), priors=self.priors.pick(self.rng), script=script)
            if case.state == state and (script is None or case.scripted):
                break
        assert case is not None
        return case

    # one person's history ---------------------------------------------------------------------

    def history(self, person: PersonSim) -> None:
        """The person's cases, oldest first: perhaps an earlier episode before the window, then
        the first release in the window and any release after a new offence."""
        rng = self.rng
        release = self.today - randint(rng, 0, WINDOW_DAYS)
        age = self.age_at_release()
        person.birth = release - int(age * 365.25) - randint(rng, 0, 364)
        profile = self.profile()
        priors = self.priors.pick(rng)
        cases = person.cases
        if rng.random() < P_EARLIER_EPISODE:
            offence_day = release - self.custody_days(profile)
            delay = curve_inverse(rng.random() * REOFFENCE_CURVE[-2][1])
            earlier = offence_day - delay
            if earlier > self.window_start:
                earlier = self.window_start - randint(rng, 30, 700)
            if (earlier - person.birth) / 365.25 >= 18 and offence_day - earlier > 30:
                first = self.case(
                    person, release=earlier, profile=self.profile(), priors=priors, reoffence_day=offence_day, may_close=False
                )
                # case_intake opens no case while another is open: the new release comes after the earlier case
                # ended (its offence recorded late, the custody short), or the earlier episode is not kept.
                if not first.is_open and self.after(first) <= self.today:
                    release = max(release, self.after(first))
                    first.reoffence_category = profile.offence
                    cases.append(first)
                    priors += 1
        case = self.case(person, release=release, profile=profile, priors=priors)
        cases.append(case)
        for _ in range(3):
            if case.reoffence_day is None or case.state not in (CaseState.REOFFENDED, CaseState.COMPLETED):
                break
            following = self.profile()
            case.reoffence_category = following.offence
            release = max(case.reoffence_day + self.custody_days(following), self.after(case))
            if release > self.today:
                break
            priors += 1
            case = self.case(person, release=release, profile=following, priors=priors)
            cases.append(case)
        if case.reoffence_day is not None and not case.reoffence_category:
            case.reoffence_category = self.profile().offence

    @staticmethod
    def after(case: CaseSim) -> int:
        """The first day a new release of the person can be on: the day after this (ended) case ended."""
        return case.end // DAY + 1

    # what the officer writes ------------------------------------------------------------------

    def needs(self, case: CaseSim) -> list[tuple[str, str, bool, str]]:
        random = self.rng.random
        drugs = case.profile.offence == DRUGS
        rows: list[tuple[str, str, bool, str]] = []
        for domain, _shares, some, urgent, levels in self._need_draws:
            level = (self.drug_health if drugs and domain == HEALTH_NEED else levels).pick(self.rng)
            if level == NO_NEED:
                rows.append((domain, level, False, ""))
            elif level == URGENT_NEED:
                rows.append((domain, level, True, urgent))
            else:
                rows.append((domain, level, random() < 0.6, some))
        return rows

    @staticmethod
    def assessment_summary(needs: Sequence[tuple[str, str, bool, str]]) -> str:
        urgent = [DOMAIN_LABELS_TH[d] for d, level, _s, _n in needs if level == NeedLevel.URGENT]
        some = [DOMAIN_LABELS_TH[d] for d, level, _s, _n in needs if level == NeedLevel.SOME]
        parts = []
        if urgent:
            parts.append("ต้องการความช่วยเหลือเร่งด่วนด้าน" + " ".join(urgent))
        if some:
            parts.append("ต้องติดตามด้าน" + " ".join(some))
        return " ; ".join(parts) or "ไม่พบความต้องการที่ต้องส่งต่อ"

    def notes(self, case: CaseSim, *, full: bool) -> list[tuple[int, str, str]]:
        """(ts, kind, text) of the contacts on a case. Full: its whole life, about one every six
        weeks, at most eight; otherwise two or three recent ones for an open case."""
        rng = self.rng
        opened, end = case.opened, case.end
        latest = max(opened, end - 60)
        first_report = (min(opened + randint(rng, 0, 3_600), latest), ContactKind.OFFICE_VISIT, choice(rng, FIRST_REPORT_NOTES))
        notes: list[tuple[int, str, str]] = []
        if not full:
            if not case.is_open:
                return notes
            if case.state == CaseState.INTAKE:
                return [first_report] if rng.random() < 0.5 else notes
            count = randint(rng, 2, 3)
            start = max(opened, end - 120 * DAY)
        else:
            if case.state != CaseState.INTAKE or rng.random() < 0.5:
                notes.append(first_report)
            start = opened
            count = min(7, (end - start) // (45 * DAY))
            if count:
                count = randint(rng, max(1, count - 1), count)
        for _ in range(count):
            day = randint(rng, start + 3_600, max(start + 3_601, end - 600)) // DAY
            ts = min(max(work_time(rng, day), start + 3_600), latest)
            if case.suspension and case.suspension[0] <= ts < case.suspension[1]:
                kind, text = choice(rng, SUSPENDED_NOTES)
            else:
                kind = self.note_kinds.pick(rng)
                text = choice(rng, NOTES[kind])
            notes.append((ts, kind, text))
        return notes


# --- writing ---------------------------------------------------------------------------------


class Table:
    """Rows of one table, written with COPY on PostgreSQL and multi-row INSERTs elsewhere.

    A row gives ``columns`` in order. A column the model does not have (yet) is dropped, and a
    field of the model that is not among the columns gets its default, so the seed keeps
    working while the models grow.
    """

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        self.model = model
        self.keep = [i for i, c in enumerate(columns) if c in by_attname]
        self.project = len(self.keep) != len(columns)
        self.fields = [by_attname[columns[i]] for i in self.keep]
        self.defaults: list[Any] = []
        for f in model._meta.concrete_fields:
            if f.attname in columns:
                continue
            if f.has_default():
                value = f.get_default()
            elif f.null:
                value = None
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = timezone.now()
            else:
                raise RuntimeError(f"{model._meta.label}.{f.name} is required and the demo seed does not fill it.")
            self.fields.append(f)
            self.defaults.append(f.get_db_prep_save(value, connection))
        self.defaults_tuple = tuple(self.defaults)
        self.table = model._meta.db_table
        self.columns = [f.column or f.attname for f in self.fields]
        self.rows: list[tuple[Any, ...]] = []
        self.add = self.rows.append  # the hot loops call this millions of times
        self.written = 0

    def _complete(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        if self.project:
            row = tuple(row[i] for i in self.keep)
        return row + self.defaults_tuple if self.defaults_tuple else row

    def flush(self) -> None:
        self.write(self.take())

    def take(self) -> list[tuple[Any, ...]]:
        """The rows added since the last take, counted as written."""
        rows, self.rows = self.rows, []
        self.add = self.rows.append
        self.written += len(rows)
        return rows

    def write_text(self, chunks: list[bytes], raw: Any = None) -> None:
        """COPY text of rows already formatted in ``columns`` order (PostgreSQL)."""
        chunks = [chunk for chunk in chunks if chunk]
        if not chunks:
            return
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        with (raw or connection.connection).cursor() as cursor:
            with cursor.copy(f"COPY {quote(self.table)} ({columns}) FROM STDIN") as copy:
                for chunk in chunks:
                    copy.write(chunk)

    def write(self, rows: list[tuple[Any, ...]], raw: Any = None) -> None:
        """Write ``rows``; ``raw``: a psycopg connection to COPY on (from another thread), else Django's."""
        if not rows:
            return
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        complete = self._complete
        if connection.vendor == "postgresql":
            if raw is None:
                connection.ensure_connection()
                raw = connection.connection
            with raw.cursor() as cursor, cursor.copy(f"COPY {quote(self.table)} ({columns}) FROM STDIN") as copy:
                write_row = copy.write_row
                if self.project or self.defaults_tuple:
                    for row in rows:
                        write_row(complete(row))
                else:
                    for row in rows:
                        write_row(row)
            return
        # Elsewhere (SQLite): executemany on the driver's cursor, past Django's query logging (DEBUG),
        # with the values Django would store: dates and naive UTC datetimes as text.
        adapt = [(i, a) for i, f in enumerate(self.fields) if (a := self._adapter(f)) is not None]
        completed = []
        for row in rows:
            values = list(complete(row))
            for i, a in adapt:
                if values[i] is not None:
                    values[i] = a(values[i])
            completed.append(values)
        placeholders = ", ".join(["%s"] * len(self.columns))
        sql = f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({placeholders})"  # noqa: S608 - quoted names
        connection.ensure_connection()
        if connection.vendor == "sqlite":
            cursor = connection.connection.cursor()
            try:
                cursor.executemany(sql.replace("%s", "?"), completed)
            finally:
                cursor.close()
        else:
            with connection.cursor() as django_cursor:
                django_cursor.executemany(sql, completed)

    @staticmethod
    def _adapter(f: models.Field) -> Callable[[Any], Any] | None:
        if isinstance(f, models.DateTimeField):
            if connection.vendor == "sqlite" and settings.USE_TZ:
                return _sqlite_datetime
            return connection.ops.adapt_datetimefield_value
        if isinstance(f, models.DateField):
            return connection.ops.adapt_datefield_value
        return None


def _sqlite_datetime(value: datetime) -> str:
    """What Django's SQLite backend stores for an aware datetime: naive UTC, as text."""
    if value.tzinfo is UTC:  # as_datetime's: the text without its "+00:00", a third of the time
        return value.isoformat(" ")[:-6]
    return str(value.astimezone(UTC).replace(tzinfo=None))


class Writer:
    """Writes each chunk's rows, in the background during a bulk load.

    In a bulk load (one transaction on PostgreSQL) the COPY of a chunk runs on a thread, on the
    same connection, while the next chunk is simulated: the server's work overlaps the
    simulation's. Whatever touches the database first waits for it (``wait``).
    """

    def __init__(self, tables: Iterable[Table], *, background: bool) -> None:
        self.tables = list(tables)
        self.background = background
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def write(self, texts: Sequence[tuple[Table, list[bytes]]] = ()) -> None:
        """Write the rows the tables took since the last call, and ``texts``: (table, COPY text of its rows)."""
        jobs = [(table, table.take()) for table in self.tables]
        if not self.background:
            for table, rows in jobs:
                table.write(rows)
            for table, chunks in texts:
                table.write_text(chunks)
            return
        self.wait()
        raw = connection.connection

        def run() -> None:
            try:
                for table, rows in jobs:
                    table.write(rows, raw)
                for table, chunks in texts:
                    table.write_text(chunks, raw)
            except BaseException as exc:  # handed to the main thread by wait()
                self.error = exc

        self.thread = threading.Thread(target=run, name="seed-copy", daemon=True)
        self.thread.start()

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()
            self.thread = None
        if self.error is not None:
            error, self.error = self.error, None
            raise error


class Ids:
    """Primary keys handed out before the rows are written, so rows can point at each other.

    On PostgreSQL a block is taken from the table's sequence; elsewhere they follow MAX(id).
    """

    def __init__(self, model: type[models.Model]) -> None:
        self.table = model._meta.db_table
        self.next = 0
        if connection.vendor != "postgresql":
            self.next = (model._default_manager.aggregate(m=models.Max("pk"))["m"] or 0) + 1

    def take(self, count: int) -> int:
        """The first of ``count`` consecutive new ids."""
        if count <= 0:
            return 0
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
                    [self.table, self.table, count],
                )
                last = cursor.fetchone()[0]
            return int(last) - count + 1
        first = self.next
        self.next += count
        return first


# --- the seed --------------------------------------------------------------------------------


@dataclass
class SeedResult:
    people: int = 0
    cases: int = 0
    open_cases: int = 0
    officers_created: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    states: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    seed: int = 0


class Officers:
    """Hands each case to an officer of its office: forty open cases each, new officers as needed."""

    def __init__(self, *, password_hash: str, rng: Random) -> None:
        self.password_hash = password_hash
        self.rng = rng
        self.open_count: dict[int, int] = {}
        self.slots: dict[int, list[int | None]] = {}
        self.pending: list[tuple[int, int, User]] = []
        self.created = 0
        # A second run first fills up the officers the first one made (officer2, officer3, ...).
        existing = (
            User.objects.filter(role=Role.OFFICER, username__regex=r"^officer[0-9]+$", office__isnull=False)
            .annotate(open_cases=Count("caseload", filter=Q(caseload__state__in=OPEN_STATES)))
            .order_by("office_id", "pk")
            .values_list("office_id", "pk", "open_cases", "username")
        )
        numbers = [1]
        self.usernames: dict[int, str] = {}
        for office, pk, open_cases, username in existing:
            self.usernames[pk] = username
            slots = self.slots.setdefault(office, [])
            slots.append(pk)
            self.open_count[office] = OPEN_CASES_PER_OFFICER * (len(slots) - 1) + min(open_cases, OPEN_CASES_PER_OFFICER)
            numbers.append(int(username[7:]))
        self.next_number = max(numbers) + 1

    def assign(self, case: CaseSim) -> None:
        office = case.office_id
        slots = self.slots.setdefault(office, [])
        count = self.open_count.get(office, 0)
        slot = count // OPEN_CASES_PER_OFFICER
        if case.is_open:
            self.open_count[office] = count + 1
        while len(slots) <= slot:
            first, last = choice(self.rng, MALE_FIRST_NAMES + FEMALE_FIRST_NAMES)[0], choice(self.rng, SURNAMES)[0]
            user = User(
                username=f"officer{self.next_number}",
                first_name=first,
                last_name=last,
                role=Role.OFFICER,
                office_id=office,
                password=self.password_hash,
            )
            self.next_number += 1
            self.pending.append((office, len(slots), user))
            slots.append(None)
        case.officer_id = slot  # a slot number until save_pending() swaps in the user id

    def save_pending(self, cases: Iterable[CaseSim]) -> None:
        if self.pending:
            User.objects.bulk_create([user for _o, _s, user in self.pending])
            if any(user.pk is None for _o, _s, user in self.pending):  # a database that cannot return ids
                ids = dict(
                    User.objects.filter(username__in=[u.username for _o, _s, u in self.pending]).values_list("username", "pk")
                )
                for _o, _s, user in self.pending:
                    user.pk = ids[user.username]
            for office, slot, user in self.pending:
                self.slots[office][slot] = user.pk
                self.usernames[user.pk] = user.username
            self.created += len(self.pending)
            self.pending = []
        for case in cases:
            case.officer_id = self.slots[case.office_id][case.officer_id]  # type: ignore[index]


def ensure_demo_users(password_hash: str) -> dict[str, User]:
    """The named demo users, created when missing (an existing one is left as it is)."""
    bangkok = Office.objects.get(code="probation-10")
    agency_office, _ = Office.objects.get_or_create(
        code=AGENCY_OFFICE["code"], defaults={k: v for k, v in AGENCY_OFFICE.items() if k != "code"}
    )
    users = {}
    for username, role, office, (first, last) in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                role=role,
                first_name=first,
                last_name=last,
                password=password_hash,
                office=bangkok if office == "probation" else agency_office if office == "agency" else None,
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
                is_office_head=role == Role.AGENCY_STAFF,
            )
            user.save()
        users[username] = user
    return users


def ensure_partner_staff(password_hash: str, rng: Random, office_ids: Iterable[int], agency: User) -> dict[int, int]:
    """A member of staff, head of the office, for every office that receives hand-offs
    (``staff-<office code>``); the demo user ``agency`` is the Bangkok employment office's."""
    wanted = set(office_ids)
    staff: dict[int, int] = {}
    if agency.office_id in wanted and agency.role == Role.AGENCY_STAFF:
        staff[agency.office_id] = agency.pk
    existing = User.objects.filter(role=Role.AGENCY_STAFF, office_id__in=wanted, username__startswith="staff-", is_active=True)
    for office_id, pk in existing.order_by("pk").values_list("office_id", "pk"):
        staff.setdefault(office_id, pk)
    codes = dict(Office.objects.filter(pk__in=wanted - set(staff)).values_list("pk", "code"))
    new = []
    for office_id, code in sorted(codes.items()):
        first, last = choice(rng, MALE_FIRST_NAMES + FEMALE_FIRST_NAMES)[0], choice(rng, SURNAMES)[0]
        new.append(
            User(
                username=f"staff-{code}",
                role=Role.AGENCY_STAFF,
                office_id=office_id,
                is_office_head=True,
                first_name=first,
                last_name=last,
                password=password_hash,
            )
        )
    if new:
        User.objects.bulk_create(new, ignore_conflicts=True)
        for office_id, pk in (
            User.objects.filter(username__in=[u.username for u in new]).order_by("pk").values_list("office_id", "pk")
        ):
            staff.setdefault(office_id, pk)
    return staff


def ensure_supervisors(password_hash: str, rng: Random, offices: dict[str, int]) -> dict[int, int]:
    """A supervisor for every probation office: ``supervisor`` in Bangkok, ``supervisor2``... elsewhere."""
    existing = dict(
        User.objects.filter(role=Role.SUPERVISOR, office_id__in=offices.values(), is_active=True)
        .order_by("-pk")
        .values_list("office_id", "pk")
    )
    numbers = [int(n[10:]) for n in User.objects.filter(username__regex=r"^supervisor[0-9]+$").values_list("username", flat=True)]
    number = max([1, *numbers]) + 1
    new = []
    for _province, office in sorted(offices.items()):
        if office not in existing:
            first, last = choice(rng, MALE_FIRST_NAMES + FEMALE_FIRST_NAMES)[0], choice(rng, SURNAMES)[0]
            new.append(
                User(
                    username=f"supervisor{number}",
                    role=Role.SUPERVISOR,
                    office_id=office,
                    first_name=first,
                    last_name=last,
                    password=password_hash,
                )
            )
            number += 1
    if new:
        User.objects.bulk_create(new)
        existing = dict(
            User.objects.filter(role=Role.SUPERVISOR, office_id__in=offices.values(), is_active=True)
            .order_by("-pk")
            .values_list("office_id", "pk")
        )
    return existing


# The demo officer's active cases hand the employment stage to the Bangkok employment office in
# these states, so the demo user ``agency`` finds an inbox with something in every tab: (state,
# sent so many days ago, outcome). The other cases of Bangkok add more, as they come.
AGENCY_INBOX_SCRIPT = [
    (STEP_SENT, 0, ""),
    (STEP_SENT, 1, ""),
    (STEP_SENT, 2, ""),
    (STEP_SENT, 12, ""),  # not answered in time: overdue
    (STEP_ACCEPTED, 8, ""),
    (STEP_ACCEPTED, 20, ""),
    (STEP_ACCEPTED, 30, ""),
    (STEP_COMPLETED, 40, HandoffOutcome.PLACED),
    (STEP_COMPLETED, 60, HandoffOutcome.PLACED),
    (STEP_COMPLETED, 75, HandoffOutcome.NOT_ACHIEVED),
    (STEP_DECLINED, 25, ""),
]
# Of the demo officer's active cases, these many missed their latest appointment.
OFFICER_RECENTLY_MISSED = 3
# Stage, hand-off and appointment transition logs are kept for every case up to this many
# people, and for the demo officer's cases always; at scale the chained record has every step.
STEP_LOGS_UP_TO = 50_000


def seed(
    *,
    people: int,
    seed: int | None = None,
    history: bool = True,
    chunk_size: int = 10_000,
    log: Callable[[str], None] = lambda message: None,
) -> SeedResult:
    """Create ``people`` released people with their cases (about 1.5 each) and everything around them."""
    started = time.monotonic()
    seed = seed if seed is not None else secrets.randbelow(10**6)
    rng = Random(seed)
    result = SeedResult(seed=seed)
    now = timezone.now()

    password, _source = demo_password()
    password_hash = make_password(password)
    districts: dict[str, list[str]] = {}
    for code, province in District.objects.order_by("code").values_list("code", "province_id"):
        districts.setdefault(province, []).append(code)
    offices = dict(Office.objects.filter(unit_id=PROBATION_UNIT).values_list("province_id", "pk"))
    districts = {p: d for p, d in districts.items() if p in offices}
    if not districts or "10" not in offices:
        raise RuntimeError("The reference data is missing: run `manage.py migrate` first.")
    catalogue: dict[str, dict[str, tuple[int, int, int]]] = {}
    # Only state offices: the seed shares on the agreement's public task, and a hand-off to anyone else needs
    # a recorded consent (handoff_send), which the demo people have not given.
    for office_id, province, service, respond, complete in (
        ServiceOffer.objects.filter(active=True, office__unit__is_state=True)
        .order_by("office__province_id", "service", "office_id")
        .values_list("office_id", "office__province_id", "service", "respond_days", "complete_days")
    ):
        catalogue.setdefault(province, {}).setdefault(service, (office_id, respond, complete))
    province_names = dict(Province.objects.values_list("code", "name_th"))
    sim = Simulator(
        rng,
        now=now,
        districts=districts,
        province_names=province_names,
        catalogue=catalogue,
        holidays=PublicHoliday.objects.values_list("day", flat=True),
    )

    demo_users = ensure_demo_users(password_hash)
    officer = demo_users["officer"]
    supervisors = ensure_supervisors(password_hash, rng, offices)
    receivers = {offer[0] for offers in catalogue.values() for offer in offers.values()}
    staff = ensure_partner_staff(password_hash, rng, receivers, demo_users["agency"])
    usernames = dict(
        User.objects.filter(pk__in={*staff.values(), *supervisors.values(), officer.pk}).values_list("pk", "username")
    )

    tables = {
        "person": Table(Person, PERSON_COLUMNS),
        "case": Table(Case, CASE_COLUMNS),
        "reoffence": Table(Reoffence, REOFFENCE_COLUMNS),
        "assessment": Table(Assessment, ASSESSMENT_COLUMNS),
        "need": Table(AssessmentNeed, NEED_COLUMNS),
        "note": Table(ContactNote, NOTE_COLUMNS),
        "statelog": Table(StateLog, STATELOG_COLUMNS),
        "stage": Table(Stage, STAGE_COLUMNS),
        "handoff": Table(Handoff, HANDOFF_COLUMNS),
        "handoffnote": Table(HandoffNote, HANDOFF_NOTE_COLUMNS),
        "ledger": Table(TransactionEntry, LEDGER_COLUMNS),
        "appointment": Table(Appointment, APPOINTMENT_COLUMNS),
        "notification": Table(Notification, NOTIFICATION_COLUMNS),
    }
    officers = Officers(password_hash=password_hash, rng=rng)
    ctx = Context(
        sim=sim,
        tables=tables,
        ids={name: Ids(table.model) for name, table in tables.items()},
        officers=officers,
        officer=officer,
        offices=offices,
        supervisors=supervisors,
        case_type=ContentType.objects.get_for_model(Case).pk,
        stage_type=ContentType.objects.get_for_model(Stage).pk,
        handoff_type=ContentType.objects.get_for_model(Handoff).pk,
        appointment_type=ContentType.objects.get_for_model(Appointment).pk,
        history=history,
        check_ids=Person.objects.exists(),
        by_supervisor=supervisor_transitions(),
        staff=staff,
        usernames=usernames,
        agency=demo_users["agency"],
        step_logs=people <= STEP_LOGS_UP_TO,
        places={
            office: "สำนักงานคุมประพฤติกรุงเทพมหานคร" if code == "10" else f"สำนักงานคุมประพฤติจังหวัด{province_names[code]}"
            for code, office in offices.items()
        },
    )

    # The demo officer's own caseload comes first, if they have none yet.
    forced: list[PersonSim] = []
    if not Case.objects.filter(officer=officer).exists():
        scripts = list(AGENCY_INBOX_SCRIPT)
        missed = OFFICER_RECENTLY_MISSED
        for state, count, days_ago in OFFICER_CASELOAD:
            for _ in range(count):
                person = sim.person(province="10")
                person.demo_officer = True
                script = scripts.pop(0) if state == CaseState.ACTIVE and scripts else None
                case = sim.case_in_state(person, state, days_ago, script=script)
                if case.is_open:
                    _bring_forward(sim, case, missed=state == CaseState.ACTIVE and missed > 0)
                    missed -= state == CaseState.ACTIVE
                person.cases.append(case)
                forced.append(person)
        forced = forced[:people]

    # An empty PostgreSQL database is loaded in one transaction without its secondary indexes
    # and foreign keys, which are rebuilt at the end: several times faster than keeping them up
    # to date row by row. If anything fails, the rollback restores them with everything else.
    bulk = (
        connection.vendor == "postgresql"
        and people >= BULK_LOAD_FROM
        and not connection.in_atomic_block
        and not any(table.model._default_manager.exists() for table in tables.values())
    )
    writer = ctx.writer = Writer(tables.values(), background=bulk)
    chain = ctx.chain = Chain(tables["ledger"], background=bulk)
    if bulk and tables["ledger"].columns != LEDGER_COPY_COLUMNS:
        raise RuntimeError("The transaction record's columns changed: update LEDGER_COPY_COLUMNS.")
    with transaction.atomic() if bulk else contextlib.nullcontext():
        dropped = _drop_secondary_indexes([table.table for table in tables.values()]) if bulk else []
        done = 0
        try:
            while done < people:
                size = min(chunk_size, people - done)
                batch, forced = forced[:size], forced[size:]
                batch += [sim.person() for _ in range(size - len(batch))]
                for person in batch:
                    if not person.cases:
                        sim.history(person)
                writer.wait()  # the previous chunk is written: the database is ours again
                # Each chunk is its own transaction, except in a bulk load (one transaction for all).
                with contextlib.nullcontext() if bulk else transaction.atomic():
                    _write_chunk(batch, ctx, result)
                done += size
                log(f"  {done:,} / {people:,} people, {result.cases:,} cases ({time.monotonic() - started:,.0f} s)")
            writer.wait()
            writer.write([(tables["ledger"], chain.finish())])
            writer.wait()
        finally:
            if writer.thread is not None:
                writer.thread.join()
            chain.finish()
        if dropped:
            log(f"  rebuilding {len(dropped)} indexes and foreign keys ({time.monotonic() - started:,.0f} s)")
            took = []
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
                for statement in dropped:
                    begun = time.monotonic()
                    cursor.execute(statement)
                    took.append((time.monotonic() - begun, statement))
            slowest = ", ".join(f"{seconds:.0f} s {statement[:90]}" for seconds, statement in sorted(took, reverse=True)[:8])
            log(f"  slowest: {slowest}")

    result.rows = {table.model._meta.label: table.written for table in tables.values()}
    result.officers_created = ctx.officers.created
    if connection.vendor == "postgresql":  # fresh statistics, or the planner guesses on empty tables
        names = [*(table.table for table in tables.values()), User._meta.db_table]
        # VACUUM also sets the visibility map, so counts can be index-only scans; it cannot run in a transaction.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        log(f"  {command} ({time.monotonic() - started:,.0f} s)")
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f"{command} {connection.ops.quote_name(name)}")
    result.seconds = time.monotonic() - started
    return result


def _bring_forward(sim: Simulator, case: CaseSim, *, missed: bool) -> None:
    """The demo officer's open case: for some, the next report-in within ten days (so reminders and the
    calendar have something), and, for a few, the latest appointment missed (the caseload flag)."""
    rng = sim.rng
    appointments = case.appointments
    past = [i for i, a in enumerate(appointments) if a[2] != APPT_SCHEDULED]
    latest = appointments[past[-1]][0] if past else case.opened
    for i, (_ts, kind, state, note) in enumerate(appointments):
        if state == APPT_SCHEDULED and kind == REPORT_IN and rng.random() < 0.4:
            day = workday(sim.today + randint(rng, 1, 10))
            appointments[i] = (max(work_time(rng, day), latest + DAY), kind, state, note)
    if missed and past and appointments[past[-1]][0] >= sim.now - 45 * DAY:
        ts, kind, _state, _note = appointments[past[-1]]
        appointments[past[-1]] = (ts, kind, APPT_MISSED, MISSED_NOTES[0])
    appointments.sort()


BULK_LOAD_FROM = 50_000


def _drop_secondary_indexes(tables: list[str]) -> list[str]:
    """Drop the non-unique indexes and the foreign keys of ``tables``; return the statements that
    put them back (run them in the same transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary AND NOT i.indisunique
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
            FROM pg_constraint c
            WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
            """,
            [tables],
        )
        foreign_keys = cursor.fetchall()
        quote = connection.ops.quote_name
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in indexes] + [
        f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}" for table, name, definition in foreign_keys
    ]


PERSON_COLUMNS = [
    "id", "national_id", "first_name_th", "last_name_th", "first_name_en", "last_name_en", "date_of_birth", "sex",
    "nationality", "phone", "home_district_id", "created_at",
]  # fmt: skip
CASE_COLUMNS = [
    "id", "person_id", "office_id", "officer_id", "state", "release_type", "release_date", "facility", "offence_category",
    "sentence_months", "prior_convictions", "supervision_end_date", "closure_reason", "last_contact_at", "version",
    "created_at", "updated_at", "plan_no_needs", "plan_approved_at", "plan_approved_by_id",
]  # fmt: skip
REOFFENCE_COLUMNS = [
    "id", "person_id", "case_id", "offence_date", "source", "offence_category", "ended_case", "recorded_by_id", "recorded_at",
]  # fmt: skip
ASSESSMENT_COLUMNS = [
    "id",
    "case_id",
    "author_id",
    "assessed_on",
    "summary",
    "finished_at",
    "domains_in_need",
    "created_at",
    "updated_at",
]
NEED_COLUMNS = ["id", "assessment_id", "domain", "level", "needs_stage", "note"]
STAGE_COLUMNS = ["id", "case_id", "domain", "goal", "state", "created_by_id", "created_at", "updated_at"]
NOTE_COLUMNS = ["id", "case_id", "author_id", "kind", "contacted_at", "text", "created_at"]
STATELOG_COLUMNS = [
    "id",
    "timestamp",
    "by_id",
    "source_state",
    "state",
    "transition",
    "content_type_id",
    "object_id",
    "description",
]
HANDOFF_COLUMNS = [
    "id", "case_id", "stage_id", "from_office_id", "to_office_id", "service", "sender_id", "request", "shared",
    "legal_basis", "consent_id", "state", "respond_by", "complete_by", "sent_at", "answered_at", "closed_at",
    "answered_by_id", "decline_reason", "withdraw_reason", "outcome", "outcome_note", "idempotency_key", "created_at",
    "updated_at",
]  # fmt: skip
HANDOFF_NOTE_COLUMNS = ["id", "handoff_id", "author_id", "text", "created_at"]
LEDGER_COLUMNS = [
    "id", "subject_type", "subject_id", "step", "actor_id", "actor_username", "at", "payload", "prev_hash", "entry_hash",
    "signature",
]  # fmt: skip
APPOINTMENT_COLUMNS = [
    "id", "case_id", "office_id", "kind", "starts_at", "place", "state", "created_by_id", "reminder_sent_at", "note",
    "created_at",
]  # fmt: skip
NOTIFICATION_COLUMNS = ["id", "user_id", "kind", "params", "link", "created_at", "read_at"]


def supervisor_transitions() -> set[str]:
    """The case transitions only a supervisor may take (their log names the supervisor)."""
    state: Any = Case._meta.get_field("state")
    return {move.name for move in state.get_all_transitions(Case) if move.permission is may_supervise_case}


STAGE_GOALS = {
    "education": "สมัครเรียน กศน. ให้จบการศึกษาภาคบังคับ",
    "employment": "หางานที่มั่นคงผ่านสำนักงานจัดหางาน",
    "health": "เข้ารับการบำบัดยาเสพติดและติดตามผลอย่างต่อเนื่อง",
    "welfare": "ขอรับเงินสงเคราะห์และหาที่พักที่มั่นคง",
    "documents": "ทำบัตรประชาชนและย้ายชื่อเข้าทะเบียนบ้าน",
    "legal_aid": "ขอรับความช่วยเหลือด้านทนายความจากกองทุนยุติธรรม",
    "behaviour": "เข้าร่วมโปรแกรมปรับเปลี่ยนพฤติกรรม",
}
# The transition each ledger step records (hand-off source states are those the step can leave).
HANDOFF_LOG: dict[str, tuple[str, str | None]] = {
    STEP_SENT: ("send", HANDOFF_DRAFT),
    STEP_ACCEPTED: ("accept", STEP_SENT),
    STEP_DECLINED: ("decline", STEP_SENT),
    STEP_COMPLETED: ("complete", STEP_ACCEPTED),
    STEP_WITHDRAWN: ("withdraw", None),
}
NOTIFY_OFFICER: dict[str, str] = {
    STEP_ACCEPTED: HANDOFF_ACCEPTED,
    STEP_DECLINED: HANDOFF_DECLINED,
    STEP_PROGRESS: HANDOFF_PROGRESS,
    STEP_COMPLETED: HANDOFF_COMPLETED,
}
NOTIFY_DAYS = 60  # notifications of the demo users for the steps of the last two months


@functools.lru_cache(maxsize=256)
def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Context:
    """What every chunk needs: the simulator, the tables and ids, the users."""

    sim: Simulator
    tables: dict[str, Table]
    ids: dict[str, Ids]
    officers: Officers
    officer: User
    offices: dict[str, int]
    supervisors: dict[int, int]
    case_type: int
    stage_type: int
    handoff_type: int
    appointment_type: int
    history: bool
    check_ids: bool
    by_supervisor: set[str]
    staff: dict[int, int]  # receiving office -> the member of staff who answers
    usernames: dict[int, str]
    agency: User
    step_logs: bool
    places: dict[int, str]  # probation office -> where report-ins take place
    writer: Writer | None = None
    chain: Chain | None = None


def _write_chunk(batch: list[PersonSim], ctx: Context, result: SeedResult) -> None:
    sim, tables, ids, rng = ctx.sim, ctx.tables, ctx.ids, ctx.sim.rng

    # People: ids and national IDs.
    first_person = ids["person"].take(len(batch))
    for offset, person in enumerate(batch):
        person.id = first_person + offset
        digit = 1 if date.fromordinal(person.birth).year >= 1984 else 3
        if digit == 1 and rng.random() < 0.03:
            digit = 2  # birth registered late
        person.national_id = national_id(digit, person.district, person.id)
    if ctx.check_ids:  # someone typed in by hand might, very rarely, hold one of these numbers
        taken = set(Person.objects.filter(national_id__in=[p.national_id for p in batch]).values_list("national_id", flat=True))
        batch = [p for p in batch if p.national_id not in taken]

    # Cases: ids, offices, officers.
    cases = [case for person in batch for case in person.cases]
    first_case = ids["case"].take(len(cases))
    assigned = []
    for person in batch:
        office = ctx.offices[person.province]
        for case in person.cases:
            case.id = first_case
            first_case += 1
            case.office_id = office
            case.supervisor_id = ctx.supervisors.get(office)
            if person.demo_officer:
                case.officer_id = ctx.officer.pk
            else:
                ctx.officers.assign(case)
                assigned.append(case)
    ctx.officers.save_pending(assigned)

    # Histories: assessments and needs, notes, transition logs.
    full_cases = [c for c in cases if ctx.history or c.officer_id == ctx.officer.pk]
    next_assessment = ids["assessment"].take(sum(1 for c in full_cases if c.assessment_started is not None))
    need_rows: list[tuple[Any, ...]] = []
    note_rows: list[tuple[Any, ...]] = []
    log_rows: list[tuple[Any, ...]] = []
    plan: dict[int, tuple[bool, int | None, int | None]] = {}  # case id -> (no needs, approved at, approved by)
    for case in full_cases:
        by = case.officer_id
        if case.assessment_started is not None:
            needs = case.needs
            finished = case.assessment_finished
            tables["assessment"].add(
                (
                    next_assessment,
                    case.id,
                    by,
                    date.fromordinal(case.assessment_started // DAY),
                    sim.assessment_summary(needs) if finished else "",
                    as_datetime(finished) if finished else None,
                    domains_in_need((domain, level) for domain, level, *_rest in needs) if finished else "",
                    as_datetime(case.assessment_started),
                    as_datetime(finished or case.assessment_started),
                )
            )
            if not finished:  # a draft: every domain still at "no need"
                needs = [(domain, NeedLevel.NONE, False, "") for domain in NEEDS]
            need_rows.extend((next_assessment, *need) for need in needs)
            next_assessment += 1
            if finished:
                no_needs = not case.stages  # activation needs a stage or a recorded "no needs"
                approved_by = case.supervisor_id if "activate" in ctx.by_supervisor else by
                plan[case.id] = (no_needs, case.activated, approved_by if case.activated else None)
        for event in case.events:
            actor = case.supervisor_id if event.transition in ctx.by_supervisor or event.by_supervisor else by
            log_rows.append((event.ts, actor, event.source, event.target, event.transition, case.id, event.description))
    last_contact: dict[int, int] = {}
    for case in cases:
        notes = sim.notes(case, full=ctx.history or case.officer_id == ctx.officer.pk)
        note_rows.extend((case.id, case.officer_id, kind, ts, text) for ts, kind, text in notes)
        if notes:
            last_contact[case.id] = max(ts for ts, _kind, _text in notes)

    # The rows, in the order the foreign keys need them.
    for person in batch:
        tables["person"].add(
            (
                person.id,
                person.national_id,
                person.first_th,
                person.last_th,
                person.first_en,
                person.last_en,
                date.fromordinal(person.birth),
                person.sex,
                "TH",
                person.phone,
                person.district,
                as_datetime(person.cases[0].opened),
            )
        )
    for person in batch:
        for case in person.cases:
            changed = case.events[-1].ts if case.events else case.opened
            contact = last_contact.get(case.id)
            no_needs, approved_at, approved_by = plan.get(case.id, (False, None, None))
            tables["case"].add(
                (
                    case.id,
                    person.id,
                    case.office_id,
                    case.officer_id,
                    case.state,
                    case.profile.release_type,
                    date.fromordinal(case.release),
                    case.facility,
                    case.profile.offence,
                    case.profile.sentence_months,
                    case.priors,
                    date.fromordinal(case.supervision_end),
                    case.closure_reason,
                    as_datetime(contact) if contact else None,
                    1 + len(case.events),
                    as_datetime(case.opened),
                    as_datetime(max(changed, contact or 0)),
                    no_needs,
                    as_datetime(approved_at) if approved_at else None,
                    approved_by,
                )
            )
            result.states[case.state] = result.states.get(case.state, 0) + 1
            result.open_cases += case.is_open
    reoffences = [
        (person, case, case.reoffence_day, case.reoffence_recorded)
        for person in batch
        for case in person.cases
        if case.reoffence_day is not None and case.reoffence_recorded is not None
    ]
    next_id = ids["reoffence"].take(len(reoffences))
    for person, case, day, recorded in reoffences:
        category = case.reoffence_category or case.profile.offence
        ended_case = case.state == CaseState.REOFFENDED
        row = (
            next_id,
            person.id,
            case.id,
            date.fromordinal(day),
            case.reoffence_source,
            category,
            ended_case,
            case.officer_id,
            as_datetime(recorded),
        )
        tables["reoffence"].add(row)
        next_id += 1
    next_id = ids["need"].take(len(need_rows))
    add = tables["need"].add
    for row in need_rows:
        add((next_id, *row))
        next_id += 1
    next_id = ids["note"].take(len(note_rows))
    add = tables["note"].add
    for case_id, by, kind, ts, text in note_rows:
        moment = as_datetime(ts)
        add((next_id, case_id, by, kind, moment, text, moment))
        next_id += 1

    _write_plans([c for c in full_cases if c.assessment_finished is not None and not c.legacy], ctx, log_rows)
    _write_appointments(cases, ctx, log_rows)

    next_id = ids["statelog"].take(len(log_rows))
    add = tables["statelog"].add
    for ts, by, source, target, name, object_id, description, *kind in log_rows:
        content_type = kind[0] if kind else ctx.case_type
        add((next_id, as_datetime(ts), by, source, target, name, content_type, object_id, description))
        next_id += 1

    assert ctx.writer is not None and ctx.chain is not None
    ctx.writer.write([(tables["ledger"], ctx.chain.take())])
    result.people += len(batch)
    result.cases += len(cases)


def _write_plans(cases: list[CaseSim], ctx: Context, log_rows: list[tuple[Any, ...]]) -> None:
    """Stages, hand-offs, progress notes, the chained record of every step, the transition logs
    and the demo users' notifications of the cases' plans."""
    tables, ids, sim = ctx.tables, ctx.ids, ctx.sim
    stages = [stage for case in cases for stage in case.stages]
    handoffs = [handoff for stage in stages for handoff in stage.handoffs]
    next_stage = ids["stage"].take(len(stages))
    next_handoff = ids["handoff"].take(len(handoffs))
    notes = sum(1 for h in handoffs for step in h.steps if step[1] == STEP_PROGRESS)
    next_note = ids["handoffnote"].take(notes)
    entries: list[tuple[int, int, int, str, int, dict[str, Any]]] = []  # (ts, hand-off, order, step, actor, payload)
    notifications: list[tuple[int, str, dict[str, Any], int]] = []  # (user, kind, params, ts)
    notify_from = sim.now - NOTIFY_DAYS * DAY
    agency_office, agency = ctx.agency.office_id, ctx.agency.pk
    for case in cases:
        officer = case.officer_id
        assert officer is not None
        at_end = case.supervisor_id if case.ended_by_supervisor and case.supervisor_id else officer
        logs = ctx.step_logs or officer == ctx.officer.pk
        notify_officer = officer == ctx.officer.pk
        for stage in case.stages:
            stage.id = next_stage
            next_stage += 1
            updated = stage.created
            stage_state = StageState.PLANNED
            for handoff in stage.handoffs:
                handoff.id = number = next_handoff
                next_handoff += 1
                staff = ctx.staff.get(handoff.office_id, officer)
                request = HANDOFF_REQUESTS[handoff.service]
                sent = handoff.steps[0][0]
                answered = answered_by = closed = None
                decline_reason = withdraw_reason = outcome = outcome_note = ""
                state: str = HANDOFF_DRAFT
                for order, (ts, step, who, text) in enumerate(handoff.steps):
                    actor = officer if who == BY_OFFICER else staff if who == BY_STAFF else at_end
                    if step == STEP_SENT:
                        payload: dict[str, Any] = {
                            "case": case.id,
                            "from_office": case.office_id,
                            "to_office": handoff.office_id,
                            "service": handoff.service,
                            "shared": HANDOFF_SHARED,
                            "legal_basis": LegalBasis.PUBLIC_TASK.value,
                            "consent": None,
                            "respond_by": date.fromordinal(handoff.respond_by).isoformat(),
                            "complete_by": date.fromordinal(handoff.complete_by).isoformat(),
                            "request_sha256": _sha256(request),
                        }
                    elif step == STEP_ACCEPTED:
                        payload = {}
                        answered, answered_by = ts, actor
                    elif step == STEP_DECLINED:
                        payload = {"reason_sha256": _sha256(text)}
                        answered, answered_by, closed, decline_reason = ts, actor, ts, text
                    elif step == STEP_PROGRESS:
                        payload = {"note": next_note, "text_sha256": _sha256(text)}
                        moment = as_datetime(ts)
                        tables["handoffnote"].add((next_note, number, actor, text, moment))
                        next_note += 1
                    elif step == STEP_COMPLETED:
                        payload = {"outcome": text}
                        closed, outcome, outcome_note = ts, text, OUTCOME_NOTES.get(text, "")
                    else:
                        payload = {"reason_sha256": _sha256(text)}
                        closed, withdraw_reason = ts, text
                    entries.append((ts, number, order, step, actor, payload))
                    if step != STEP_PROGRESS:
                        transition, source = HANDOFF_LOG[step]
                        stage_before = stage_state
                        if step == STEP_SENT:
                            stage_state, stage_move = StageState.REFERRED, "refer"
                        elif step == STEP_ACCEPTED:
                            stage_state, stage_move = StageState.IN_PROGRESS, "start"
                        elif step == STEP_COMPLETED:
                            stage_state, stage_move = StageState.COMPLETED, "complete"
                        else:
                            stage_state, stage_move = StageState.PLANNED, "return_to_plan"
                        if logs:
                            description = "" if step in (STEP_SENT, STEP_ACCEPTED) else text
                            if step == STEP_COMPLETED:
                                description = outcome_note
                            log_rows.append((ts, actor, source or state, step, transition, number, description, ctx.handoff_type))
                            log_rows.append(
                                (ts, actor, stage_before, stage_state, stage_move, stage.id, f"HO-{number:08d}", ctx.stage_type)
                            )
                        state = step
                    updated = max(updated, ts)
                    if ts >= notify_from:
                        params = {"number": f"HO-{number:08d}"}
                        if handoff.office_id == agency_office:
                            if step == STEP_SENT:
                                notifications.append((agency, HANDOFF_NEW, params, ts))
                            elif step == STEP_WITHDRAWN:
                                notifications.append((agency, HANDOFF_WITHDRAWN, params, ts))
                        if notify_officer and step in NOTIFY_OFFICER:
                            if step == STEP_COMPLETED:
                                params = {**params, "outcome": text}
                            notifications.append((officer, NOTIFY_OFFICER[step], params, ts))
                tables["handoff"].add(
                    (
                        number,
                        case.id,
                        stage.id,
                        case.office_id,
                        handoff.office_id,
                        handoff.service,
                        officer,
                        request,
                        HANDOFF_SHARED_JSON,
                        LegalBasis.PUBLIC_TASK.value,
                        None,
                        state,
                        date.fromordinal(handoff.respond_by),
                        date.fromordinal(handoff.complete_by),
                        as_datetime(sent),
                        as_datetime(answered) if answered else None,
                        as_datetime(closed) if closed else None,
                        answered_by,
                        decline_reason,
                        withdraw_reason,
                        outcome,
                        outcome_note,
                        None,
                        as_datetime(sent),
                        as_datetime(handoff.steps[-1][0]),
                    )
                )
            assert stage_state == stage.state
            tables["stage"].add(
                (
                    stage.id,
                    case.id,
                    stage.domain,
                    STAGE_GOALS[stage.domain],
                    stage_state,
                    officer,
                    as_datetime(stage.created),
                    as_datetime(updated),
                )
            )
    _write_ledger(entries, ctx)
    next_id = ctx.ids["notification"].take(len(notifications))
    link_of = handoff_link_maker()
    for user, kind, params, ts in notifications:
        read = ts + DAY if ts + 3 * DAY < sim.now else None  # the last three days' are still unread
        link = link_of(int(params["number"][3:]))
        tables["notification"].add(
            (next_id, user, kind, json.dumps(params), link, as_datetime(ts), as_datetime(read) if read else None)
        )
        next_id += 1


HANDOFF_SHARED_JSON = json.dumps(HANDOFF_SHARED)
HANDOFF_SUBJECT = Handoff._meta.label_lower


def _write_ledger(entries: list[tuple[int, int, int, str, int, dict[str, Any]]], ctx: Context) -> None:
    """Chain the chunk's steps in the order they happened, after the record's last entry, with the
    hashing and signing of rehab.services.ledger (so verify_audit_chain checks them like any other)."""
    if not entries:
        return
    entries.sort(key=lambda entry: (entry[0], entry[1], entry[2]))
    usernames, officers = ctx.usernames, ctx.officers.usernames
    steps = [
        (ts, handoff_id, step, actor, usernames.get(actor) or officers[actor], payload)
        for ts, handoff_id, _order, step, actor, payload in entries
    ]
    assert ctx.chain is not None
    ctx.chain.push(steps, ctx.ids["ledger"])


LEDGER_COPY_COLUMNS = [
    "id",
    "subject_type",
    "subject_id",
    "step",
    "actor_id",
    "actor_username",
    "at",
    "payload",
    "prev_hash",
    "entry_hash",
    "signature",
]
Step = tuple[int, int, str, int, str, dict[str, Any]]  # (ts, hand-off, step, actor, actor's user name, payload)


def _chain(prev: str, first_id: int, steps: list[Step]) -> tuple[str, list[tuple[Any, ...]]]:
    """The record's rows for ``steps``, in order after the entry whose hash is ``prev``."""
    rows = []
    for offset, (ts, handoff_id, step, actor, username, payload) in enumerate(steps):
        at = as_datetime(ts)
        hashed = entry_hash(
            prev_hash=prev,
            subject_type=HANDOFF_SUBJECT,
            subject_id=handoff_id,
            step=step,
            actor_id=actor,
            actor_username=username,
            at=at,
            payload=payload,
        )
        payload_json = json.dumps(payload, ensure_ascii=False) if payload else "{}"
        rows.append(
            (
                first_id + offset,
                HANDOFF_SUBJECT,
                handoff_id,
                step,
                actor,
                username,
                at,
                payload_json,
                prev,
                hashed,
                entry_signature(actor, hashed),
            )
        )
        prev = hashed
    return prev, rows


def _chain_as_copy_text(prev: str, first_id: int, steps: list[Step]) -> tuple[str, bytes]:
    """:func:`_chain` on the worker process, as the text of a COPY (nothing in these rows needs escaping)."""
    prev, rows = _chain(prev, first_id, steps)
    text = "".join(
        f"{i}\t{subject}\t{handoff}\t{step}\t{actor}\t{username}\t{at.isoformat()}\t{payload}\t{before}\t{hashed}\t{signature}\n"
        for i, subject, handoff, step, actor, username, at, payload, before, hashed, signature in rows
    )
    if "\\" in text:
        raise ValueError("a ledger row needs escaping for COPY")
    return prev, text.encode()


class Chain:
    """Appends the seeded steps to the chained transaction record.

    In a bulk load the hashing and signing (a few microseconds an entry, millions of entries) run
    on a worker process while the main process goes on: chunk k's entries are written with chunk
    k + 1's rows (the foreign keys are checked once, at the end). Otherwise they are computed in
    place, each chunk under the record's advisory lock and after its last entry.
    """

    def __init__(self, table: Table, *, background: bool) -> None:
        self.table = table
        self.background = background
        self.prev: str | None = None
        self.pending: Any = None  # the worker's Future for the last chunk
        self.ready: list[bytes] = []  # COPY text waiting to be written
        self.executor: Any = None

    def push(self, steps: list[Step], ids: Ids) -> None:
        if not steps:
            return
        first_id = ids.take(len(steps))
        if not self.background:
            # The record's lock (PostgreSQL) until this chunk's transaction ends, and the last entry's hash.
            _prev, rows = _chain(chain_lock(), first_id, steps)
            self.table.rows.extend(rows)
            return
        if self.executor is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            import django

            self.prev = chain_lock()
            # A fresh interpreter (not a fork holding this process's connection) that sets Django up
            # before it imports this module to run _chain_as_copy_text.
            self.executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=django.setup)
        self._collect()
        self.table.written += len(steps)
        self.pending = self.executor.submit(_chain_as_copy_text, self.prev, first_id, steps)

    def _collect(self) -> None:
        if self.pending is not None:
            self.prev, text = self.pending.result()
            self.pending = None
            self.ready.append(text)

    def take(self) -> list[bytes]:
        texts, self.ready = self.ready, []
        return texts

    def finish(self) -> list[bytes]:
        """The last chunk's text (waits for the worker), and the worker is stopped."""
        try:
            self._collect()
        finally:
            if self.executor is not None:
                self.executor.shutdown()
                self.executor = None
        return self.take()


def _write_appointments(cases: list[CaseSim], ctx: Context, log_rows: list[tuple[Any, ...]]) -> None:
    """Every appointment of a case with its history; for the others (``--no-history``), those of
    open cases from the last four months and the next one. Marking one (attended, missed, cancelled)
    leaves its transition log, as appointment_mark does, where hand-offs keep theirs (``step_logs``)."""
    tables, sim = ctx.tables, ctx.sim
    recent = sim.now - 120 * DAY
    rows = []
    for case in cases:
        full = ctx.history or case.officer_id == ctx.officer.pk
        if not full and not case.is_open:
            continue
        place = ctx.places.get(case.office_id, "")
        logs = ctx.step_logs or case.officer_id == ctx.officer.pk
        for ts, kind, state, note in case.appointments:
            if full or ts >= recent:
                rows.append((case.id, case.office_id, case.officer_id, ts, kind, state, note, place, case.opened, logs))
    next_id = ctx.ids["appointment"].take(len(rows))
    home = "บ้านพักตามทะเบียนบ้าน"
    now = sim.now - 600
    add = tables["appointment"].add
    log = log_rows.append
    kind_id = ctx.appointment_type
    for case_id, office_id, by, ts, kind, state, note, place, opened, logs in rows:
        moment = as_datetime(ts)
        # Booked at the report-in before, or at intake; never in the future, nor after it starts.
        booked_ts = max(min(ts - 28 * DAY, now), opened)
        booked = as_datetime(booked_ts)
        if logs and state != APPT_SCHEDULED:
            # Marked an hour after it began (attended, missed), or the day before (cancelled).
            marked = max(ts, min(ts + 3_600, sim.now)) if state != APPT_CANCELLED else max(ts - DAY, booked_ts)
            log((marked, by, APPT_SCHEDULED, state, APPOINTMENT_MARK[state], next_id, note, kind_id))
        add(
            (
                next_id,
                case_id,
                office_id,
                kind,
                moment,
                place if kind == REPORT_IN else home,
                state,
                by,
                None,
                note,
                booked,
            )
        )
        next_id += 1
