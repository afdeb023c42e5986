"""What the access gate reads and writes: the CareXPS user_settings row and
our billing_access_state row (MFA step, verification, lockout, daily access).

Run in a ``system_session``: users cannot write billing_access_state.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from billing.adapters.postgres.sessions import Connection

_SELECT = (
    "select us.user_id::text as user_id, us.role, us.fresh_mfa_enabled,"
    " us.fresh_mfa_setup_completed, us.fresh_mfa_secret, s.last_used_step,"
    " s.verified_until, s.locked_until, s.last_admin_access_on"
    " from user_settings us {join} billing_access_state s on s.user_id = us.user_id"
    " where us.user_id = %s"
)


@dataclass(frozen=True)
class UserAccess:
    """A user's role, MFA flags and gate state (the secret stays encrypted)."""

    user_id: str
    role: str
    mfa_enabled: bool
    mfa_setup_completed: bool
    mfa_secret: str | None = field(repr=False)
    last_used_step: int | None = None
    verified_until: datetime | None = None
    locked_until: datetime | None = None
    last_admin_access_on: date | None = None

    @property
    def mfa_ready(self) -> bool:
        """MFA is both enabled and set up."""
        return self.mfa_enabled and self.mfa_setup_completed


def load_user_access(conn: Connection, user_id: str, *, lock: bool = False
                     ) -> UserAccess | None:
    """The user's access facts, or None without a user_settings row.

    ``lock=True`` creates the state row if needed and locks it until commit
    (MFA verification: one code check per user at a time).
    """
    if lock:
        conn.execute("insert into billing_access_state (user_id) select user_id"
                     " from user_settings where user_id = %s on conflict do nothing", [user_id])
    query = _SELECT.format(join="join") + " for update of s" if lock \
        else _SELECT.format(join="left join")
    row = conn.execute(query, [user_id]).fetchone()
    if row is None:
        return None
    return UserAccess(
        user_id=row["user_id"], role=row["role"] or "", mfa_enabled=bool(row["fresh_mfa_enabled"]),
        mfa_setup_completed=bool(row["fresh_mfa_setup_completed"]),
        mfa_secret=row["fresh_mfa_secret"], last_used_step=row["last_used_step"],
        verified_until=row["verified_until"], locked_until=row["locked_until"],
        last_admin_access_on=row["last_admin_access_on"])


def record_verification(conn: Connection, user_id: str, *, step: int, at: datetime,
                        until: datetime) -> None:
    """A code for ``step`` was accepted at ``at``; verified until ``until``."""
    conn.execute("update billing_access_state set last_used_step = %s, verified_at = %s,"
                 " verified_until = %s, locked_until = null where user_id = %s",
                 [step, at, until, user_id])


def lock_verification(conn: Connection, user_id: str, *, until: datetime) -> None:
    """Refuse code checks for this user until ``until``."""
    conn.execute("update billing_access_state set locked_until = %s where user_id = %s",
                 [until, user_id])


def mark_admin_access(conn: Connection, user_id: str, day: date) -> bool:
    """Record the first admin request of ``day``; True only for the first one."""
    row = conn.execute(
        "update billing_access_state set last_admin_access_on = %s where user_id = %s"
        " and last_admin_access_on is distinct from %s returning user_id", [day, user_id, day]
    ).fetchone()
    return row is not None
