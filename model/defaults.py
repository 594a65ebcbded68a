"""Run settings used when the command line does not give them (kept free of heavy imports)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCENARIO_DIR = PROJECT_ROOT / "scenarios"
DEFAULT_RESULTS = PROJECT_ROOT / "results" / "latest"

START_YEAR = 2021  # the clock starts 2021-01; the state before step 1 is end-2020
DEFAULT_UNTIL = "2025-12"  # end of the 14th Five-Year Plan, the doubling deadline
LATEST_UNTIL = "2035-12"
DEFAULT_RUNS = 8
DEFAULT_SCALE = 20.0  # real entities per row: about 0.5 s a run (README, benchmark)
DEFAULT_SEED = 20211231  # the document's date
