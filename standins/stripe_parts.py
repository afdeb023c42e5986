"""What one Stripe stand-in holds: objects, API pipeline, faults and webhooks."""
from __future__ import annotations

from standins.stripe_api import StripeApi
from standins.stripe_faults import Faults
from standins.stripe_state import StripeState
from standins.stripe_webhooks import Webhooks


class StripeParts:
    """Everything one stand-in holds: objects, API pipeline, faults, webhooks."""

    def __init__(self, base_url: str = "", valid_keys: set[str] | None = None) -> None:
        self.base_url = base_url
        self.state = StripeState()
        self.faults = Faults()
        self.webhooks = Webhooks()
        self.api = StripeApi(self.state, self.faults, lambda: self.base_url, valid_keys)

    def reset(self) -> None:
        self.faults.clear()
        self.webhooks.reset()
        self.api.reset()
        self.state.reset()
