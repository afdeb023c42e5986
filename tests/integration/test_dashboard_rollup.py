"""The daily and monthly usage rollups the dashboard reads stay equal to the ledger through
inserts, upserts, updates, invoice claims, deletes, rollbacks, concurrent
writers and a change of billing time zone."""
from __future__ import annotations

import random
import threading
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import psycopg
import pytest

ZERO = Decimal(0)
COLUMNS = ("chats", "calls", "sms_segments", "billed_minutes", "twilio_sms_usd",
           "twilio_voice_usd", "retell_chat_usd_cents", "retell_voice_usd_cents")
INSERT = (
    "insert into usage_records (source, external_id, agent_id, started_at, sms_segments,"
    " billed_minutes, twilio_cost_usd, retell_cost_usd_cents) values (%s, %s, %s, %s, %s, %s,"
    " %s, %s) on conflict (source, external_id) do update set"
    " twilio_cost_usd = excluded.twilio_cost_usd, sms_segments = excluded.sms_segments")


def expected_rollup(conn: psycopg.Connection) -> dict:
    """Per (agent, local day) and (agent, local month) sums of the ledger, computed here."""
    zone = ZoneInfo(conn.execute("select billing_time_zone from billing_settings").fetchone()[0])
    sums: dict = {grain: defaultdict(lambda: dict.fromkeys(COLUMNS, ZERO))
                  for grain in ("daily", "monthly")}
    for source, agent, started, segments, minutes, twilio, retell in conn.execute(
            "select source, agent_id, started_at, sms_segments, billed_minutes,"
            " twilio_cost_usd, retell_cost_usd_cents from usage_records"):
        day = started.astimezone(zone).date()
        chat = source == "retell_chat"
        for row in (sums["daily"][(agent, day)], sums["monthly"][(agent, day.replace(day=1))]):
            row["chats" if chat else "calls"] += 1
            row["sms_segments"] += segments
            row["billed_minutes"] += minutes
            row["twilio_sms_usd" if chat else "twilio_voice_usd"] += twilio
            row["retell_chat_usd_cents" if chat else "retell_voice_usd_cents"] += retell
    return {grain: dict(rows) for grain, rows in sums.items()}


def actual_rollup(conn: psycopg.Connection) -> dict:
    """Both rollups' rows, leaving out rows that went back to all zeros."""
    out = {}
    for grain, bucket in (("daily", "usage_day"), ("monthly", "usage_month")):
        rows = conn.execute(f"select agent_id, {bucket}, {', '.join(COLUMNS)}"
                            f" from billing_usage_{grain}").fetchall()
        out[grain] = {(r[0], r[1]): dict(zip(COLUMNS, r[2:], strict=True)) for r in rows
                      if r[2] or r[3]}
    return out


def insert_in_one_statement(conn: psycopg.Connection, rows: list[tuple]) -> None:
    """One multi-row insert (one trigger run); external ids made unique per call."""
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    unique = [(r[0], f"{r[1]}_{i}", *r[2:]) for i, r in enumerate(rows)]
    conn.execute(INSERT.split(" values ")[0] + f" values {values}",
                 [value for row in unique for value in row])


def random_usage(rnd: random.Random, n: int, prefix: str) -> list[tuple]:
    base = datetime(2026, 10, 30, tzinfo=UTC)
    return [(rnd.choice(["retell_chat", "retell_call"]), f"{prefix}{rnd.randrange(60)}",
             rnd.choice(["a1", "a2", None]), base + timedelta(minutes=rnd.randrange(4 * 1440)),
             rnd.randint(0, 9), rnd.randint(0, 9), Decimal(rnd.randint(0, 99_999)) / 100_000,
             Decimal(rnd.randint(0, 99_999)) / 1_000) for _ in range(n)]


