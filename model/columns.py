"""The results contract (the design's "Results folder"): file names and the columns of each table,
in one place for the model, the results store and the dashboard. Column grammar: `n_` a stock,
`new_` a flow in the month, `cum_` cumulative; all in real entities (rows x scale), persons or yuan.
"""

FORMAT_VERSION = 2  # the manifest's `format_version`; raise it when a file or column changes
MANIFEST = "manifest.json"

STOCKS = (
    "n_registered", "n_operating", "n_dormant", "n_individual", "n_enterprise", "n_micro",
    "n_small", "n_medium", "n_above_scale", "n_chain_leader", "n_cooperative",
    "n_shell",  # registered to meet a count (空壳, art. 47's assessments), never operating
)  # fmt: skip
FLOWS = (
    "new_registered", "new_opened", "new_exited", "new_individual_to_enterprise", "new_above_scale",
    "new_shell",  # shells registered in the month
    "new_induced",  # registrations a lever brought (shells, referrals, induced re-entrants included)
)  # fmt: skip
VALUES = (*STOCKS, *FLOWS, "n_employed", "cum_fiscal_cost")
CITY_VALUES = ("n_registered", "n_operating")

KEYS = ("scenario", "run")
# The run's evidence-only variant (the same seed, every lever effect sourced `assumption:` set to no
# effect): its registered and operating entities at the end month, by the stock they measure.
EVIDENCE_ONLY = {
    "n_registered": "evidence_only_registered",
    "n_operating": "evidence_only_operating",
}
SUMMARY_COLUMNS = (
    *KEYS, "start_registered", "end_registered", "ratio", "doubled", "month_doubled",
    "cum_fiscal_cost", *EVIDENCE_ONLY.values(),
)  # fmt: skip
COLUMNS = {  # table (file stem, .parquet) -> its columns, in order
    "timeseries": (*KEYS, "date", *VALUES),
    "by_city": (*KEYS, "date", "city", *CITY_VALUES),
    "summary": SUMMARY_COLUMNS,
    "fiscal": (*KEYS, "lever", "department", "cum_fiscal_cost"),  # by lever and lead department
}

# The attribution folder of `run.py attribute` (model/experiments/attribution.py; README, "Attribution").
OUTCOMES = ("registered", "operating", "employed", "fiscal_cost", "doubled")  # at the end month
INTERVAL = ("low", "high")  # the 90 % interval of a mean over runs
ATTRIBUTION_COLUMNS = {  # table (file stem, .parquet) -> its columns, in order
    "coalitions": ("run", "coalition", "size", *OUTCOMES),
    "attribution": ("level", "player", "outcome", "run", "value", "permutation_se"),
    "attribution_summary": (
        "level", "player", "outcome", "runs", "mean", "standard_error", "permutation_se",
        *INTERVAL, "distinct", "rank", "p05", "p50", "p95",
    ),
    "package_fiscal": ("run", "lever", "department", "cum_fiscal_cost"),
}  # fmt: skip
