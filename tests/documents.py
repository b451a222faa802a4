"""Small policy documents shared by the import tests (the command's and the admin's)."""

from __future__ import annotations

RIVERS = """\
A Plan for Rivers: 2026-2030
The Water Office
March 2026

I. Achievements

From 2021 to 2025 the country built 40 dams and cleaned 12 rivers.

II. Main Tasks

1. Flood Control

In the next five years, the country will strengthen flood control along the major rivers. It will:

- Build 30 new flood barriers on the Long River;
- Upgrade early-warning stations in every river basin;
- Train 5,000 local emergency staff.

2. Drinking Water

The country will connect every village to safe piped water by 2030.
It will publish water quality data every month.
"""

# One item lightly edited (revised), one new (added), one dropped (vanished); the rest move.
RIVERS_REVISED = RIVERS.replace(
    "- Upgrade early-warning stations in every river basin;\n",
    "- Upgrade the early-warning stations in every river basin;\n"
    "- Map every flood plain at 1:10,000 scale;\n",
).replace("It will publish water quality data every month.\n", "")
