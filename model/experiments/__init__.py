"""Experiments: runs, ensembles, batches, the results store and the comparison of scenarios.

May import `model.policy`, `model.world` and the foundation modules. This namespace is the public
interface of the model for the dashboard (which imports nothing else of `model`): the names below
load their module on first use (PEP 562), so importing it costs nothing until a name is used.
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    "COLUMNS": "model.columns",
    "FORMAT_VERSION": "model.columns",
    "ATTRIBUTION_COLUMNS": "model.columns",
    "MANIFEST": "model.columns",
    "BASELINE": "model.defaults",
    "DEFAULT_UNTIL": "model.defaults",
    "SHOWN_FIRST": "model.defaults",
    "scenario_file": "model.defaults",
    "InputError": "model.errors",
    "places": "model.world.geography",
    "Catalogue": "model.policy.catalogue",
    "Family": "model.policy.catalogue",
    "Lever": "model.policy.catalogue",
    "load_catalogue": "model.policy.catalogue",
    "LeverSetting": "model.policy.scenario",
    "load_scenario": "model.policy.scenario",
    "run_ensemble": "model.experiments.ensemble",
    # the what-if page (issue 15): the stored batch's runs again, named what-ifs saved as files
    "run_again": "model.experiments.ensemble",
    "same_code": "model.experiments.ensemble",
    "save_scenario": "model.policy.scenario",
    "SCENARIO_DIR": "model.defaults",
    "DEFAULT_SAVED_SCENARIOS": "model.defaults",
    "Backtest": "model.experiments.backtest",
    "backtest_of": "model.experiments.backtest",
    "BAND_COLUMNS": "model.experiments.comparison",
    "DEADLINE": "model.experiments.comparison",
    "START": "model.experiments.comparison",
    "additional": "model.experiments.comparison",
    "at_deadline": "model.experiments.comparison",
    "compare": "model.experiments.comparison",
    "cost_by": "model.experiments.comparison",
    "quantile_bands": "model.experiments.comparison",
    "Sensitivity": "model.experiments.sensitivity",
    "read_sensitivity": "model.experiments.sensitivity",
    # the attribution & sensitivity page (贡献与敏感性)
    "Attribution": "model.experiments.attribution",
    "ENDS": "model.experiments.attribution",
    "lead_departments": "model.experiments.cost_effectiveness",
    "read_attribution": "model.experiments.attribution",
    "SENSITIVITY_OUTPUTS": "model.experiments.sensitivity",
    "published_sensitivities": "model.experiments.sensitivity",
    # the 实现路径 page (issue 14 item 3)
    "DEFAULT_OPTIMISE_OUT": "model.defaults",
    "Optimisation": "model.experiments.optimisation",
    "read_optimisation": "model.experiments.optimisation",
    # the 假设与来源 page (issue 15 build 4): the parameter register's rows
    "base_rate_entries": "model.policy.register",
    "cost_entries": "model.policy.register",
    "effect_entries": "model.policy.register",
    "format_value": "model.policy.register",
    "take_up_entries": "model.policy.register",
    "deadline_rows": "model.experiments.store",
    "open_table": "model.experiments.store",
    "read_rows": "model.experiments.store",
    # the briefing report (issue 15 build 2): the sources of the base rates
    "literature_rates": "model.world.parameters",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)
