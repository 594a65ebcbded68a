"""Run settings used when the command line does not give them (kept free of heavy imports)."""

import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCENARIO_DIR = PROJECT_ROOT / "scenarios"
# Where the dashboard saves named what-ifs as scenario files (run.py dashboard --saved-scenarios):
# beside the shipped scenarios, not among them (`run.py` runs only scenarios/*.yaml)
DEFAULT_SAVED_SCENARIOS = SCENARIO_DIR / "saved"
DEFAULT_RESULTS = PROJECT_ROOT / "results" / "latest"
# The shipped posterior (model/world/posterior.py), every run's parameters drawn from it; "none":
# the calibrated values, only the starting stock drawn
DEFAULT_POSTERIOR = Path(__file__).resolve().parent / "world" / "data" / "posterior"
NO_POSTERIOR = "none"
# Calibration (model/experiments/calibration.py): the default budget finishes within 20 minutes on
# 2 cores (README)
CALIBRATION_SCALE = 50.0  # real entities per row: 0.1 s a simulation, moment noise < 0.3 of a range
DEFAULT_POPULATION = 200
DEFAULT_GENERATIONS = 12
DEFAULT_MINUTES = 15.0
DEFAULT_CALIBRATION_SEED = 2021

START_YEAR = 2021  # the clock starts 2021-01; the state before step 1 is end-2020
DEADLINE = "2025-12"  # end of the 14th Five-Year Plan: the doubling target of 晋发〔2021〕67号
DEFAULT_UNTIL = DEADLINE
LATEST_UNTIL = "2035-12"
# 20 runs: the 90 % interval of P(doubled) is at most 0-9 % when no run doubles (8 runs: 0-21 %);
# at 200 real entities per row (0.12-0.24 s a run here, README) the bands are the parameters'
# uncertainty, not sampling noise (14,000 rows at the start)
DEFAULT_RUNS = 20
DEFAULT_SCALE = 200.0
DEFAULT_SEED = 20211231  # the document's date
# Runs of each scenario that also simulate their evidence-only variant (run.py run --evidence-runs):
# the first 200, so the share of the gain resting on assumptions has its median and 5-95 % band from
# 200 runs (about 10 beyond each end of the band) however many runs a batch has. The variant nearly
# doubles a run with levers (as_enacted at scale 200: 0.28 s CPU alone, 0.52 s with it, README);
# runs are exchangeable (seeds spawned from the batch seed), so the first 200 are a random sample.
DEFAULT_EVIDENCE_RUNS = 200

# Attribution (model/experiments/attribution.py): 2^9 = 512 simulations a run at family level, so
# fewer and coarser runs than a batch: family-level as_enacted within 10 minutes on 2 cores (README)
DEFAULT_ATTRIBUTION_RUNS = 10
DEFAULT_ATTRIBUTION_SCALE = 2000.0  # 1,300 rows or more at the start (MIN_START_ROWS: 500)
DEFAULT_PERMUTATIONS = 10  # random orders of the levers a run (lever level), each 45 simulations

# run.py sensitivity (model/experiments/sensitivity.py): defaults measured to finish in about
# 10 minutes on 2 cores for as_enacted (README)
SENSITIVITY_METHODS = ("morris", "sobol", "both")  # both: Morris screening, then Sobol
SENSITIVITY_SCALE = 1000.0  # real entities per row: 2,600+ rows at the start (MIN_START_ROWS 500)
DEFAULT_TRAJECTORIES = 12  # Morris trajectories (Saltelli et al. 2008 advise 10-20)
DEFAULT_SAMPLES = 64  # Sobol base samples (a power of 2)
DEFAULT_TOP = 6  # inputs Sobol varies
# The search of the cheapest mix that doubles (run.py optimise, model/experiments/optimisation.py):
# defaults that finish search and verification within 20 minutes on this 2-core machine while other
# work shares it (README, measured); a coarse scale is enough for P(doubled), a ratio.
OPTIMISE_TARGET_P = 0.8
# Activity rate of market entities about 70 % (shared/data/effect_priors.md D4; the calibration
# target of the operating share of registered entities, model/world/data/calibration_targets.csv):
# a mix below it pads the register with entities that do not operate.
OPTIMISE_MIN_OPERATING_SHARE = 0.70
OPTIMISE_TRIALS = 100
OPTIMISE_RUNS_PER_TRIAL = 8
OPTIMISE_VERIFY_RUNS = 100
OPTIMISE_SCALE = 1000.0
DEFAULT_OPTIMISE_OUT = PROJECT_ROOT / "results" / "optimise"

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
