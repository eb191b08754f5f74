"""Issue 18: TRAINING.md's hub configuration does what it says. The Littlest JupyterHub's snippet
adds the sandbox's address to the spawner's environment without dropping what other files put
there; Zero to JupyterHub's network policies select the hub pod by the labels the chart gives it
in every version, and let the learners' kernels reach the sandbox."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from traitlets import Dict
from traitlets.config import Config, Configurable

ROOT = Path(__file__).resolve().parents[2]
TRAINING = (ROOT / "TRAINING.md").read_text()
# The hub pod's labels in every chart version: jupyterhub.matchLabels (component, app, release),
# which templates/hub/deployment.yaml puts on the pod since 3.x; "app.kubernetes.io/…" only
# from 4.1.0 on (jupyterhub.matchLabelsLegacyAndModern).
HUB_POD = {"component": "hub", "app": "jupyterhub", "release": "<your release name>"}


def block(language: str, holding: str) -> str:
    return next(code for code in re.findall(rf"```{language}\n(.*?)```", TRAINING, re.DOTALL) if holding in code)


class Spawner(Configurable):
    environment = Dict(config=True)


def test_the_tljh_snippet_adds_to_the_spawners_environment():
    snippet = re.sub(r"^ {3}", "", block("python", "c.JupyterHub.services.append"), flags=re.MULTILINE)
    assert "c.Spawner.environment =" not in snippet
    before = Config()
    before.Spawner.environment = {"TLJH_SETTING": "kept"}
    before.JupyterHub.services = []
    exec(snippet, {"c": before})  # noqa: S102 - the file TLJH reads, run as TLJH does
    assert before.Spawner.environment == {"TLJH_SETTING": "kept", "TUTORIAL_SANDBOX_URL": "http://127.0.0.1:12111"}
    fresh = Config()
    exec(snippet, {"c": fresh})  # noqa: S102 - nothing set before: a lazy value, applied to the spawner
    assert Spawner(config=fresh).environment == {"TUTORIAL_SANDBOX_URL": "http://127.0.0.1:12111"}


def test_the_z2jh_network_policies_select_the_hub_pod_and_let_kernels_in():
    values = yaml.safe_load(block("yaml", "extraContainers"))
    proxy_rules = values["proxy"]["chp"]["networkPolicy"]["egress"]
    kernel_rules = values["singleuser"]["networkPolicy"]["egress"]
    for rules in (proxy_rules, kernel_rules):
        (rule,) = rules
        assert rule["ports"] == [{"port": 12111}]
        (target,) = rule["to"]
        assert target["podSelector"]["matchLabels"] == HUB_POD
    (ingress,) = values["hub"]["networkPolicy"]["ingress"]
    assert ingress["ports"] == [{"port": 12111}]
    assert ingress["from"] == [{"podSelector": {"matchLabels": {"hub.jupyter.org/network-access-hub": "true"}}}]
    assert values["singleuser"]["extraEnv"]["TUTORIAL_SANDBOX_URL"] == values["hub"]["services"]["stripe-sandbox"]["url"]
