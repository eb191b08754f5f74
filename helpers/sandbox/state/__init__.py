"""The sandbox's state (layer 1): one SQLite file, one transaction per request (``store``), the
accounts table (``accounts``), what a classroom knows of each learner (``room_activity``) and
Stripe's search query language turned into SQL (``search``).
May import ``shared/`` only; knows nothing of HTTP, Starlette or stripe-python's schema."""
