"""What a browser sees (layer 5): the hosted Amazon Pay authorization page and the Stripe.js
stand-in (``hosted``), the hosted invoice page and its PDF, the sandbox's home page, the
learner's Dashboard, the trainer's view, signing in, and their templates and static files.
May import ``classroom/``, ``resources/`` (functions that take an ``Actor``), ``api/``,
``state/`` and ``shared/``."""
