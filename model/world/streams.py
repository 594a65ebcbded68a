"""Random streams keyed by purpose and month, so that scenarios sharing a seed share their draws
(common random numbers): the no-policy entrants of March 2023 are the same entities in every scenario.
"""

from __future__ import annotations

import zlib

import numpy as np
from scipy.special import ndtri, pdtr

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


def poisson_quantile(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """The Poisson(mean) count at uniform `u`: the smallest k with P(X <= k) >= u (inverse CDF).

    Counts drawn from one `u` at two means are coupled (the larger mean never gives fewer), which
    is how a lever's extra registrations are told apart from the no-policy ones. Starts from the
    normal approximation and steps to the exact quantile (a few steps at most).
    """
    u, mean = np.broadcast_arrays(np.asarray(u, np.float64), np.asarray(mean, np.float64))
    shape, u, mean = u.shape, u.ravel(), mean.ravel()
    with np.errstate(invalid="ignore"):  # mean 0 at u 0: 0 * -inf
        z = ndtri(u)
        guess = np.floor(mean + np.sqrt(mean) * z + (z * z - 1.0) / 6.0)  # Cornish-Fisher
    k = np.clip(np.nan_to_num(guess, nan=0.0, posinf=0.0, neginf=0.0), 0.0, None)
    low = np.flatnonzero(pdtr(k, mean) < u)
    while len(low):  # step up to the first k with P(X <= k) >= u
        k[low] += 1.0
        low = low[pdtr(k[low], mean[low]) < u[low]]
    high = np.flatnonzero((k > 0) & (pdtr(k - 1.0, mean) >= u))
    while len(high):  # step down while P(X <= k - 1) >= u still holds
        k[high] -= 1.0
        high = high[(k[high] > 0) & (pdtr(k[high] - 1.0, mean[high]) >= u[high])]
    return k.astype(np.int64).reshape(shape)
