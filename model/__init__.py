"""Agent-based simulator of Shanxi's market-entity doubling plan (晋发〔2021〕67号)."""

__version__ = "0.1.0"
