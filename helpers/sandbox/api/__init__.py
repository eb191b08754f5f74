"""Stripe's wire protocol (layer 2): a ``/v1`` request in, an answer in Stripe's envelope out.
``pipeline`` runs the steps (Host, body, form decoding in ``wire``, the key in ``keys``, the API
version and its changes in ``versions/``, validation against stripe-python's params in
``schema``, idempotency, the handler, ``expand`` in ``context``); ``router`` is the route table
the resources fill; ``hosts`` the Host rule; ``activity`` what each account did lately. Names no
resource. May import ``state/`` and ``shared/``."""