def test_the_rollup_equals_the_ledger_after_every_kind_of_write(admin_conn):
    rnd = random.Random(11)
    admin_conn.execute("insert into billing_customers (id, customer_name, customer_email)"
                       " values ('44444444-4444-4444-4444-444444444444', 'Clinic', 'c@c.test')")
    invoice = admin_conn.execute(
        "insert into invoice_records (billing_customer_id, billing_period_start,"
        " billing_period_end, subtotal_cad, total_amount_cad) values"
        " ('44444444-4444-4444-4444-444444444444', '2026-10-01', '2026-10-31', 0, 0)"
        " returning id").fetchone()[0]
    writes = [
        lambda c: c.cursor().executemany(INSERT, random_usage(rnd, 40, "x")),
        lambda c: c.execute("update usage_records set invoice_id = %s where agent_id = 'a1'",
                            [invoice]),
        lambda c: c.execute("update usage_records set started_at = started_at + interval '5h',"
                            " agent_id = 'a2' where id % 3 = 0"),
        lambda c: c.execute("update usage_records set retell_cost_usd_cents = 1.5,"
                            " source = 'retell_call', external_id = 'moved' || id"
                            " where id % 4 = 1"),
        lambda c: c.execute("delete from usage_records where id % 5 = 2"),
    ]
    for step in range(25):
        write = writes[step % len(writes)]
        if step % 7 == 6:
            with pytest.raises(RuntimeError), admin_conn.transaction():
                write(admin_conn)
                raise RuntimeError("rolled back")
        else:
            write(admin_conn)
        assert actual_rollup(admin_conn) == expected_rollup(admin_conn), step
    admin_conn.execute("truncate usage_records")
    assert actual_rollup(admin_conn) == {"daily": {}, "monthly": {}} == expected_rollup(
        admin_conn)


def test_a_time_zone_change_rebuilds_the_rollup_in_the_new_zone(admin_conn):
    admin_conn.cursor().executemany(INSERT, random_usage(random.Random(5), 60, "tz"))
    admin_conn.execute("update billing_settings set billing_time_zone = 'Asia/Kolkata'")
    assert actual_rollup(admin_conn) == expected_rollup(admin_conn)
    days = set(actual_rollup(admin_conn)["daily"])
    admin_conn.execute("update billing_settings set billing_time_zone = 'America/Vancouver'")
    assert actual_rollup(admin_conn) == expected_rollup(admin_conn)
    assert set(actual_rollup(admin_conn)["daily"]) != days


def test_concurrent_writers_and_a_zone_change_leave_the_rollup_exact(db_url, admin_conn):
    """A usage insert in flight makes a zone change wait, and the other way round."""
    writer = psycopg.connect(db_url)
    rows = random_usage(random.Random(8), 30, "w")
    insert_in_one_statement(writer, rows[:15])  # open transaction, not committed
    changed = threading.Event()

    def change_zone() -> None:
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("update billing_settings set billing_time_zone = 'Europe/Paris'")
        changed.set()

    thread = threading.Thread(target=change_zone)
    thread.start()
    assert not changed.wait(1.0), "the zone change must wait for the usage write"
    insert_in_one_statement(writer, rows[15:])
    writer.commit()
    thread.join(10)
    assert changed.is_set()
    writer.close()
    assert actual_rollup(admin_conn) == expected_rollup(admin_conn)


def test_usage_written_during_a_zone_change_lands_in_the_new_zone(db_url, admin_conn):
    admin_conn.cursor().executemany(INSERT, random_usage(random.Random(9), 20, "before"))
    changer = psycopg.connect(db_url)
    changer.execute("update billing_settings set billing_time_zone = 'Pacific/Auckland'")
    written = threading.Event()

    def write_usage() -> None:
        with psycopg.connect(db_url, autocommit=True) as conn:
            insert_in_one_statement(conn, random_usage(random.Random(10), 40, "during"))
        written.set()

    thread = threading.Thread(target=write_usage)
    thread.start()
    assert not written.wait(1.0), "the usage write must wait for the zone change"
    changer.commit()
    thread.join(10)
    assert written.is_set()
    changer.close()
    assert actual_rollup(admin_conn) == expected_rollup(admin_conn)
