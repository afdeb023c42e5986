"""Loopback stand-in for the Bank of Canada Valet API, series FXUSDCAD only.

``GET /valet/observations/FXUSDCAD/json`` with ``?recent=N`` or
``?start_date=YYYY-MM-DD&end_date=YYYY-MM-DD``, in Valet's shape
(``{"terms", "seriesDetail", "observations": [{"d", "FXUSDCAD": {"v": "1.3245"}}]}``,
values as strings, CAD per USD). Rates are deterministic, one per Bank business
day from 2017-01-03 up to ``today``: none on weekends, New Year's Day, Family
Day (third Monday of February), Canada Day, Christmas and Boxing Day.

Faults for tests: ``inject_fault(status=500)`` or ``inject_fault(hang=True)``
(the request gets no answer until ``reset``/``stop`` or 30 s) for the next N
requests. Run: ``python -m standins.boc --port 8082``.
"""
from __future__ import annotations

import argparse
import json
import math
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from standins._serve import serve_until_interrupted

SERIES = "FXUSDCAD"
FIRST_OBSERVATION = date(2017, 1, 3)
_PATH = f"/valet/observations/{SERIES}/json"
_HANG_LIMIT_S = 30.0


def holidays(year: int) -> set[date]:
    """The Bank holidays the stand-in knows (no "observed" shifting)."""
    february = date(year, 2, 1)
    family_day = february + timedelta(days=(7 - february.weekday()) % 7 + 14)
    return {date(year, 1, 1), family_day, date(year, 7, 1), date(year, 12, 25),
            date(year, 12, 26)}


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in holidays(day.year)


def rate_for(day: date) -> Decimal:
    """The deterministic USD→CAD rate of a business day, 4 decimals."""
    n = day.toordinal()
    value = 1.35 + 0.04 * math.sin(n / 23) + 0.005 * math.sin(n / 3.1)
    return Decimal(f"{value:.4f}")


def observations(first: date, last: date) -> list[dict[str, Any]]:
    """Valet observations of every business day in [first, last], oldest first."""
    day, out = max(first, FIRST_OBSERVATION), []
    while day <= last:
        if is_business_day(day):
            out.append({"d": day.isoformat(), SERIES: {"v": str(rate_for(day))}})
        day += timedelta(days=1)
    return out


def recent(today: date, count: int) -> list[dict[str, Any]]:
    """The last ``count`` observations on or before ``today``."""
    first = max(FIRST_OBSERVATION, today - timedelta(days=2 * count + 10))
    return observations(first, today)[-count:]


@dataclass
class _Fault:
    status: int
    count: int
    hang: bool


class BocStandin:
    """A running Valet stand-in; ``today`` None means the machine's date."""

    def __init__(self, today: date | None = None, *, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.today = today
        self.requests: list[str] = []
        self._faults: list[_Fault] = []
        self._release = threading.Event()
        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._server.standin = self  # type: ignore[attr-defined]

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/valet"

    def start(self) -> BocStandin:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        """No faults, hung requests released, empty request log."""
        self._release.set()
        self._release = threading.Event()
        self._faults.clear()
        self.requests.clear()

    def inject_fault(self, status: int = 500, count: int = 1, *, hang: bool = False) -> None:
        self._faults.append(_Fault(status, count, hang))

    def hold(self) -> None:
        """Block a hung request until ``reset``/``stop`` (or the hang limit)."""
        self._release.wait(_HANG_LIMIT_S)

    def take_fault(self) -> _Fault | None:
        for fault in self._faults:
            if fault.count > 0:
                fault.count -= 1
                return fault
        return None

    def answer(self, target: str) -> tuple[int, dict[str, Any]]:
        """(status, body) for a request target such as ``/valet/...?recent=1``."""
        parts = urlsplit(target)
        if not parts.path.startswith("/valet/observations/"):
            return 404, {"message": "Not found."}
        if parts.path != _PATH:
            series = parts.path.split("/")[3]
            return 404, {"message": f"Series {series} not found."}
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        today = self.today or date.today()
        try:
            if "recent" in query:
                found = recent(today, max(1, int(query["recent"])))
            else:
                first = date.fromisoformat(query.get("start_date", FIRST_OBSERVATION.isoformat()))
                last = min(today, date.fromisoformat(query.get("end_date", today.isoformat())))
                found = observations(first, last)
        except ValueError:
            return 400, {"message": "Bad request: invalid query parameter."}
        return 200, {
            "terms": {"url": "https://www.bankofcanada.ca/terms/"},
            "seriesDetail": {SERIES: {"label": "USD/CAD",
                                      "description": "US dollar to Canadian dollar daily "
                                                     "exchange rate",
                                      "dimension": {"key": "d", "name": "Date"}}},
            "observations": found,
        }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 60

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the request log is ``BocStandin.requests``."""

    def do_GET(self) -> None:
        standin: BocStandin = self.server.standin  # type: ignore[attr-defined]
        standin.requests.append(self.path)
        fault = standin.take_fault()
        if fault and fault.hang:
            standin.hold()
            self.close_connection = True
            return
        status, body = (fault.status, {"message": "Internal error."}) if fault else (
            standin.answer(self.path))
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Bank of Canada Valet stand-in on loopback")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--today", type=date.fromisoformat, default=None)
    args = parser.parse_args(argv)
    standin = BocStandin(args.today, port=args.port).start()
    serve_until_interrupted(standin, f"Bank of Canada stand-in on {standin.base_url}")


if __name__ == "__main__":
    main()
