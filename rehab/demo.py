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
  of supervision, closure, and new offences drawn from the Department of Corrections' cohort
  curve (15% within a year, 24% within two, 33% within three), made riskier by prior
  convictions, youth and offence, so that the risk model has a signal to learn;
* a person who reoffends goes back to prison (or court) and may come out again with a new
  case, so one person may have past cases and at most one open case;
* about 40% of the people also have an earlier episode released *before* the three-year
  window (the system's records of people who came back): those cases always end in a new
  offence, so cohort statistics are meaningful for releases of the last three years.

Rows are written in chunks with PostgreSQL's COPY (or multi-row INSERTs elsewhere) and ids
allocated up front, so no query is made per row and memory stays bounded. An empty PostgreSQL
database is loaded in one transaction with its secondary indexes and foreign keys rebuilt at
the end (see docs/benchmarks.md for the times). Every open case goes to an officer of the
probation office of the person's province, forty open cases per officer.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import math
import os
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
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

from rehab.models import (
    CASE_TRANSITIONS,
    OPEN_STATES,
    PROBATION_UNIT,
    Assessment,
    AssessmentNeed,
    Case,
    CaseState,
    ClosureReason,
    ContactKind,
    ContactNote,
    District,
    NeedDomain,
    NeedLevel,
    OffenceCategory,
    Office,
    Person,
    Province,
    ReleaseType,
    Reoffence,
    ReoffenceSource,
    Role,
    Sex,
    User,
)
from rehab.validators import national_id_check_digit

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
RISK_BY_PRIORS = [0.75, 1.05, 1.3, 1.6]
RISK_BY_OFFENCE: dict[str, float] = {
    OffenceCategory.DRUGS: 1.1,
    OffenceCategory.PROPERTY: 1.2,
    OffenceCategory.VIOLENT: 0.9,
    OffenceCategory.SEXUAL: 0.5,
    OffenceCategory.FRAUD: 0.7,
    OffenceCategory.TRAFFIC: 0.6,
    OffenceCategory.WEAPONS: 1.0,
    OffenceCategory.OTHER: 0.8,
}
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


DAY = 86_400


def work_time(rng: Random, day: int) -> int:
    """A moment of office hours (08:30-16:30 Bangkok) on a day, as seconds since day 0 (UTC)."""
    return day * DAY + rng.randint(5_400, 34_200)


_TS_BASE = datetime(2000, 1, 1, tzinfo=UTC)
_TS_BASE_SECONDS = date(2000, 1, 1).toordinal() * DAY


def as_datetime(ts: int) -> datetime:
    return _TS_BASE + timedelta(seconds=ts - _TS_BASE_SECONDS)


def curve_inverse(share: float) -> int:
    """Days after release at which ``share`` of a cohort has reoffended (REOFFENCE_CURVE)."""
    for (d0, p0), (d1, p1) in itertools.pairwise(REOFFENCE_CURVE):
        if share <= p1:
            return max(1, int(d0 + (share - p0) * (d1 - d0) / (p1 - p0)))
    return REOFFENCE_CURVE[-1][0]


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

    @property
    def is_open(self) -> bool:
        return self.state in (CaseState.INTAKE, CaseState.ASSESSMENT, CaseState.ACTIVE, CaseState.SUSPENDED)


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
        self, rng: Random, *, now: datetime, districts: dict[str, list[str]], province_names: dict[str, str] | None = None
    ) -> None:
        self.rng = rng
        self.province_names = province_names or {}
        self.today = timezone.localtime(now).date().toordinal()
        self.now = now.toordinal() * DAY + now.hour * 3600 + now.minute * 60 + now.second
        self.window_start = self.today - WINDOW_DAYS
        self.districts = districts
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
        self.risk_scale = 1.0
        self.risk_scale = self._calibrate_risk()

    # people ----------------------------------------------------------------------------------

    def person(self, *, province: str | None = None) -> PersonSim:
        rng = self.rng
        sex = Sex.FEMALE if rng.random() < 0.13 else Sex.MALE
        province = province or self.provinces.pick(rng)
        district = rng.choice(self.districts[province])
        first_th, first_en = rng.choice(FEMALE_FIRST_NAMES if sex == Sex.FEMALE else MALE_FIRST_NAMES)
        last_th, last_en = self.surname()
        if rng.random() >= 0.35:
            first_en = last_en = ""
        phone = ""
        if rng.random() < 0.85:
            phone = f"0{rng.choice('689')}{rng.randrange(10**8):08d}"
        return PersonSim(sex, 0, province, district, first_th, last_th, first_en, last_en, phone)

    def surname(self) -> tuple[str, str]:
        rng = self.rng
        if rng.random() < 0.2:
            return rng.choice(SURNAMES)
        parts = [rng.choice(SURNAME_PARTS) for _ in range(2 if rng.random() < 0.7 else 3)]
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
            return self.rng.randint(30, 180)
        return max(30, round(profile.sentence_months * 30.44 * profile.served_share))

    def supervision_days(self, profile: Profile) -> int:
        rng = self.rng
        if profile.release_type == ReleaseType.SUSPENDED_SENTENCE:
            months = rng.choice((12, 12, 18, 24, 24))
        elif profile.release_type in (ReleaseType.END_OF_SENTENCE, ReleaseType.PARDON):
            months = rng.randint(6, 12)  # after-care
        else:
            months = min(48, max(4, round(profile.sentence_months * (1 - profile.served_share))))
        return round(months * 30.44)

    def facility(self, person: PersonSim, profile: Profile) -> str:
        if profile.release_type == ReleaseType.SUSPENDED_SENTENCE:
            return ""
        province_th = self.province_names.get(person.province, "")
        if person.province == "10":
            return self.rng.choice(BANGKOK_WOMEN_FACILITIES if person.sex == Sex.FEMALE else BANGKOK_MEN_FACILITIES)
        if person.sex == Sex.FEMALE and person.province in WOMEN_INSTITUTION_PROVINCES:
            return f"ทัณฑสถานหญิง{province_th}"
        if person.province in CENTRAL_PRISON_PROVINCES:
            return f"เรือนจำกลาง{province_th}"
        return f"เรือนจำจังหวัด{province_th}"

    def risk(self, *, age: float, sex: str, priors: int, offence: str) -> float:
        by_age = 1.3 if age < 25 else 1.1 if age < 35 else 0.85 if age < 50 else 0.55
        by_sex = 0.7 if sex == Sex.FEMALE else 1.0
        return by_age * by_sex * RISK_BY_PRIORS[min(priors, 3)] * RISK_BY_OFFENCE[offence] / self.risk_scale

    def _calibrate_risk(self) -> float:
        """The mean raw risk of a first case, so that the cohort curve holds on average."""
        saved = self.rng
        self.rng = Random(20_180_101)  # noqa: S311 - demo data, not secrets
        total, count = 0.0, 4_000
        for _ in range(count):
            priors = self.priors.pick(self.rng) + (1 if self.rng.random() < P_EARLIER_EPISODE else 0)
            total += self.risk(
                age=self.age_at_release(),
                sex=Sex.FEMALE if self.rng.random() < 0.13 else Sex.MALE,
                priors=priors,
                offence=self.profile().offence,
            )
        self.rng = saved
        return total / count * 0.96  # closures and the cap take a little off the curve

    def reoffence_delay(self, risk: float) -> int | None:
        """Days from release to a new offence, or None when there is none within five years."""
        share = self.rng.random() / min(risk, 2.2)
        if share >= REOFFENCE_CURVE[-1][1]:
            return None
        return curve_inverse(share)

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
    ) -> CaseSim:
        """Live one case from its release until it ends or until now.

        ``reoffence_day``: True draws one from the cohort curve, None means none, a day forces it.
        """
        rng, now = self.rng, self.now
        supervision_end = release + self.supervision_days(profile)
        intake_day = min(self.today, release + min(int(rng.expovariate(1 / 2.0)), 14))
        opened = work_time(rng, intake_day)
        if opened > now:
            opened = now - rng.randint(600, 7_200)
        case = CaseSim(release, profile, priors, self.facility(person, profile), supervision_end, opened)

        assess_day = intake_day + int(rng.expovariate(1 / 4.0))
        assessed = max(work_time(rng, assess_day), opened + 1_800)
        active_day = min(assess_day + 5 + int(rng.expovariate(1 / 9.0)), supervision_end - 20)
        activated = max(work_time(rng, active_day), assessed + 3_600)
        finished = assessed + int((activated - assessed) * rng.uniform(0.6, 0.95))

        if reoffence_day is True:
            age = (release - person.birth) / 365.25
            delay = self.reoffence_delay(self.risk(age=age, sex=person.sex, priors=priors, offence=profile.offence))
            reoffence_day = None if delay is None else release + delay
        if reoffence_day is not None and reoffence_day is not False:
            recorded = max(work_time(rng, reoffence_day + rng.randint(3, 45)), opened + 3_600)
            if recorded <= now:
                case.reoffence_day = int(reoffence_day)
                case.reoffence_recorded = recorded
                case.reoffence_source = ReoffenceSource.POLICE if rng.random() < 0.6 else ReoffenceSource.COURT

        suspension = None
        if rng.random() < P_SUSPENSION:
            start_day = active_day + rng.randint(30, 400)
            end_day = min(start_day + 14 + int(rng.expovariate(1 / 90.0)), supervision_end - 10)
            if end_day > start_day + 7:
                suspension = (work_time(rng, start_day), work_time(rng, end_day))

        # What ends the case: the first of a new offence during supervision, a closure, the end of supervision.
        endings: list[tuple[int, str, str]] = []
        if case.reoffence_day is not None and case.reoffence_day <= supervision_end and case.reoffence_recorded:
            endings.append((case.reoffence_recorded, "reoffend", ""))
        if may_close and rng.random() < P_CLOSED:
            reason = self.closure_reasons.pick(rng)
            if reason == ClosureReason.DATA_ERROR:
                day = release + rng.randint(2, 30)
            else:
                day = release + rng.randint(30, max(31, supervision_end - release))
            endings.append((max(work_time(rng, day), opened + 3_600), "close", reason))
        early = rng.random() < P_EARLY_COMPLETION and supervision_end - active_day > 150
        if early:
            completed = work_time(rng, supervision_end - rng.randint(30, 120))
            if suspension and suspension[0] <= completed <= suspension[1] + DAY:
                early, completed = False, work_time(rng, supervision_end + rng.randint(0, 7))
        else:
            completed = work_time(rng, supervision_end + rng.randint(0, 7))
        endings.append((max(completed, activated + DAY), "complete_early" if early else "complete", ""))
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
                    rng.choice(TRANSITION_REASONS["start_assessment"]),
                )
            )
            state = CaseState.ASSESSMENT
            case.assessment_started = assessed
            if finished < end:
                case.assessment_finished = finished
            if activated < end:
                events.append(
                    Event(activated, "activate", state, CaseState.ACTIVE, False, rng.choice(TRANSITION_REASONS["activate"]))
                )
                state = CaseState.ACTIVE
                case.activated = activated
                if suspension and suspension[0] < end:
                    events.append(
                        Event(
                            suspension[0], "suspend", state, CaseState.SUSPENDED, False, rng.choice(TRANSITION_REASONS["suspend"])
                        )
                    )
                    state = CaseState.SUSPENDED
                    if suspension[1] < end:
                        events.append(
                            Event(
                                suspension[1], "resume", state, CaseState.ACTIVE, False, rng.choice(TRANSITION_REASONS["resume"])
                            )
                        )
                        state = CaseState.ACTIVE
                    case.suspension = suspension
        if ending[0] <= now:
            kind = ending[1]
            if kind == "reoffend":
                events.append(
                    Event(ending[0], "reoffend", state, CaseState.REOFFENDED, False, rng.choice(TRANSITION_REASONS["reoffend"]))
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
                        rng.choice(TRANSITION_REASONS[kind]),
                    )
                )
                state = CaseState.COMPLETED
        case.state = state
        return case

    def case_in_state(self, person: PersonSim, state: str, days_ago: tuple[int, int]) -> CaseSim:
        """A case that is in ``state`` now (for the demo officer's caseload); tries until it is."""
        case = None
        for _ in range(2_000):
            release = self.today - self.rng.randint(*days_ago)
            age = self.age_at_release()
            person.birth = release - int(age * 365.25)
            case = self.case(person, release=release, profile=self.profile(), priors=self.priors.pick(self.rng))
            if case.state == state:
                break
        assert case is not None
        return case

    # one person's history ---------------------------------------------------------------------

    def history(self, person: PersonSim) -> None:
        """The person's cases, oldest first: perhaps an earlier episode before the window, then
        the first release in the window and any release after a new offence."""
        rng = self.rng
        release = self.today - rng.randint(0, WINDOW_DAYS)
        age = self.age_at_release()
        person.birth = release - int(age * 365.25) - rng.randint(0, 364)
        profile = self.profile()
        priors = self.priors.pick(rng)
        cases = person.cases
        if rng.random() < P_EARLIER_EPISODE:
            offence_day = release - self.custody_days(profile)
            delay = curve_inverse(rng.random() * REOFFENCE_CURVE[-2][1])
            earlier = offence_day - delay
            if earlier > self.window_start:
                earlier = self.window_start - rng.randint(30, 700)
            if (earlier - person.birth) / 365.25 >= 18 and offence_day - earlier > 30:
                first = self.case(
                    person, release=earlier, profile=self.profile(), priors=priors, reoffence_day=offence_day, may_close=False
                )
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
            release = case.reoffence_day + self.custody_days(following)
            if release > self.today:
                break
            priors += 1
            case = self.case(person, release=release, profile=following, priors=priors)
            cases.append(case)
        if case.reoffence_day is not None and not case.reoffence_category:
            case.reoffence_category = self.profile().offence

    # what the officer writes ------------------------------------------------------------------

    def needs(self, case: CaseSim) -> list[tuple[str, str, bool, str]]:
        rng = self.rng
        rows: list[tuple[str, str, bool, str]] = []
        for domain, (_shares, some, urgent) in NEEDS.items():
            levels = (
                self.drug_health
                if domain == NeedDomain.HEALTH and case.profile.offence == OffenceCategory.DRUGS
                else self.need_levels[domain]
            )
            level = levels.pick(rng)
            if level == NeedLevel.NONE:
                rows.append((domain, level, False, ""))
            else:
                rows.append(
                    (
                        domain,
                        level,
                        level == NeedLevel.URGENT or rng.random() < 0.6,
                        urgent if level == NeedLevel.URGENT else some,
                    )
                )
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
        first_report = (min(opened + rng.randint(0, 3_600), latest), ContactKind.OFFICE_VISIT, rng.choice(FIRST_REPORT_NOTES))
        notes: list[tuple[int, str, str]] = []
        if not full:
            if not case.is_open:
                return notes
            if case.state == CaseState.INTAKE:
                return [first_report] if rng.random() < 0.5 else notes
            count = rng.randint(2, 3)
            start = max(opened, end - 120 * DAY)
        else:
            if case.state != CaseState.INTAKE or rng.random() < 0.5:
                notes.append(first_report)
            start = opened
            count = min(7, (end - start) // (45 * DAY))
            if count:
                count = rng.randint(max(1, count - 1), count)
        for _ in range(count):
            day = rng.randint(start + 3_600, max(start + 3_601, end - 600)) // DAY
            ts = min(max(work_time(rng, day), start + 3_600), latest)
            if case.suspension and case.suspension[0] <= ts < case.suspension[1]:
                kind, text = rng.choice(SUSPENDED_NOTES)
            else:
                kind = self.note_kinds.pick(rng)
                text = rng.choice(NOTES[kind])
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
        self.written = 0

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)

    def _complete(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        if self.project:
            row = tuple(row[i] for i in self.keep)
        return row + self.defaults_tuple if self.defaults_tuple else row

    def flush(self) -> None:
        if not self.rows:
            return
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        complete = self._complete
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {quote(self.table)} ({columns}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(complete(row))
            else:
                width = len(self.keep)
                adapters = [self._adapter(f) for f in self.fields[:width]]
                rows = []
                for row in self.rows:
                    row = complete(row)
                    rows.append(
                        tuple(a(v) if a and v is not None else v for a, v in zip(adapters, row, strict=False)) + row[width:]
                    )
                per_statement = max(1, 999 // len(self.columns))
                placeholders = "(" + ", ".join(["%s"] * len(self.columns)) + ")"
                for i in range(0, len(rows), per_statement):
                    batch = rows[i : i + per_statement]
                    values = ", ".join([placeholders] * len(batch))
                    sql = f"INSERT INTO {quote(self.table)} ({columns}) VALUES {values}"  # noqa: S608 - quoted names; values are parameters
                    cursor.execute(sql, [value for row in batch for value in row])
        self.written += len(self.rows)
        self.rows = []

    @staticmethod
    def _adapter(f: models.Field) -> Callable[[Any], Any] | None:
        if isinstance(f, models.DateTimeField):
            return connection.ops.adapt_datetimefield_value
        if isinstance(f, models.DateField):
            return connection.ops.adapt_datefield_value
        return None


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
        for office, pk, open_cases, username in existing:
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
            first, last = self.rng.choice(MALE_FIRST_NAMES + FEMALE_FIRST_NAMES)[0], self.rng.choice(SURNAMES)[0]
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
            )
            user.save()
        users[username] = user
    return users


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
            first, last = rng.choice(MALE_FIRST_NAMES + FEMALE_FIRST_NAMES)[0], rng.choice(SURNAMES)[0]
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
    rng = Random(seed)  # noqa: S311 - demo data, not secrets
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
    sim = Simulator(rng, now=now, districts=districts, province_names=dict(Province.objects.values_list("code", "name_th")))

    officer = ensure_demo_users(password_hash)["officer"]
    supervisors = ensure_supervisors(password_hash, rng, offices)

    tables = {
        "person": Table(Person, PERSON_COLUMNS),
        "case": Table(Case, CASE_COLUMNS),
        "reoffence": Table(Reoffence, REOFFENCE_COLUMNS),
        "assessment": Table(Assessment, ASSESSMENT_COLUMNS),
        "need": Table(AssessmentNeed, NEED_COLUMNS),
        "note": Table(ContactNote, NOTE_COLUMNS),
        "statelog": Table(StateLog, STATELOG_COLUMNS),
    }
    plan = _plan_models()
    if plan is not None:
        tables["stage"] = Table(plan[0], STAGE_COLUMNS)
    ctx = Context(
        sim=sim,
        tables=tables,
        ids={name: Ids(table.model) for name, table in tables.items()},
        officers=Officers(password_hash=password_hash, rng=rng),
        officer=officer,
        offices=offices,
        supervisors=supervisors,
        case_type=ContentType.objects.get_for_model(Case).pk,
        history=history,
        check_ids=Person.objects.exists(),
        by_supervisor=supervisor_transitions(),
        stage_for_need=plan[1] if plan is not None else None,
    )

    # The demo officer's own caseload comes first, if they have none yet.
    forced: list[PersonSim] = []
    if not Case.objects.filter(officer=officer).exists():
        for state, count, days_ago in OFFICER_CASELOAD:
            for _ in range(count):
                person = sim.person(province="10")
                person.demo_officer = True
                person.cases.append(sim.case_in_state(person, state, days_ago))
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
    with transaction.atomic() if bulk else contextlib.nullcontext():
        dropped = _drop_secondary_indexes([table.table for table in tables.values()]) if bulk else []
        done = 0
        while done < people:
            size = min(chunk_size, people - done)
            batch, forced = forced[:size], forced[size:]
            batch += [sim.person() for _ in range(size - len(batch))]
            for person in batch:
                if not person.cases:
                    sim.history(person)
            with transaction.atomic():
                _write_chunk(batch, ctx, result)
            done += size
            log(f"  {done:,} / {people:,} people, {result.cases:,} cases ({time.monotonic() - started:,.0f} s)")
        if dropped:
            log(f"  rebuilding {len(dropped)} indexes and foreign keys ({time.monotonic() - started:,.0f} s)")
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
                for statement in dropped:
                    cursor.execute(statement)

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
REOFFENCE_COLUMNS = ["id", "case_id", "offence_date", "source", "offence_category", "recorded_by_id", "recorded_at"]
ASSESSMENT_COLUMNS = ["id", "case_id", "author_id", "assessed_on", "summary", "finished_at", "created_at", "updated_at"]
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


def supervisor_transitions() -> set[str]:
    """The case transitions only a supervisor may take (their log names the supervisor)."""
    names = set()
    for name in CASE_TRANSITIONS:
        for move in getattr(Case, name)._django_fsm.transitions.values():
            if getattr(move.permission, "__name__", "") == "may_supervise_case":
                names.add(name)
    return names


def _plan_models() -> tuple[Any, dict[str, str]] | None:
    """The plan stages, when the models have them: (Stage, stage domain for each need domain)."""
    from rehab import models as rehab_models

    stage = getattr(rehab_models, "Stage", None)
    mapping = getattr(rehab_models, "STAGE_FOR_NEED", None)
    if stage is None or mapping is None:
        return None
    return stage, {str(k): str(v) for k, v in mapping.items()}


STAGE_GOALS = {
    "education": "สมัครเรียน กศน. ให้จบการศึกษาภาคบังคับ",
    "employment": "หางานที่มั่นคงผ่านสำนักงานจัดหางาน",
    "health": "เข้ารับการบำบัดยาเสพติดและติดตามผลอย่างต่อเนื่อง",
    "welfare": "ขอรับเงินสงเคราะห์และหาที่พักที่มั่นคง",
    "documents": "ทำบัตรประชาชนและย้ายชื่อเข้าทะเบียนบ้าน",
    "legal_aid": "ขอรับความช่วยเหลือด้านทนายความจากกองทุนยุติธรรม",
    "behaviour": "เข้าร่วมโปรแกรมปรับเปลี่ยนพฤติกรรม",
}


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
    history: bool
    check_ids: bool
    by_supervisor: set[str]
    stage_for_need: dict[str, str] | None


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

    # Histories: assessments and needs, plan stages, notes, transition logs.
    full_cases = [c for c in cases if ctx.history or c.officer_id == ctx.officer.pk]
    next_assessment = ids["assessment"].take(sum(1 for c in full_cases if c.assessment_started is not None))
    need_rows: list[tuple[Any, ...]] = []
    stage_rows: list[tuple[Any, ...]] = []
    note_rows: list[tuple[Any, ...]] = []
    log_rows: list[tuple[Any, ...]] = []
    plan: dict[int, tuple[bool, int | None, int | None]] = {}  # case id -> (no needs, approved at, approved by)
    for case in full_cases:
        by = case.officer_id
        if case.assessment_started is not None:
            needs = sim.needs(case)
            finished = case.assessment_finished
            tables["assessment"].add(
                (
                    next_assessment,
                    case.id,
                    by,
                    date.fromordinal(case.assessment_started // DAY),
                    sim.assessment_summary(needs) if finished else "",
                    as_datetime(finished) if finished else None,
                    as_datetime(case.assessment_started),
                    as_datetime(finished or case.assessment_started),
                )
            )
            if not finished:  # a draft: every domain still at "no need"
                needs = [(domain, NeedLevel.NONE, False, "") for domain in NEEDS]
            need_rows.extend((next_assessment, *need) for need in needs)
            next_assessment += 1
            if finished and ctx.stage_for_need is not None:
                domains = sorted({ctx.stage_for_need[d] for d, _level, stage, _note in needs if stage})
                if case.is_open:
                    stage_rows.extend((case.id, d, STAGE_GOALS.get(d, ""), "planned", by, finished) for d in domains)
                approved_by = case.supervisor_id if "activate" in ctx.by_supervisor else by
                plan[case.id] = (not domains, case.activated, approved_by if case.activated else None)
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
        (case, case.reoffence_day, case.reoffence_recorded)
        for case in cases
        if case.reoffence_day is not None and case.reoffence_recorded is not None
    ]
    next_id = ids["reoffence"].take(len(reoffences))
    for case, day, recorded in reoffences:
        category = case.reoffence_category or case.profile.offence
        row = (next_id, case.id, date.fromordinal(day), case.reoffence_source, category, case.officer_id, as_datetime(recorded))
        tables["reoffence"].add(row)
        next_id += 1
    next_id = ids["need"].take(len(need_rows))
    for row in need_rows:
        tables["need"].add((next_id, *row))
        next_id += 1
    if "stage" in tables:
        next_id = ids["stage"].take(len(stage_rows))
        for case_id, domain, goal, state, by, ts in stage_rows:
            moment = as_datetime(ts)
            tables["stage"].add((next_id, case_id, domain, goal, state, by, moment, moment))
            next_id += 1
    next_id = ids["note"].take(len(note_rows))
    for case_id, by, kind, ts, text in note_rows:
        moment = as_datetime(ts)
        tables["note"].add((next_id, case_id, by, kind, moment, text, moment))
        next_id += 1
    next_id = ids["statelog"].take(len(log_rows))
    for ts, by, source, target, name, case_id, description in log_rows:
        tables["statelog"].add((next_id, as_datetime(ts), by, source, target, name, ctx.case_type, case_id, description))
        next_id += 1

    for table in tables.values():
        table.flush()
    result.people += len(batch)
    result.cases += len(cases)
