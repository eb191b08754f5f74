"""Stripe's error envelope: ``{"error": {"type", "code", "message", "param", "doc_url"}}``."""

from __future__ import annotations

from typing import Any

DOC_BASE = "https://stripe.com/docs/error-codes/"
# Stripe's own IDs are at most 255 characters ("You can safely assume object IDs we generate will
# never exceed 255 characters", docs.stripe.com/upgrades): longer input is not echoed in full.
ECHO_LIMIT = 255


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` as an error message may quote it: at most ``limit`` characters."""
    return text if len(text) <= limit else text[:limit] + f"… ({len(text):,} characters)"


class StripeError(Exception):
    """An error the sandbox answers with, in Stripe's envelope and status code."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        keep_state: bool = False,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.keep_state = keep_state
        self.extra = extra

    def body(self, request_log_url: str | None = None) -> dict[str, Any]:
        """The envelope; ``request_log_url``: where a browser shows the failed request."""
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = DOC_BASE + self.code.replace("_", "-")
        if self.param:
            error["param"] = self.param
        if request_log_url:
            error["request_log_url"] = request_log_url
        error.update(self.extra)
        return {"error": error}


def missing(kind: str, object_id: str, param: str = "id") -> StripeError:
    return StripeError(
        f"No such {kind}: '{shorten(object_id)}'", status=404, code="resource_missing", param=param
    )


def param_missing(param: str) -> StripeError:
    return StripeError(f"Missing required param: {param}.", code="parameter_missing", param=param)


def param_unknown(param: str) -> StripeError:
    return StripeError(
        f"Received unknown parameter: {param}", code="parameter_unknown", param=param
    )


def param_invalid(param: str, message: str, code: str = "parameter_invalid_string") -> StripeError:
    return StripeError(message, code=code, param=param)
