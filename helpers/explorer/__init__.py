"""Explore any call (notebook 10): an API explorer, outside the guide's ordered path. The top of
the tutorial's layers: it may import every helper below it, and the sandbox only as a client does.

* ``catalog``: every v1 operation of the installed stripe-python, from its service classes;
* ``params``: a params TypedDict as a tree of fields (kind, required, enum values, docstring);
* ``form`` / ``request_form``: ipywidgets generated from that tree, checked before sending;
* ``send``: the SDK's own call, to the sandbox or to Stripe test mode, at an API version; what
  the sandbox answers, read over HTTP (``GET /_sandbox/operations``);
* ``code``: the request as curl, stripe-python and stripe-node, keys from the environment;
* ``compare``: two answers compared (two versions, or sandbox against test mode) and the
  fidelity report;
* ``widget``: the explorer as one widget.
"""
