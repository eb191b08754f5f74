"""The sandbox's state (layer 1): one SQLite file, one transaction per request (``database``),
its tables (``migrations``); one account's objects and idempotency keys (``account_store``),
webhook deliveries (``deliveries``) and what a classroom knows of its learner
(``room_activity``), bound to that account when made, so that every read and write names it;
the few reads across accounts, each by name (``room``); accounts found by key (``accounts``);
Stripe's search query language turned into SQL (``search``). The only place that imports
``sqlite3`` or writes SQL. May import ``shared/`` only; knows nothing of HTTP, Starlette or
stripe-python's schema. A new account-scoped table: a class like ``Deliveries``, bound to
``(db, account)``, held by ``AccountStore``; its cross-account reads go to ``Room``."""
