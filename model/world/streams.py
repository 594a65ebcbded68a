"""Random streams keyed by purpose and month, so that scenarios sharing a seed share their draws
(common random numbers): the no-policy entrants of March 2023 are the same entities in every scenario.
"""

from __future__ import annotations

import zlib

import numpy as np

# Purposes of draws; each gets its own stream.
POPULATION = 1
ENTRY = 2
INDUCED_ENTRY = 3
REENTRY = 4
CONVERSION = 5
CHAIN_LEADERS = 6
LEVER_DRAWS = 7
PARAMETER_DRAWS = 8
SHELLS = 9


class Streams:
    """Independent generators derived from one seed and a key (purpose, month, ...)."""

    def __init__(self, seed: int):
        self.seed = int(seed)

    def get(self, purpose: int, *key: int | str) -> np.random.Generator:
        words = [self.seed, purpose] + [
            zlib.crc32(k.encode()) if isinstance(k, str) else int(k) + 1_000_000 for k in key
        ]
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(words)))
