"""Run settings used when the command line does not give them (kept free of heavy imports)."""

import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCENARIO_DIR = PROJECT_ROOT / "scenarios"
DEFAULT_RESULTS = PROJECT_ROOT / "results" / "latest"

START_YEAR = 2021  # the clock starts 2021-01; the state before step 1 is end-2020
DEADLINE = "2025-12"  # end of the 14th Five-Year Plan: the doubling target of 晋发〔2021〕67号
DEFAULT_UNTIL = DEADLINE
LATEST_UNTIL = "2035-12"
DEFAULT_RUNS = 8
DEFAULT_SCALE = 40.0  # real entities per row: 0.4-0.7 s a run on this machine (README)
DEFAULT_SEED = 20211231  # the document's date

BASELINE = "no_policy"  # the scenario every gain is measured against
SHOWN_FIRST = (BASELINE, "as_enacted")  # listed first in tables and charts
QUANTILES = (0.05, 0.5, 0.95)  # the bands reported everywhere: 5 %, median, 95 % of runs
SAFE_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")  # scenario names: they become file names


def scenario_file(name: str, folder: Path = SCENARIO_DIR) -> Path | None:
    """The YAML file of scenario `name` in `folder`, if `name` is a safe name with a file there."""
    if not isinstance(name, str) or not SAFE_NAME.match(name):
        return None
    path = folder / f"{name}.yaml"
    return path if path.is_file() else None


def default_scenario_files(folder: Path = SCENARIO_DIR) -> list[Path]:
    """Every scenario file of `folder`, the baseline and as_enacted first, then by name."""
    return sorted(
        folder.glob("*.yaml"),
        key=lambda p: (
            SHOWN_FIRST.index(p.stem) if p.stem in SHOWN_FIRST else len(SHOWN_FIRST),
            p.stem,
        ),
    )
