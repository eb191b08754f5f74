# Installed into <environment>/etc/ipython/, where every IPython kernel of the tutorial's
# environment reads it: our one-line messages (helpers.explain) hold from a kernel's first cell,
# also when a learner runs a cell in the middle of a notebook right after a restart.
c.InteractiveShellApp.extensions.append("helpers.explain")  # noqa: F821 - c is IPython's config
