"""The simulated world: Shanxi's market entities month by month, with no notion of scenario files.

Owns the column store of entities and its events (registration, opening, 个转企, size moves such as
小升规, dormancy, exit, re-entry), hazards and event times, chain leaders (链主) as Mesa agents,
the end-2020 starting stock, sectors and cities, base rates (data/) and their calibration, the
policy state the month's rules read, and fiscal accounting. May import only the foundation modules
(`model.defaults`, `model.errors`, `model.columns`).
"""
