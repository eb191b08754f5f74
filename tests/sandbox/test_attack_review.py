"""Issue 19, item 4: what the attack review found, each attacked again here."""

from __future__ import annotations

import httpx
import pytest

from support.stripe_objects import error_of

HUGE = "9" * 5000  # past Python's 4,300-digit limit for int(str)
PAST_INT64 = str(2**63)  # 9223372036854775808


# --------------------------------------------------------------------------- huge integers


@pytest.mark.parametrize(("method", "path", "params", "param"), [
    ("POST", "/v1/customers", {"balance": HUGE}, "balance"),
    ("POST", "/v1/customers", {"balance": PAST_INT64}, "balance"),
    ("GET", "/v1/customers", {"limit": HUGE}, "limit"),
    ("GET", "/v1/customers", {"created[gt]": HUGE}, "created[gt]"),
    ("GET", "/v1/events", {"created[lte]": "-" + HUGE}, "created[lte]"),
    ("POST", "/v1/prices", {"product_data[name]": "x", "currency": "usd", "unit_amount_decimal": HUGE},
     "unit_amount_decimal"),
    ("POST", "/v1/subscriptions", {"customer": "cus_x", f"items[{HUGE}][price]": "price_x"}, "items[999"),
])
def test_integers_too_large_are_a_400_not_a_500(http, method, path, params, param):
    answer = http.request(method, path, params=params if method == "GET" else None,
                          data=params if method == "POST" else None)
    assert answer.status_code == 400, answer.text
    error = error_of(answer)
    assert error["code"] in ("parameter_invalid_integer", "parameter_invalid_decimal")
    assert error["param"].startswith(param) and len(error["param"]) < 140  # quoted shortened too
    assert len(error["message"]) < 300  # the value is quoted shortened, never whole


@pytest.mark.parametrize("query", [f"created>{PAST_INT64}", f"created<{'9' * 4400}", f"created:{'9' * 4400}"])
def test_a_search_by_a_number_too_large_is_a_400(http, query):
    answer = http.get("/v1/customers/search", params={"query": query})
    assert answer.status_code == 400, answer.text
    error = error_of(answer)
    assert (error["code"], error["param"]) == ("parameter_invalid_integer", "query")
    assert len(error["message"]) < 300


# --------------------------------------------------------------------------- invoice_prefix


@pytest.mark.parametrize("prefix", ['AB"C', "ÄBC", "abc", "ABCDEFGHIJKLM", "AB C", "AB-1", "Ｘ"])
def test_invoice_prefix_is_1_to_12_uppercase_letters_or_digits(http, prefix):
    """stripe-python 16.1, CustomerCreateParams.invoice_prefix: "Must be 1–12 uppercase letters or
    numbers." A quote broke the PDF's Content-Disposition, non-ASCII made the PDF a 500."""
    created = http.post("/v1/customers", data={"invoice_prefix": prefix})
    customer = http.post("/v1/customers").json()["id"]
    updated = http.post(f"/v1/customers/{customer}", data={"invoice_prefix": prefix})
    for answer in (created, updated):
        assert answer.status_code == 400, answer.text
        assert error_of(answer)["param"] == "invoice_prefix"


def test_a_valid_invoice_prefix_numbers_the_invoices_and_names_the_pdf(http):
    customer = http.post("/v1/customers", data={"invoice_prefix": "SHOP2027"}).json()
    assert customer["invoice_prefix"] == "SHOP2027"
    renamed = http.post(f"/v1/customers/{customer['id']}", data={"invoice_prefix": "ZZ9"})
    assert renamed.status_code == 200 and renamed.json()["invoice_prefix"] == "ZZ9"
    product = http.post("/v1/products", data={"name": "Stock photos"}).json()
    price = http.post("/v1/prices", data={"product": product["id"], "unit_amount": 1500, "currency": "usd",
                                          "recurring[interval]": "month"}).json()
    sub = http.post("/v1/subscriptions", data={"customer": customer["id"], "items[0][price]": price["id"],
                                               "payment_behavior": "default_incomplete"}).json()
    invoice = http.get(f"/v1/invoices/{sub['latest_invoice']}").json()
    assert invoice["number"] == "ZZ9-0001"
    pdf = httpx.get(invoice["invoice_pdf"])
    assert pdf.status_code == 200 and pdf.headers["content-disposition"] == 'inline; filename="Invoice-ZZ9-0001.pdf"'
