"""Wrong answers learners really give, at least two per exercise, each with the words of the hint
it must get. Each is the code of an exercise's cell (its first line starts the exercise), run in
a kernel whose namespace has client, progress, stripe, check, dt and time (the notebooks' own)."""

from __future__ import annotations

GUIDE_SETUP = """{
    "confirm": True, "customer": progress.require("customer"), "usage": "off_session",
    "payment_method_data": {"type": "amazon_pay"}, "mandate_data": progress.GUIDE_MANDATE,
    "return_url": "https://www.stripe.com"}"""

WRONG: dict[str, list[tuple[str, str]]] = {
    "01-yearly-price": [
        ("""check.start("01-yearly-price")
client.v1.prices.create(params={"product": progress.require("product"), "unit_amount": 150,
                                "currency": "usd", "recurring": {"interval": "year"}})
""", "smallest unit"),
        ("""check.start("01-yearly-price")
client.v1.prices.create(params={"product": progress.require("product"), "unit_amount": 15000,
                                "currency": "usd", "recurring": {"interval": "month", "interval_count": 12}})
""", "Every 12 months"),
        ("""check.start("01-yearly-price")
client.v1.prices.create(params={"product": progress.require("product"), "unit_amount": 15000,
                                "currency": "usd"})
""", "one-time"),
        ("""check.start("01-yearly-price")
other = client.v1.products.create(params={"name": "Another product"})
client.v1.prices.create(params={"product": other.id, "unit_amount": 15000, "currency": "usd",
                                "recurring": {"interval": "year"}})
""", "belongs to product"),
    ],
    "01-default-price": [
        ("""check.start("01-default-price")
yearly = client.v1.prices.create(params={"product": progress.require("product"), "unit_amount": 15000,
                                         "currency": "usd", "recurring": {"interval": "year"}})
client.v1.products.update(progress.require("product"), params={"default_price": yearly.id})
""", "not the monthly price"),
        ("""check.start("01-default-price")
client.v1.prices.update(progress.require("price"), params={"nickname": "default"})
""", "You updated the price"),
    ],
    "02-retrieve-by-id": [
        ("""check.start("02-retrieve-by-id")
client.v1.customers.list(params={"email": progress.GUIDE_CUSTOMER["email"], "limit": 1})
""", "No retrieve by ID yet"),
        ("""check.start("02-retrieve-by-id")
someone = client.v1.customers.create(params={"email": "someone.else@example.com"})
client.v1.customers.retrieve(someone.id)
""", "this tutorial's customer"),
    ],
    "02-missing-customer": [
        ("""check.predict("02-missing-customer", 200)
client.v1.customers.retrieve(progress.require("customer"))
""", "exists (200)"),
        ("""check.predict("02-missing-customer", 404)
client.v1.customers.list(params={"email": "does.not.exist@example.com"})
""", "none of your requests retrieves a customer by ID"),
    ],
    "02-idempotent-retry": [
        ("""check.predict("02-idempotent-retry", 2)
params = {"email": "double.click@example.com"}
client.v1.customers.create(params=params)
client.v1.customers.create(params=params)
""", "made two customers"),
        ("""check.predict("02-idempotent-retry", 1)
import uuid
key = str(uuid.uuid4())
client.v1.customers.create(params={"email": "one@example.com"}, options={"idempotency_key": key})
try:
    client.v1.customers.create(params={"email": "two@example.com"}, options={"idempotency_key": key})
except stripe.IdempotencyError:
    pass
""", "sent other parameters"),
    ],
    "03-no-return-url": [
        (f"""check.predict("03-no-return-url", 200)
client.v1.setup_intents.create(params={GUIDE_SETUP})
""", "still sent `return_url`"),
        ("""check.predict("03-no-return-url", 400)
try:
    client.v1.setup_intents.create(params={
        "confirm": True, "customer": progress.require("customer"), "usage": "sometimes",
        "payment_method_data": {"type": "amazon_pay"}, "mandate_data": progress.GUIDE_MANDATE})
except stripe.InvalidRequestError:
    pass
""", "before it got to `return_url`"),
        ("""check.predict("03-no-return-url", 400)
client.v1.setup_intents.create(params={"customer": progress.require("customer"),
                                       "payment_method_data": {"type": "amazon_pay"}})
""", "Without `confirm=True`"),
    ],
    "03-allowed-payment-method-types": [
        ("""check.start("03-allowed-payment-method-types")
try:
    client.v1.setup_intents.create(params={"customer": progress.require("customer"),
                                           "payment_method_types": ["amazon_pay"]})
except stripe.InvalidRequestError:
    pass
""", "gone since 2026-09-30.endive"),
        ("""check.start("03-allowed-payment-method-types")
client.v1.setup_intents.create(params={"customer": progress.require("customer")})
""", "lets Stripe choose the types"),
        ("""check.start("03-allowed-payment-method-types")
client.v1.setup_intents.create(params={"customer": progress.require("customer"),
                                       "payment_method_types": ["amazon_pay"]},
                               options={"stripe_version": "2026-06-24.dahlia"})
""", "you pinned API version 2026-06-24.dahlia"),
    ],
    "04-confirm-succeeded": [
        (f"""check.predict("04-confirm-succeeded", 200)
pending = client.v1.setup_intents.create(params={GUIDE_SETUP})
client.v1.setup_intents.confirm(pending.id)
""", "was not succeeded yet"),
        ("""check.predict("04-confirm-succeeded", 400)
try:
    client.v1.setup_intents.confirm("seti_doesnotexist")
except stripe.InvalidRequestError:
    pass
""", "That confirm answered 404"),
    ],
    "04-fail-test-setup": [
        (f"""check.start("04-fail-test-setup")
intent = client.v1.setup_intents.create(params={GUIDE_SETUP})
progress.authorize_on_sandbox_page(intent.next_action.redirect_to_url.url)
""", "was authorized"),
        (f"""check.start("04-fail-test-setup")
client.v1.setup_intents.create(params={GUIDE_SETUP})
""", "still waits for the customer"),
    ],
    "05-before-authorizing": [
        (f"""check.predict("05-before-authorizing", 200)
pending = client.v1.setup_intents.create(params={GUIDE_SETUP})
client.v1.subscriptions.create(params={{
    "customer": progress.require("customer"), "items": [{{"price": progress.require("price")}}],
    "default_payment_method": progress.require("payment_method"), "off_session": True}})
""", "already authorized"),
        (f"""check.predict("05-before-authorizing", 400)
pending = client.v1.setup_intents.create(params={GUIDE_SETUP})
try:
    client.v1.subscriptions.create(params={{
        "customer": progress.require("customer"), "items": [{{"price": progress.require("price")}}],
        "default_payment_method": "pm_doesnotexist", "off_session": True}})
except stripe.InvalidRequestError:
    pass
""", "not the `payment_method` of the SetupIntent you created"),
        (f"""check.predict("05-before-authorizing", 400)
pending = client.v1.setup_intents.create(params={GUIDE_SETUP})
try:  # refused for the missing items, not for the PaymentMethod
    client.v1.subscriptions.create(params={{
        "customer": progress.require("customer"),
        "default_payment_method": pending.payment_method, "off_session": True}})
except stripe.InvalidRequestError:
    pass
""", "Use the guide's call"),
    ],
    "05-eur-price": [
        ("""check.predict("05-eur-price", "payment_method_currency_mismatch")
client.v1.prices.create(params={"product": progress.require("product"), "unit_amount": 1500,
                                "currency": "eur", "recurring": {"interval": "month"}})
client.v1.subscriptions.create(params={
    "customer": progress.require("customer"), "items": [{"price": progress.require("price")}],
    "default_payment_method": progress.require("payment_method"), "off_session": True})
""", "a USD price"),
        ("""check.predict("05-eur-price", 400)
client.v1.prices.create(params={"product": progress.require("product"), "unit_amount": 1500,
                                "currency": "usd", "recurring": {"interval": "month"}})
""", "is in USD"),
    ],
    "05-yearly-subscription": [
        ("""check.start("05-yearly-subscription")
client.v1.subscriptions.create(params={
    "customer": progress.require("customer"), "items": [{"price": progress.require("price")}],
    "default_payment_method": progress.require("payment_method"), "off_session": True})
""", "not a yearly price"),
        ("""check.start("05-yearly-subscription")
yearly = client.v1.prices.create(params={"product": progress.require("product"), "unit_amount": 15000,
                                         "currency": "usd", "recurring": {"interval": "year"}})
try:
    client.v1.subscriptions.create(params={"customer": progress.require("customer"),
                                           "items": [{"price": yearly.id}], "off_session": True})
except stripe.InvalidRequestError:
    pass
""", "without `default_payment_method`"),
    ],
    "06-only-needed-events": [
        ("""check.start("06-only-needed-events")
client.v1.webhook_endpoints.update(progress.require("webhook_endpoint"),
                                   params={"enabled_events": ["invoice.paid"]})
""", "misses 5 of the 6"),
        ("""check.start("06-only-needed-events")
client.v1.webhook_endpoints.update(progress.require("webhook_endpoint"), params={"enabled_events": [
    "invoice.paid", "invoice.payment_failed", "setup_intent.setup_failed"]})
""", "misses 3 of the 6"),
    ],
    "06-list-events": [
        ("""check.predict("06-list-events", 3)
client.v1.events.list(params={"limit": 100})
""", "Filter on the server"),
        ("""check.predict("06-list-events", 3)
client.v1.events.list(params={"type": "invoice.payment_succeeded"})
""", "You listed `invoice.payment_succeeded` events"),
        ("""check.predict("06-list-events", 3)
client.v1.events.list(params={"type": "invoice.paid", "limit": 100})
""", "Ask only for the hour your server was down"),
    ],
    "07-advance-too-far": [
        ("""check.predict("07-advance-too-far", 200)
clock = client.v1.test_helpers.test_clocks.retrieve(progress.require("test_clock"))
client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": clock.frozen_time + 24 * 3600})
while client.v1.test_helpers.test_clocks.retrieve(clock.id).status != "ready":
    time.sleep(0.05)
""", "was accepted"),
        ("""check.predict("07-advance-too-far", 400)
clock = client.v1.test_helpers.test_clocks.retrieve(progress.require("test_clock"))
try:
    client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": clock.frozen_time - 3600})
except stripe.InvalidRequestError:
    pass
""", "before the clock's `frozen_time`"),
    ],
    "07-next-renewal": [
        ("""check.predict("07-next-renewal", "2027-04-01")
subscription = client.v1.subscriptions.list(params={"customer": progress.require("clock_customer")}).data[0]
client.v1.invoices.retrieve(subscription.latest_invoice)
""", "none of your requests retrieves the clock's subscription"),
        ("""check.predict("07-next-renewal", "2027-04-01")
someone = client.v1.customers.create(params={"email": "another@example.com"})
other = client.v1.subscriptions.create(params={
    "customer": someone.id, "items": [{"price": progress.require("price")}],
    "payment_behavior": "default_incomplete"})
client.v1.subscriptions.retrieve(other.id)
""", "the clock's subscription is"),
    ],
    "07-trial-ends": [
        ("""check.predict("07-trial-ends", 1500)
clock = client.v1.test_helpers.test_clocks.retrieve(progress.require("trial_clock"))
client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": clock.frozen_time + 24 * 3600})
while client.v1.test_helpers.test_clocks.retrieve(clock.id).status != "ready":
    time.sleep(0.05)
""", "is still `trialing`"),
        ("""check.predict("07-trial-ends", 0)
other = client.v1.test_helpers.test_clocks.create(params={"frozen_time": 1798804800})
client.v1.test_helpers.test_clocks.advance(other.id, params={"frozen_time": 1798804800 + 30 * 24 * 3600})
""", "another test clock"),
    ],
    "08-no-retry": [
        ("""check.predict("08-no-retry", 2)
subscription = client.v1.subscriptions.retrieve(progress.require("clock_subscription"))
client.v1.invoices.retrieve(subscription.latest_invoice).attempt_count
""", "none of your requests advanced the test clock"),
        ("""check.predict("08-no-retry", 1)
clock = client.v1.test_helpers.test_clocks.retrieve(progress.require("test_clock"))
client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": clock.frozen_time + 3600})
while client.v1.test_helpers.test_clocks.retrieve(clock.id).status != "ready":
    time.sleep(0.05)
""", "advance it to at least a week after"),
    ],
    "08-recover": [
        ("""check.start("08-recover")
subscription = client.v1.subscriptions.retrieve(progress.require("clock_subscription"))
client.v1.invoices.pay(subscription.latest_invoice, params={"paid_out_of_band": True})
""", "paid out of band"),
        ("""check.start("08-recover")
subscription = client.v1.subscriptions.retrieve(progress.require("clock_subscription"))
try:
    client.v1.invoices.pay(subscription.latest_invoice)
except stripe.StripeError:
    pass
""", "you have not brought the customer back yet"),
        ("""check.start("08-recover")
intent = client.v1.setup_intents.create(params={
    "confirm": True, "customer": progress.require("clock_customer"), "usage": "off_session",
    "payment_method_data": {"type": "amazon_pay"}, "mandate_data": progress.GUIDE_MANDATE,
    "return_url": "https://www.stripe.com"})
progress.authorize_on_sandbox_page(intent.next_action.redirect_to_url.url)
intent = client.v1.setup_intents.retrieve(intent.id)
client.v1.subscriptions.update(progress.require("clock_subscription"),
                               params={"default_payment_method": intent.payment_method})
""", "Step 3"),
    ],
    "08-mandate-revoked": [
        ("""check.predict("08-mandate-revoked", "active")
intent = client.v1.setup_intents.create(params={
    "confirm": True, "customer": progress.require("clock_customer"), "usage": "off_session",
    "payment_method_data": {"type": "amazon_pay"}, "mandate_data": progress.GUIDE_MANDATE,
    "return_url": "https://www.stripe.com"})
progress.authorize_on_sandbox_page(intent.next_action.redirect_to_url.url)
client.v1.mandates.retrieve(client.v1.setup_intents.retrieve(intent.id).mandate)
""", "still attached to"),
        ("""check.predict("08-mandate-revoked", "inactive")
subscription = client.v1.subscriptions.retrieve(progress.require("clock_subscription"))
client.v1.invoices.retrieve(subscription.latest_invoice)
""", "none of your requests retrieves a Mandate"),
    ],
}
