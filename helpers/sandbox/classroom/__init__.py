"""The sandbox's own routes and a room's knowledge (layer 4): ``control`` answers ``/_sandbox/…``
(reset, an account's name and requests, exercises, the trainer's list), ``operations``
what the sandbox answers (its routes and API versions), ``guide_steps`` reads
which steps of the guide each account has done from its events, ``lessons`` names the errors the
tutorial causes on purpose. May import ``resources/``, ``api/``, ``state/`` and ``shared/``."""
