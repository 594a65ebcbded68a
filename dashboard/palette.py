"""Every colour of the dashboard, each with one meaning on every page (issue 15, defect 7).

- Red (`TARGET`) means the doubling target: the doubling line, the targets and milestones of the
  cities, the target P of the path to the target, and falling short of it (a low P(doubled) in
  the tables: style.css `--low`). Nothing else is red (a waterfall's losses are brown).
- Registered and operating entities have one colour each wherever they are compared
  (`REGISTERED`, `OPERATING`): operating is teal on every page.
- Scenarios: `no_policy` grey, `as_enacted` navy, every other scenario a colour of its own from a
  qualitative palette of 18 hues without red, teal or magenta (`scenario_colors`): 16 scenarios
  ship in scenarios/, so no two share a colour.
- The live what-if (`WHATIF`, magenta) and a verified mix of the search (`OPTIMISED`, cyan) are
  never a scenario's colour.
"""

from __future__ import annotations

from collections.abc import Sequence

from dashboard.contract import BASELINE

TARGET = "#c0392b"  # red: the doubling target, nothing else
REGISTERED = "#34495e"
OPERATING = "#16a085"
WHATIF = "#e0218a"
OPTIMISED = "#00bcd4"
NO_POLICY = "#7f8c8d"
AS_ENACTED = "#1f4e79"
FIXED = {BASELINE: NO_POLICY, "as_enacted": AS_ENACTED}
QUALITATIVE = (  # the other scenarios, in the batch's order
    "#2e91e5",  # blue
    "#b68100",  # ochre
    "#1ca71c",  # green
    "#750d86",  # purple
    "#eb663b",  # orange
    "#222a2a",  # charcoal
    "#6c7c32",  # olive
    "#a777f1",  # lavender
    "#862a16",  # brown
    "#778aae",  # slate blue
    "#511cfb",  # violet
    "#e6b800",  # yellow
    "#8fbc8f",  # sage
    "#5b3a29",  # umber
    "#f4a582",  # peach
    "#4a6fa5",  # steel blue
    "#b2a000",  # mustard
    "#9c6ade",  # amethyst
)
KINDS = ("#9ecae1", "#4292c6", "#2171b5", "#08519c", "#e6850d", "#8c6d31", "#31a354")  # stocks
GAIN = "#2e8b57"  # a step up of a waterfall
LOSS = "#a04000"  # a step down (not red: red is the target)
TOTAL = AS_ENACTED
INK = "#1b2631"  # intervals, observed counts
MUTED = "#566573"  # the deadline, connectors
SERIES = (AS_ENACTED, "#b68100")  # two measures of one thing (prior/posterior, S1/ST)
GROUPS = {"world": AS_ENACTED, "lever": "#b68100"}  # the sensitivity's input groups


def scenario_colors(names: Sequence[str]) -> dict[str, str]:
    """A colour per scenario: `no_policy` and `as_enacted` fixed, the others by their place
    among the others (the palette repeats only beyond its 18 hues)."""
    others = [n for n in names if n not in FIXED]
    colors = {name: QUALITATIVE[i % len(QUALITATIVE)] for i, name in enumerate(others)}
    return {name: FIXED.get(name) or colors[name] for name in names}


def measure_colors() -> dict[str, str]:
    """Registered and operating, keyed as the model's columns."""
    return {"n_registered": REGISTERED, "n_operating": OPERATING}
