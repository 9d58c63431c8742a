"""Receipt data for tests of printing/, as kiosk/receipts.py builds it."""
from __future__ import annotations

from dataclasses import replace

from printing.receipts import ReceiptData

URL = "https://aduan.jakarta-selatan.example/lacak/0101-26-00042-8"

INDONESIAN = ReceiptData(
    language="id",
    number="0101-26-00042-8",
    office_title="Kelurahan Tebet Timur",
    office_address="Kecamatan Tebet, Jakarta Selatan 12820",
    received_at="28 November 2026, 08.05 WIB",
    channel="Kios di kantor",
    category="Jalan rusak / berlubang",
    place="Kelurahan Tebet Timur, Kecamatan Tebet",
    location="Jl. Tebet Raya No. 5, depan masjid, RT 5 / RW 2",
    tracking_url=URL,
    crm_number=None,
    next_steps=(
        "Laporan Anda dimasukkan ke CRM Jakarta; setelah itu Anda juga mendapat nomor CRM di halaman pelacakan.",
        "Kelurahan Tebet Timur menindaklanjutinya, bila memungkinkan dalam 24 jam.",
        "Bila instansi lain yang bertanggung jawab, laporan diteruskan. Tindak lanjut paling lama 7 hari.",
    ),
    follow_up_by="5 Desember 2026",
    privacy_notice="Data pribadi Anda dilindungi undang-undang (UU 27/2022) dan hanya dipakai untuk "
                   "menindaklanjuti pengaduan ini.",
    identity_label="Dengan nama saya",
    reporter_name="Siti Rahayu",
)

ENGLISH = replace(
    INDONESIAN,
    language="en",
    received_at="28 November 2026, 08.05 WIB",
    channel="Office kiosk",
    category="Damaged road / potholes",
    next_steps=(
        "Your report is entered into Jakarta's CRM; you then also get a CRM number on the tracking page.",
        "Kelurahan Tebet Timur follows it up, within 24 hours where it can.",
        "If another agency is responsible, it is handed over. Follow-up takes at most 7 days.",
    ),
    follow_up_by="5 December 2026",
    privacy_notice="Your personal data is protected by law (UU 27/2022) and used only to follow up this complaint.",
    identity_label="With my name",
)

ANONYMOUS = replace(INDONESIAN, reporter_name=None, identity_label="Anonim")

LONG_NAME = ("Raden Ajeng Siti Nurhaliza Kusumawardhani Prameswari Wulandari "
             "Setyaningrum-Hadiningratkusumawijayakesumanegara")
LONG = replace(
    INDONESIAN,
    number="0601-26-12345-6",
    office_title="Kantor Walikota Jakarta Selatan",
    office_address="Jl. Prapanca Raya No. 9, Kebayoran Baru, Jakarta Selatan 12160",
    category="Pedagang kaki lima (PKL) di trotoar dan badan jalan",
    place="Kelurahan Cilandak Barat, Kecamatan Cilandak",
    location="Gang Haji Muhammad Saleh bin Abdullah Wiryosuprapto Kav. 12A/34-36, "
             "sebelah warung…, RT 12 / RW 3",
    tracking_url="https://aduan.jakarta-selatan.example/lacak/0601-26-12345-6",
    crm_number="JK2611280342",
    reporter_name=LONG_NAME,
)

VARIANTS = {"id": INDONESIAN, "en": ENGLISH, "anonymous": ANONYMOUS, "long": LONG}
