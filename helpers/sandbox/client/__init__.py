"""The tutorial's way to the sandbox, as a client: start, find and stop the learner's own sandbox
process (``process``), the learner's key pair (``keys``), the ``/_sandbox`` routes over HTTP
(``control``) and JupyterLab's launcher entries (``launcher``). ``process`` and ``keys`` import
``shared/`` and ``helpers.filelock`` only; ``control`` and ``launcher`` also ``helpers.settings``
and ``helpers.problems``. Nothing here imports the server's code."""
