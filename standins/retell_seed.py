"""A deterministic synthetic month of Retell calls and chats for the stand-in.

Agents (``AGENTS``):

==========================  =========  ===========================================
agent id                    channels   what it imitates
==========================  =========  ===========================================
``agent_acme_sms``          chats      Acme Family Clinic, English SMS reminders
``agent_acme_voice``        calls      Acme Family Clinic, English reminder calls
``agent_laval_sms``         chats      Clinique Santé Laval, French SMS reminders
``agent_laval_voice``       calls      Clinique Santé Laval, French reminder calls
``agent_maple_frontdesk``   both       Maple Dental, bilingual front desk
``agent_unmapped_demo``     both       left unmapped by the demo ("unattributed")
==========================  =========  ===========================================

Each chat agent gets ``chats_per_agent`` chats and each call agent
``calls_per_agent`` calls, spread over the month in America/Toronto. Every call
agent's first five calls last 0 s, 59 s, 60 s, 61 s and ~30.5 min; some calls
and chats are not ended (ongoing, error, not_connected), some chats are
``api_chat``, some have no ``chat_cost`` or no ``combined_cost``. Messages are
EN/FR clinic reminders with emoji, accents, curly apostrophes and texts long
enough for several SMS segments. Names, phone numbers (555-01xx), summaries and
recording URLs are fake, present so that tests can prove they never reach the
database.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

TORONTO = ZoneInfo("America/Toronto")
FAKE_PHONE_MIDDLE = "55501"


@dataclass(frozen=True)
class Agent:
    agent_id: str
    clinic: str
    lang: str  # "en", "fr" or "mixed"
    chats: bool
    calls: bool


AGENTS = (
    Agent("agent_acme_sms", "Acme Family Clinic", "en", chats=True, calls=False),
    Agent("agent_acme_voice", "Acme Family Clinic", "en", chats=False, calls=True),
    Agent("agent_laval_sms", "Clinique Santé Laval", "fr", chats=True, calls=False),
    Agent("agent_laval_voice", "Clinique Santé Laval", "fr", chats=False, calls=True),
    Agent("agent_maple_frontdesk", "Maple Dental", "mixed", chats=True, calls=True),
    Agent("agent_unmapped_demo", "Demo Test Clinic", "en", chats=True, calls=True),
)
AGENTS_BY_ID = {agent.agent_id: agent for agent in AGENTS}
UNMAPPED_AGENT_ID = "agent_unmapped_demo"
EDGE_DURATIONS_MS = (0, 59_000, 60_000, 61_000, 1_834_567)

FIRST = ("Alex", "Jordan", "Élodie", "François", "Chloé", "Noah", "Léa", "Morgan", "Zoé")
LAST = ("Tremblay", "Gagnon", "Côté", "Nguyen", "Bouchard", "Patel", "Smith", "Roy")
DOCTORS = ("Lefebvre", "Wong", "Girard", "Okafor")

TEXTS = {
    "en": {
        "remind": (
            "Hi {first}, this is {clinic} reminding you of your appointment with "
            "Dr. {doctor} on {day} at 10:30 AM. Reply C to confirm or R to reschedule.",
            "Hello {first}! Reminder from {clinic}: your appointment with Dr. {doctor} is on "
            "{day} at 2:15 PM. Please arrive 15 minutes early and bring your health card and "
            "a list of your current medications. Reply C to confirm, R to reschedule, or call "
            "us at any time if you have questions about your visit.",
            "Hi {first} 👋 your appointment at {clinic} is {day} at 9:00 AM. Reply C to confirm ✅",
        ),
        "reply": ("C", "Yes, confirmed", "Can I move it to Thursday afternoon?", "👍",
                  "Thanks! See you then 😊", "R"),
        "done": ("Thank you {first}, you're confirmed for {day}.",
                 "No problem, I moved your appointment to Thursday at 2:30 PM. See you then!",
                 "You’re all set, {first} — see you {day} 🙂"),
    },
    "fr": {
        "remind": (
            "Bonjour {first}, ici {clinic}. Rappel : rendez-vous avec la Dre {doctor} le "
            "{day} à 10 h 30. Répondez C pour confirmer ou R pour reporter.",
            "Bonjour {first} ! Votre rendez-vous à {clinic} est prévu le {day} à 14 h 15. "
            "Merci d’arriver 10 minutes à l’avance avec votre carte d’assurance maladie. "
            "Pour annuler ou déplacer, répondez R ou appelez-nous. Bonne journée ☀️",
            "Rappel : votre suivi en physiothérapie est le {day}. Reçu ? Répondez « oui » 🙂",
        ),
        "reply": ("Oui", "C", "Je ne pourrai pas venir, est-ce possible jeudi ?", "Merci 🙏",
                  "R", "D’accord"),
        "done": ("Merci {first}, c’est confirmé pour le {day}.",
                 "Aucun problème, votre rendez-vous est déplacé au jeudi à 14 h 30.",
                 "Parfait, à bientôt {first} !"),
    },
}


@dataclass
class Seed:
    calls: list[dict]
    chats: list[dict]


def month_bounds_ms(month: str) -> tuple[int, int]:
    """[first day 00:00, next month 00:00) in America/Toronto, as epoch ms."""
    year, mon = (int(part) for part in month.split("-"))
    start = datetime(year, mon, 1, tzinfo=TORONTO)
    end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=TORONTO)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def build_month(
    month: str, seed: int = 7, *, calls_per_agent: int = 40, chats_per_agent: int = 60
) -> Seed:
    """The synthetic month; the same arguments always give the same records."""
    rng = random.Random(f"{seed}:{month}")
    lo, hi = month_bounds_ms(month)
    calls, chats = [], []
    for agent in AGENTS:
        for i in range(calls_per_agent if agent.calls else 0):
            start = lo if i == 0 else rng.randrange(lo, hi - 3_600_000)
            duration = EDGE_DURATIONS_MS[i] if i < 5 else _duration(rng)
            calls.append(call_record(rng, agent, start, duration, _status(i, "call")))
        for i in range(chats_per_agent if agent.chats else 0):
            chat_type = "api_chat" if i % 9 == 4 else "sms_chat"
            chat = chat_record(rng, agent, rng.randrange(lo, hi - 3_600_000), _status(i, "chat"),
                               chat_type)
            if i % 7 == 3:
                del chat["chat_cost"]
            elif i % 19 == 2:
                del chat["chat_cost"]["combined_cost"]
            chats.append(chat)
    return Seed(calls=calls, chats=chats)


def _status(i: int, kind: str) -> str:
    if i >= 5 and i % 13 == 7:
        return "ongoing"
    if i >= 5 and i % 13 == 11:
        return "error"
    if i >= 5 and i % 17 == 8:
        return "not_connected" if kind == "call" else "error"
    return "ended"


def _duration(rng: random.Random) -> int:
    band = rng.random()
    seconds = rng.uniform(3, 90) if band < 0.5 else rng.uniform(90, 420) if band < 0.9 else (
        rng.uniform(600, 2400))
    return int(seconds * 1000)


def _new_id(rng: random.Random, prefix: str) -> str:
    return f"{prefix}_{rng.getrandbits(112):028x}"


def _person(rng: random.Random) -> tuple[str, str]:
    first = rng.choice(FIRST)
    return first, f"{first} {rng.choice(LAST)}"


def _phone(rng: random.Random) -> str:
    return f"+1{rng.choice(('514', '438', '416', '647'))}{FAKE_PHONE_MIDDLE}{rng.randrange(100):02d}"


def _costs(products: list[tuple[str, float, float]]) -> dict:
    items = [{"product": name, "unit_price": unit, "cost": round(unit * qty, 4)}
             for name, unit, qty in products]
    return {"product_costs": items, "combined_cost": round(sum(i["cost"] for i in items), 4)}


def call_record(rng: random.Random, agent: Agent, start_ms: int, duration_ms: int,
                status: str = "ended") -> dict:
    """A Retell call object as ``/v3/list-calls`` returns it (fake PHI included)."""
    first, full = _person(rng)
    record = {
        "call_id": _new_id(rng, "call"), "agent_id": agent.agent_id, "agent_version": 3,
        "call_type": "web_call" if rng.random() < 0.1 else "phone_call",
        "call_status": status, "direction": "outbound", "start_timestamp": start_ms,
        "from_number": "+18005550100", "to_number": _phone(rng),
        "metadata": {"patient_name": full, "appointment_ref": f"APT-{rng.randrange(10**6)}"},
    }
    if status == "ongoing":
        return record
    duration_ms = 0 if status == "not_connected" else duration_ms
    seconds = duration_ms / 1000
    record.update(
        end_timestamp=start_ms + duration_ms, duration_ms=duration_ms,
        disconnection_reason={"ended": "user_hangup", "error": "error_llm_websocket_runtime"}
        .get(status, "dial_no_answer"),
        transcript=f"Agent: Hello {first}, this is {agent.clinic}.\nUser: Hi, yes.",
        recording_url=f"https://recordings.example.invalid/{full.replace(' ', '_')}.wav",
        call_analysis={"call_summary": f"{full} confirmed the appointment.",
                       "user_sentiment": "Positive"},
        call_cost={**_costs([("retell_voice_engine", 0.1167, seconds),
                             ("gpt_4_1_mini", 0.0100, seconds),
                             ("retell_telephony", 0.0333, seconds)]),
                   "total_duration_seconds": int(-(-duration_ms // 1000))},
    )
    return record


def chat_record(rng: random.Random, agent: Agent, start_ms: int, status: str = "ended",
                chat_type: str = "sms_chat") -> dict:
    """A Retell chat object as ``/get-chat`` returns it, messages and fake PHI included."""
    first, full = _person(rng)
    lang = rng.choice(("en", "fr")) if agent.lang == "mixed" else agent.lang
    day = datetime.fromtimestamp(start_ms / 1000 + 2 * 86400, TORONTO).strftime("%Y-%m-%d")
    messages = _messages(rng, TEXTS[lang], start_ms,
                         {"first": first, "clinic": agent.clinic, "day": day,
                          "doctor": rng.choice(DOCTORS)})
    texts = [m for m in messages if "content" in m and m["role"] in ("agent", "user", "sms")]
    record = {
        "chat_id": _new_id(rng, "chat"), "agent_id": agent.agent_id, "version": 2,
        "chat_status": status, "chat_type": chat_type, "start_timestamp": start_ms,
        "metadata": {"patient_name": full, "patient_phone": _phone(rng)},
        "retell_llm_dynamic_variables": {"first_name": first, "clinic": agent.clinic},
        "message_with_tool_calls": messages,
        "transcript": "\n".join(f"{m['role'].title()}: {m['content']}" for m in texts),
        "chat_cost": _costs([("retell_chat", 0.2, len(texts)), ("gpt_4_1_mini", 0.0137, len(texts))]),
    }
    if status != "ongoing":
        record["end_timestamp"] = start_ms + rng.randrange(60_000, 6 * 3_600_000)
        record["chat_analysis"] = {"chat_summary": f"{full} replied to the reminder.",
                                   "user_sentiment": "Neutral", "chat_successful": True}
    return record


def _messages(rng: random.Random, texts: dict, start_ms: int, slots: dict) -> list[dict]:
    def say(role: str, text: str) -> dict:
        stamp = start_ms + 1000 * len(out)
        return {"message_id": _new_id(rng, "msg"), "role": role,
                "content": text.format(**slots), "created_timestamp": stamp}

    out: list[dict] = []
    out.append(say("agent", rng.choice(texts["remind"])))
    for _turn in range(rng.choice((0, 1, 1, 1, 2))):
        out.append(say(rng.choice(("user", "user", "sms")), rng.choice(texts["reply"])))
        if rng.random() < 0.3:
            out.extend(_tool_entries(rng, start_ms + 1000 * len(out)))
        out.append(say("agent", rng.choice(texts["done"])))
    return out


def _tool_entries(rng: random.Random, stamp: int) -> list[dict]:
    call_id = _new_id(rng, "tool")
    return [
        {"role": "tool_call_invocation", "tool_call_id": call_id, "name": "book_appointment",
         "arguments": '{"slot": "thursday-14:30"}', "created_timestamp": stamp},
        {"role": "tool_call_result", "tool_call_id": call_id, "content": '{"ok": true}',
         "successful": True, "created_timestamp": stamp},
        {"role": "node_transition", "former_node_name": "reminder", "new_node_name": "rebook",
         "created_timestamp": stamp},
        {"role": "state_transition", "former_state_name": "ask", "new_state_name": "confirm",
         "created_timestamp": stamp},
    ]
