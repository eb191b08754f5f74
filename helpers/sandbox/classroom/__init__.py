"""The sandbox's own routes and a room's knowledge (layer 4): ``control`` answers ``/_sandbox/…``
(reset, an account's name and requests, the kernel's reports, sticky notes, exercises, the
trainer's list), ``operations`` what the sandbox answers (its routes and API versions), ``room``
combines each learner's kernel reports and the sandbox's answers into their state (stuck, since
when), ``guide_steps`` reads which steps of the guide each account has done from its events,
``exercises`` lists the exercises and what the sandbox sees of them, ``lessons`` names the errors
the tutorial causes on purpose. May import ``resources/``, ``api/``, ``state/`` and ``shared/``."""
