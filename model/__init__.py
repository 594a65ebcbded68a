"""Agent-based simulator of Shanxi's market-entity doubling plan (晋发〔2021〕67号).

The package is layered; each part may import only the parts listed below it (the import contracts
in pyproject.toml, checked by tests/test_architecture.py):

- `model.experiments`: one run, ensembles and batches, the Dask executor, the results store, the
  comparison of scenarios. Its package namespace is the public interface of the model for
  `run.py` and the dashboard.
- `model.policy`: the lever catalogue (晋发〔2021〕67号 as data), scenario files, and the levers
  turned into the rates in force month by month.
- `model.world`: the simulated province: entities, their events and hazards, chain leaders (链主),
  the starting stock, base rates and their calibration, fiscal accounting.
- foundation modules any part may use: `model.defaults` (settings and the doubling deadline),
  `model.errors`, `model.columns` (the results contract).
"""

__version__ = "0.1.0"
