"""Inputs for the SMS segment test vectors; prints them as JSON on stdout.

Run through ``generate.mjs`` (see README.md) to get ``vectors.json``, whose
expected figures come from Twilio's ``sms-segments-calculator``. Texts are
synthetic: no real person, number or clinic.
"""
from __future__ import annotations

import json
import random
import sys

FILLER = (
    "Reminder: your appointment at Maple Grove Clinic is on Tuesday at 10:30. "
    "Reply C to confirm or R to reschedule. Please arrive 10 minutes early! "
)
FILLER_FR = (
    "Rappel : votre rendez-vous à la Clinique des Érables est mardi à 10 h 30. "
    "Répondez C pour confirmer ou R pour reporter. Arrivez 10 minutes à l'avance. "
)
BOUNDARIES = (66, 67, 68, 69, 70, 71, 132, 133, 134, 135, 152, 153, 154, 159, 160, 161,
              200, 201, 202, 304, 305, 306, 307, 458, 459, 460)
GSM_EXTENDED = "\f^{}\\[]~|€"
GSM_ACCENTED = "ÄÅÆÇÉÑÖØÜßàäåæèéìñòöøùüΓΔΘΛΞΠΣΦΨΩ¡£¤¥§¿_@$"
NOT_GSM = "çáíóúâêîôûëïÀÈÊÔŒœ`«»–—’“”…\u00a0\tαβЖ"
#: Clusters on whose boundaries the calculator and current Unicode agree.
CLUSTERS = ("😀", "🇨🇦", "👨\u200d👩\u200d👧\u200d👦", "1\ufe0f\u20e3", "👍🏽",
            "👨\u200d💻", "❤\ufe0f", "🏳\ufe0f\u200d🌈", "#\ufe0f\u20e3", "e\u0301",
            "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f")
SCRIPTS = {
    "cjk": "您的预约已确认。请提前十分钟到达诊所。如需改期，请回复R。",
    "japanese": "ご予約の確認です。診療所には十分前にお越しください。変更はRと返信してください。",
    "korean": "예약이 확인되었습니다. 진료 10분 전에 도착해 주세요. 변경하려면 R을 회신하세요.",
    "arabic": "تذكير: موعدك في العيادة يوم الثلاثاء الساعة ١٠:٣٠. يُرجى الرد بـ C للتأكيد.",
    "arabic_harakat": "مَوْعِدُكَ فِي الْعِيَادَةِ غَدًا، نَرْجُو الْحُضُورَ مُبَكِّرًا.",
    "hebrew": "תזכורת: התור שלך במרפאה ביום שלישי בשעה 10:30. השב C לאישור.",
    "cyrillic": "Напоминание: ваш приём в клинике во вторник в 10:30. Ответьте C.",
    "thai": "เตือนความจำ: นัดหมายของคุณที่คลินิกวันอังคาร เวลา 10:30 น.",
    "greek": "Υπενθύμιση: το ραντεβού σας στην κλινική είναι την Τρίτη στις 10:30.",
}
REMINDERS = (
    "Hi Sam, this is Maple Grove Clinic reminding you of your appointment tomorrow at 9:15 AM. "
    "Reply C to confirm or R to reschedule.",
    "Your physio session is booked for Mon, Mar 3 at 2:00 PM with Dr. Lee. Reply STOP to opt out.",
    "Hello! Your lab results are ready. Please call the front desk at your convenience.",
    "Reminder: fasting is required 12h before your blood test [Room 4] {bring your card}.",
    "Payment received: 45.00€ for your visit. Thank you ~ the clinic team | ref #A1B2",
    "Thanks for confirming 👍 See you Tuesday at 10:30!",
    "Don’t forget your appointment tomorrow — we look forward to seeing you…",
    "Bonjour, rappel de votre rendez-vous à la Clinique des Érables le mardi 4 mars à 10 h 30.",
    "Votre rendez-vous est confirmé. Merci de vous présenter 10 minutes à l'avance.",
    "Bonjour Élise, votre séance de physiothérapie est reçue ; veuillez arriver tôt.",
    "Votre prochain rendez-vous : lundi à 9 h. Répondez « C » pour confirmer.",
    "Merci ! Nous avons bien reçu votre paiement de 45,00 €. À bientôt 🙂",
    "Rappel : jeûne de 12 h avant votre prise de sang. Où : 2e étage, salle 4.",
    "Hi,\r\nYour appointment is confirmed.\r\nReply C to confirm.\r\nThanks!",
    "Bonjour,\nVotre rendez-vous est déplacé à jeudi.\nCordialement,\nL'équipe",
)


