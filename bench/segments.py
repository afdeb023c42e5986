"""Messages per second through count_segments, and through Twilio's JS calculator.

Run from the repository root:  .venv/bin/python -m bench.segments [--messages N]
The JS half needs node and the npm package, installed outside the repository:
    npm install --prefix /tmp/smscalc sms-segments-calculator
Rates are per CPU second of this process (the machine may be shared); the
loop calibration line says how fast this Python is running at the moment.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # `python bench/X.py`: the repository root is importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json
import os
import random
import shutil
import subprocess
import tempfile
import time

from billing.domain.sms import STANDARD, TOLL_FREE, SegmentRules, count_segments

_WORDS = ("appointment", "reminder", "clinic", "tomorrow", "confirm", "reschedule", "please",
          "arrive", "early", "thanks", "physio", "session", "results", "ready", "call", "front",
          "desk", "booked", "with", "doctor", "Monday", "Tuesday", "at")
_WORDS_FR = ("rendez-vous", "rappel", "clinique", "demain", "confirmer", "reporter", "merci",
             "arrivez", "tôt", "séance", "résultats", "prêts", "appelez", "accueil", "réservé",
             "avec", "médecin", "lundi", "mardi", "à", "été", "déjà")
_UCS2_EXTRAS = ("ç", "ê", "ô", "’", "…", "😀", "👍🏽", "🇨🇦", "诊所", "موعد", "—")
_GSM_EXTRAS = ("€", "[", "]", "{", "}", "~", "|", "^")

JS_RUNNER = """
const { createRequire } = require('node:module');
const path = require('node:path');
const req = createRequire(path.join(process.argv[1], 'node_modules', '/'));
const { SegmentedMessage } = req('sms-segments-calculator');
const texts = JSON.parse(require('node:fs').readFileSync(process.argv[2], 'utf8'));
const started = process.cpuUsage();
let segments = 0;
for (const text of texts) segments += new SegmentedMessage(text, 'auto', false).segmentsCount;
const used = process.cpuUsage(started);
const seconds = (used.user + used.system) / 1e6;
console.log(JSON.stringify({ seconds, segments }));
"""


def corpus(count: int, seed: int = 7) -> list[str]:
    """Unique synthetic messages of 20–600 characters, about half of them UCS-2.

    English and French clinic-reminder words; now and then a GSM extension
    character, or a character outside the GSM table (accent, emoji, CJK, Arabic).
    """
    rng = random.Random(seed)
    texts = []
    for index in range(count):
        words = _WORDS_FR if rng.random() < 0.3 else _WORDS
        parts = [f"#{index}"]
        target = rng.choice((rng.randint(20, 160), rng.randint(20, 160), rng.randint(20, 600)))
        while sum(map(len, parts)) + len(parts) < target:
            parts.append(rng.choice(words))
            roll = rng.random()
            if roll < 0.03:
                parts.append(rng.choice(_UCS2_EXTRAS))
            elif roll < 0.06:
                parts.append(rng.choice(_GSM_EXTRAS))
        texts.append(" ".join(parts)[:target])
    return texts


def time_python(texts: list[str], rules: SegmentRules, repeat: int = 3) -> tuple[float, int]:
    """Best CPU seconds of ``repeat`` runs counting every text, and the total segments."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        total = sum(count_segments(text, rules).segments for text in texts)
        best = min(best, time.process_time() - started)
    return best, total


def loop_calibration() -> float:
    """Nanoseconds per iteration of an empty Python loop (about 10 on an idle core)."""
    started = time.process_time()
    for _ in range(5_000_000):
        pass
    return (time.process_time() - started) / 5_000_000 * 1e9


def time_node(texts: list[str], prefix: Path) -> tuple[float, int] | None:
    """CPU seconds and total segments under Twilio's calculator; None if not installed."""
    if not (prefix / "node_modules" / "sms-segments-calculator").is_dir() or not shutil.which("node"):
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as file:
        json.dump(texts, file)
        file.flush()
        out = subprocess.run(["node", "-e", JS_RUNNER, str(prefix), file.name],
                             capture_output=True, text=True, check=True).stdout
    result = json.loads(out)
    return result["seconds"], result["segments"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--smscalc", type=Path, default=Path(tempfile.gettempdir()) / "smscalc")
    args = parser.parse_args()
    texts = corpus(args.messages)
    gsm = sum(count_segments(t).encoding == "GSM-7" for t in texts)
    print(f"corpus: {len(texts)} unique messages, {gsm} GSM-7, {len(texts) - gsm} UCS-2, "
          f"{sum(map(len, texts)) / len(texts):.0f} characters on average")
    print(f"loop calibration: {loop_calibration():.1f} ns per empty iteration; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    py_seconds, py_segments = time_python(texts, STANDARD)
    print(f"python count_segments, STANDARD: {len(texts) / py_seconds:,.0f} msg/s "
          f"({py_seconds:.3f} CPU s, {py_segments} segments)")
    tf_seconds, tf_segments = time_python(texts, TOLL_FREE)
    print(f"python count_segments, TOLL_FREE: {len(texts) / tf_seconds:,.0f} msg/s "
          f"({tf_seconds:.3f} CPU s, {tf_segments} segments)")
    node = time_node(texts, args.smscalc)
    if node is None:
        print(f"node calculator: skipped; install it with "
              f"npm install --prefix {args.smscalc} sms-segments-calculator")
        return
    js_seconds, js_segments = node
    print(f"node sms-segments-calculator: {len(texts) / js_seconds:,.0f} msg/s "
          f"({js_seconds:.3f} CPU s, {js_segments} segments)")
    agree = "agree" if js_segments == py_segments else "DIFFER"
    print(f"python / calculator speed: {js_seconds / py_seconds:.1f}x; segment totals {agree}")


if __name__ == "__main__":
    main()
