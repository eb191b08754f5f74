"""Small pieces every resource uses."""

from __future__ import annotations

from typing import Any

from ...limits import MAX_AMOUNT  # noqa: F401 - the resources' one import of it
from ..api.context import ApiRequest
from ..api.schema import METADATA_KEYS
from ..shared.errors import StripeError

# The ISO 4217 currencies Stripe accepts for prices (lowercase, as the API sends them).
CURRENCIES = frozenset("""
aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd bwp byn bzd cad cdf
chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq gyd hkd hnl htg
huf idr ils inr isk jmd jod jpy kes kgs khr kmf krw kwd kyd kzt lak lbp lkr lrd lsl mad mdl mga mkd mmk
mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd omr pab pen pgk php pkr pln pyg qar ron rsd rub
rwf sar sbd scr sek sgd shp sle sos srd std szl thb tjs tnd top try ttd twd tzs uah ugx usd uyu uzs vnd
vuv wst xaf xcd xof xpf yer zar zmw
""".split())

# The last second a date can show (9999-12-31 23:59:59 UTC): later timestamps are refused.
MAX_TIMESTAMP = 253_402_300_799

ADDRESS_FIELDS = ("city", "country", "line1", "line2", "postal_code", "state")


def address(given: dict[str, Any] | None) -> dict[str, Any]:
    """An address hash as Stripe sends it: every field, null where not given."""
    return {k: (given or {}).get(k) for k in ADDRESS_FIELDS}


def check_currency(currency: str, param: str = "currency") -> str:
    """The currency, lowercased; Stripe's error for one it does not support."""
    code = currency.lower()
    if code not in CURRENCIES:
        raise StripeError(
            f"Invalid currency: {currency}. Stripe currently supports these currencies: "
            f"{', '.join(sorted(CURRENCIES))}",
            param=param,
        )
    return code


def metadata(current: dict[str, str] | None, given: Any, param: str = "metadata") -> dict[str, str]:
    """Stripe's metadata update: keys merge; ``""`` unsets a key; ``metadata=""`` clears all. The
    merged hash keeps Stripe's limit of 50 keys (``schema`` checks each key and value)."""
    if given is None:
        return {}
    out = dict(current or {})
    for key, value in given.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = str(value)
    if len(out) > METADATA_KEYS:
        raise StripeError(f"Metadata can have up to {METADATA_KEYS} keys, but you've set {len(out)}.", param=param)
    return out


def apply_updates(obj: dict[str, Any], params: dict[str, Any], fields: tuple[str, ...]) -> None:
    for name in fields:
        if name in params:
            obj[name] = params[name]
    if "metadata" in params:
        obj["metadata"] = metadata(obj.get("metadata"), params["metadata"])


class CreatedRange:
    """``created[gt|gte|lt|lte]`` or ``created=<ts>``: a predicate on objects, whose ``bounds``
    a list hands to SQL (the ``created`` column is indexed)."""

    CHECKS = {"gt": lambda a, b: a > b, "gte": lambda a, b: a >= b, "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b}

    def __init__(self, created: int | dict[str, int]) -> None:
        self.bounds = {"gte": created, "lte": created} if isinstance(created, int) else dict(created)

    def __call__(self, obj: dict[str, Any]) -> bool:
        return all(self.CHECKS[op](obj["created"], value) for op, value in self.bounds.items())


def created_filter(req: ApiRequest) -> CreatedRange | None:
    created = req.params.get("created")
    return None if created is None else CreatedRange(created)


def deleted(object_type: str, object_id: str) -> dict[str, Any]:
    return {"id": object_id, "object": object_type, "deleted": True}