def fill(n: int, source: str = FILLER) -> str:
    """``n`` characters of GSM-basic text (one septet, one UTF-16 unit each)."""
    return (source * (n // len(source) + 1))[:n]


def _boundaries() -> list[tuple[str, str]]:
    cases = []
    for n in BOUNDARIES:
        cases.append((f"gsm-{n}", fill(n)))
        cases.append((f"ucs2-first-{n}", "ç" + fill(n - 1)))
        cases.append((f"ucs2-last-{n}", fill(n - 1) + "ç"))
    return cases


def _extended() -> list[tuple[str, str]]:
    cases = []
    for index, char in enumerate(GSM_EXTENDED):
        cases.append((f"ext{index}-lead-160", char + fill(158)))
        cases.append((f"ext{index}-lead-161", char + fill(159)))
        for before in (151, 152, 153, 158, 159, 304, 305):
            for after in (1, 152):
                cases.append((f"ext{index}-at-{before}-then-{after}",
                              fill(before) + char + fill(after)))
    return cases


def _accents() -> list[tuple[str, str]]:
    cases = [(f"gsm-accent-{ord(c):04x}", fill(159) + c) for c in GSM_ACCENTED]
    for char in NOT_GSM:
        cases.append((f"not-gsm-{ord(char):04x}-70", fill(69) + char))
        cases.append((f"not-gsm-{ord(char):04x}-71", fill(70) + char))
    return cases


def _line_breaks() -> list[tuple[str, str]]:
    return [
        ("cr", "\r"), ("lf", "\n"), ("crlf", "\r\n"), ("lfcr", "\n\r"),
        ("crlf-gsm-160", fill(158) + "\r\n"), ("crlf-gsm-161", fill(159) + "\r\n"),
        ("crlf-gsm-straddle-153", fill(152) + "\r\n" + fill(10)),
        ("crlf-gsm-straddle-306", fill(151) + "\r\n" + fill(152) + "\r\n" + fill(5)),
        ("crlf-ucs2-70", "ç" + fill(67) + "\r\n"), ("crlf-ucs2-71", "ç" + fill(68) + "\r\n"),
        ("crlf-ucs2-straddle-67", "ç" + fill(65) + "\r\n" + fill(66)),
        ("crlf-ucs2-straddle-134", "ç" + fill(132) + "\r\n" + fill(66)),
        ("crlf-emoji-straddle-67", "😀" + fill(64) + "\r\n" + fill(66)),
        ("crlf-mixed", "a\r\nb\nc\rd\r\n\r\n" + fill(200)),
        ("crlf-only-200", "\r\n" * 100), ("crlf-ucs2-only", "ç" + "\r\n" * 60),
    ]


def _clusters() -> list[tuple[str, str]]:
    cases = []
    for index, cluster in enumerate(CLUSTERS):
        for before in (64, 65, 66, 67, 68, 69, 70, 131, 132, 133, 134):
            cases.append((f"cluster{index}-at-{before}", "ç" + fill(before - 1) + cluster + fill(5)))
        cases.append((f"cluster{index}-repeated", cluster * 40))
    return cases


def _scripts() -> list[tuple[str, str]]:
    cases = []
    for name, text in SCRIPTS.items():
        for repeat in (1, 2, 5):
            cases.append((f"{name}-x{repeat}", text * repeat))
        cases.append((f"{name}-70", fill(70, text)))
        cases.append((f"{name}-71", fill(71, text)))
    return cases


def _reminders() -> list[tuple[str, str]]:
    cases = [(f"reminder-{i}", text) for i, text in enumerate(REMINDERS)]
    cases += [(f"reminder-{i}-twice", text + " " + text) for i, text in enumerate(REMINDERS)]
    cases.append(("reminder-fr-long", fill(600, FILLER_FR)))
    cases.append(("reminder-en-long", fill(600)))
    return cases


def _edges() -> list[tuple[str, str]]:
    return [
        ("empty", ""), ("space", " "), ("one-letter", "a"), ("one-euro", "€"),
        ("gsm-basic-all", "".join(sorted(set(FILLER))) + GSM_ACCENTED),
        ("gsm-extended-all", GSM_EXTENDED * 16),
        ("extended-only-80", "€" * 80), ("extended-only-81", "€" * 81),
        ("combining-run-200", "\u0301" * 200),
        ("zalgo-cluster-81", "a" + "\u0301" * 80),
        ("zalgo-straddle", "ç" + fill(60) + "a" + "\u0301" * 20 + fill(70)),
        # a 67-unit cluster overfills the second segment when the first gets its header
        ("oversized-cluster-overfill", "ççç" + "a" + "\u0301" * 66 + "ç" * 68),
        # Arabic number sign (Prepend) + digit + accent: one cluster across two runs
        ("prepend-cluster-straddle", "ç" + fill(64) + "\u06001\u0301" + fill(65)),
        ("emoji-only-35", "😀" * 35), ("emoji-only-36", "😀" * 36),
        ("flags-mixed", "🇨🇦🇺🇸🇫🇷" * 12), ("keycaps", "1\ufe0f\u20e32\ufe0f\u20e3" * 13),
    ]


def _random_cases(count: int = 120) -> list[tuple[str, str]]:
    rng = random.Random(20260301)
    pools = ("abcdefghij KLMNOP 0123456789.,!?", GSM_EXTENDED, GSM_ACCENTED, NOT_GSM)
    cases = []
    for index in range(count):
        parts = []
        for _ in range(rng.randint(1, 160)):
            kind = rng.choices(range(6), weights=(70, 4, 8, 3, 2, 2))[0]
            if kind < len(pools):
                parts.append(rng.choice(pools[kind]))
            elif kind == 4:
                parts.append(rng.choice(CLUSTERS))
            else:
                parts.append(rng.choice(SCRIPTS["cjk"] + SCRIPTS["arabic"]))
        if index % 2:  # half of them stay GSM-7
            parts = [p for p in parts if p in pools[0] + pools[1] + pools[2]]
        cases.append((f"random-{index}", "".join(parts) * rng.choice((1, 1, 2, 4))))
    return cases


#: Texts where the calculator's grapheme tables (Unicode 10) split a cluster that
#: current Unicode keeps whole, placed so that the split changes the count.
#: ``segments_unicode`` is worked by hand for the STANDARD rules.
DIVERGENT = (
    # 64 units, 🧑‍🎄 (5 units: the calculator splits 3 | 2), 65 units.
    # Whole cluster moves: 64 | 5+65=70 > 67 | → 3 (calculator: 64+3 | 2+65 → 2).
    ("zwj-new-emoji-straddle", "ç" + fill(63) + "🧑\u200d🎄" + fill(65), 3),
    # 64 units, ❤️‍🔥 (5 units: split 3 | 2), 65 units: same layout → 3 (calculator: 2).
    ("zwj-heart-fire-straddle", "ç" + fill(63) + "❤\ufe0f\u200d🔥" + fill(65), 3),
    # 65 units, 🫱🏻 (4 units: split 2 | 2), 65 units: 65 | 4+65=69 > 67 | → 3 (calculator: 2).
    ("skin-tone-new-emoji-straddle", "ç" + fill(64) + "🫱🏻" + fill(65), 3),
    # 65 units, Devanagari conjunct क्ष (3 units: split 2 | 1), 66 units:
    # 65 | 3+66=69 > 67 | → 3 (calculator: 65+2 | 1+66 → 2).
    ("devanagari-conjunct-straddle", "ç" + fill(64) + "क्ष" + fill(66), 3),
)


def all_cases() -> list[dict[str, object]]:
    """Every vector input; divergent ones carry their current-Unicode count."""
    groups = (_boundaries, _extended, _accents, _line_breaks, _clusters, _scripts,
              _reminders, _edges, _random_cases)
    cases: list[dict[str, object]] = [
        {"id": case_id, "text": text} for group in groups for case_id, text in group()
    ]
    cases += [{"id": case_id, "text": text, "segments_unicode": expected}
              for case_id, text, expected in DIVERGENT]
    ids = [case["id"] for case in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return cases


if __name__ == "__main__":
    json.dump(all_cases(), sys.stdout, ensure_ascii=True)
