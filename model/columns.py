"""Names of the result columns (the design's results contract), in one place for the model, the
results store and the dashboard. Grammar: `n_` a stock, `new_` a flow in the month, `cum_`
cumulative; all in real entities (rows x scale), persons or yuan."""

STOCKS = (
    "n_registered", "n_operating", "n_dormant", "n_individual", "n_enterprise", "n_micro",
    "n_small", "n_medium", "n_above_scale", "n_chain_leader", "n_cooperative",
)  # fmt: skip
FLOWS = (
    "new_registered", "new_opened", "new_exited", "new_individual_to_enterprise", "new_above_scale",
)  # fmt: skip
VALUES = (*STOCKS, *FLOWS, "n_employed", "cum_fiscal_cost")
CITY_VALUES = ("n_registered", "n_operating")
