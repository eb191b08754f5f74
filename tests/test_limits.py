"""helpers.limits: what the forms and the sandbox both enforce, and the one statement about a US
business's currencies (issue 17.7)."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import limits

ROOT = Path(__file__).resolve().parents[1]


def test_us_currencies_are_one_statement_everywhere():
    """Notebook 01 called Stripe's page ambiguous while checker 01's hint, 05's task, the README and
    TRAINING.md stated "US businesses charge USD only" as fact."""
    assert "ambiguous" in limits.US_CURRENCIES and "USD only" in limits.US_CURRENCIES
    as_fact = re.compile(r"(?:businesses|business|merchants?)[^.|]{0,40}charges? (?:in )?USD only", re.I)
    texts = [ROOT / "README.md", ROOT / "TRAINING.md", *sorted((ROOT / "notebooks").glob("*.ipynb")),
             *sorted((ROOT / "helpers").rglob("*.py"))]
    stated = [f"{path.relative_to(ROOT)}: {found.group()}" for path in texts
              for found in as_fact.finditer(path.read_text())]
    assert stated == []
