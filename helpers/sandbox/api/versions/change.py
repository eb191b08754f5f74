"""One change between API versions (the base of every ``vYYYY_MM_DD_…`` module)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def date_of(version: str) -> str:
    return version.split(".")[0]


@dataclass(frozen=True)
class VersionChange:
    """One change between API versions. Subclasses override the hooks they need."""

    version: str  # the first version that has the new behaviour
    title: str

    def applies_to(self, request_version: str) -> bool:
        """True when the request is older than this change (the change must be undone)."""
        return date_of(request_version) < date_of(self.version)

    def request_on_or_after(self, route: str, params: dict[str, Any]) -> None:
        """Checks on requests at this version or newer (e.g. a parameter now refused)."""

    def request_before(self, route: str, params: dict[str, Any]) -> None:
        """Bring a request from an older version up to the newest shape (in place)."""

    def response_before(self, obj: dict[str, Any]) -> None:
        """Take a response object back to the older shape (in place)."""
