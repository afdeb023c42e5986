"""Stripe's error responses: ``{"error": {type, code, message, param, doc_url}}``."""
from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answer; ``stored`` says whether an idempotency key keeps it.

    Stripe saves the result of a request once the endpoint started executing
    (state errors included) but not parameter validation failures.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        stored: bool = True,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.stored = stored
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = "https://stripe.com/docs/error-codes/" + self.code.replace("_", "-")
        if self.param:
            error["param"] = self.param
        return {"error": error}


def no_such(kind: str, object_id: str, param: str = "id") -> ApiError:
    return ApiError(404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)


def unknown_parameter(name: str) -> ApiError:
    return ApiError(
        400, f"Received unknown parameter: {name}", code="parameter_unknown", param=name, stored=False
    )


def missing_parameter(name: str) -> ApiError:
    return ApiError(
        400, f"Missing required param: {name}.", code="parameter_missing", param=name, stored=False
    )


def invalid_parameter(message: str, name: str, code: str | None = None) -> ApiError:
    return ApiError(400, message, code=code, param=name, stored=False)


def state_error(message: str, code: str | None = None, param: str | None = None) -> ApiError:
    """A request refused because of the object's state (kept by idempotency)."""
    return ApiError(400, message, code=code, param=param)


def unrecognized_url(method: str, path: str) -> ApiError:
    return ApiError(
        404,
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
        "or we can help at https://support.stripe.com/.",
        stored=False,
    )


def no_api_key() -> ApiError:
    return ApiError(
        401,
        "You did not provide an API key. You need to provide your API key in the "
        "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        stored=False,
    )


def invalid_api_key(key: str) -> ApiError:
    shown = key[:8] + "*" * max(0, len(key) - 12) + key[-4:] if len(key) > 12 else key
    return ApiError(401, f"Invalid API Key provided: {shown}", stored=False)


def rate_limited(retry_after: int) -> ApiError:
    return ApiError(
        429,
        "Request rate limit exceeded. Learn more about rate limits here "
        "https://stripe.com/docs/rate-limits.",
        code="rate_limit",
        stored=False,
        headers={"Retry-After": str(retry_after)},
    )


def api_error() -> ApiError:
    return ApiError(
        500,
        "Sorry, something went wrong. We've already been notified of the problem, "
        "but if you need any help, you can reach us at support.stripe.com/contact.",
        type="api_error",
        stored=False,
    )


def idempotency_mismatch(key: str, first: str, now: str) -> ApiError:
    """The key was first used with other parameters, or at another endpoint."""
    if first != now:
        reason = f"for the same endpoint they were first used for ('{first}' vs '{now}')"
    else:
        reason = "with the same parameters they were first used with"
    return ApiError(
        400,
        f"Keys for idempotent requests can only be used {reason}. Try using a key other "
        f"than '{key}' if you meant to execute a different request.",
        type="idempotency_error",
        stored=False,
    )


def idempotency_in_use() -> ApiError:
    return ApiError(
        409,
        "There is currently another in-progress request using this Idempotent Key "
        "(that probably means you submitted twice, and the other request is still going "
        "through). Please try again later.",
        code="idempotency_key_in_use",
        stored=False,
    )
