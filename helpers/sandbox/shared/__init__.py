"""What the sandbox's server and its clients share (layer 0): Stripe's error envelope
(``errors``), IDs (``ids``), the contract of addresses, headers and key rules (``contract``),
what stripe-python's types say about the API (``stripe_types``), what typed text may hold
(``text``), and the Host rule and body cap both HTTP servers apply (``guards``). Standard
library and stripe-python only; it imports nothing else of the sandbox."""
