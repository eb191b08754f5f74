"""The sandbox: an offline, stateful stand-in for the slice of the Stripe API that the guide uses.

It runs as its own process (``python -m helpers.sandbox serve``), keeps its state in SQLite and
speaks Stripe's wire protocol, so stripe-python, Stripe.js and curl talk to it unchanged. Its
folders are its parts, lowest layer first; a module imports only its own layer or lower ones
(``tests/test_architecture.py`` keeps it so):

* ``shared/``     what the server and its clients agree on (errors, IDs, addresses, key rules); stdlib only
* ``state/``      SQLite: objects, accounts, search, idempotency keys, webhook deliveries
* ``api/``        Stripe's protocol: request in, envelope out (keys, versions, schema, expand)
* ``resources/``  Stripe's objects and what they do; events and webhook delivery
* ``classroom/``  the sandbox's own ``/_sandbox`` routes; the guide's steps and lessons for a room
* ``pages/``      what a browser sees: hosted pages, Stripe.js stand-in, Dashboard, trainer's view
* ``server.py``   the composition root: the app, its routes and background workers
* ``client/``     the tutorial's way to the sandbox: start it, the learner's keys, ``/_sandbox`` over HTTP
* ``__main__.py`` the command line (serve, start, status, reset, stop, key, launcher)

The server never imports ``client/`` or the tutorial's modules; the tutorial imports only
``shared/`` and ``client/``, and talks to the server over HTTP.
"""
