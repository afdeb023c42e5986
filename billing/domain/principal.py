"""Who is acting: a gated user (RLS applies) or the system (timer, webhooks)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Principal:
    """A caller who passed the access gate. ``claims`` go to ``request.jwt.claims``."""

    user_id: str
    role: str
    claims: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def rls_claims(self) -> dict[str, Any]:
        """The claims PostgreSQL sees: ``sub`` is always our resolved user id."""
        return {**self.claims, "sub": self.user_id, "role": "authenticated"}


SYSTEM_ACTOR = "system"
