# Installed into <environment>/etc/ipython/, where every IPython kernel of the tutorial's
# environment reads it: our one-line messages (helpers.explain) hold from a kernel's first cell,
# also when a learner runs a cell in the middle of a notebook right after a restart.
c.InteractiveShellApp.extensions.append("helpers.explain")  # noqa: F821 - c is IPython's config
# In a classroom (TUTORIAL_SANDBOX_URL), each kernel tells the trainer's view how the learner is
# doing from its first cell on; elsewhere it does nothing (helpers/room.py; TUTORIAL_ROOM_REPORTS=off).
c.InteractiveShellApp.extensions.append("helpers.room")  # noqa: F821
