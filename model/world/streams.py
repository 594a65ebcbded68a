"""Random numbers keyed by run, purpose and month, so that scenarios sharing a seed share their
draws (common random numbers): the no-policy entrants of March 2023 are the same entities in every
scenario.

The draws of a month are keyed by entity (`KeyedDraws`): an entity's draws depend on its run's key
for the purpose and month, its cell and its rank in the cell, not on how many entities other cells
(or other runs of a stack) have, so a lever acting on one cell leaves the others as they were, and
one call draws for every run of a stack. Generators (`Streams.get`) serve what is drawn once per
run: its parameters, lever effects, starting stock and chain leaders.
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
        return np.random.Generator(np.random.PCG64(self._seeds(purpose, *key)))

    def key(self, purpose: int, *key: int | str) -> int:
        """A 64-bit key for KeyedDraws, from the same words as `get`."""
        return int(self._seeds(purpose, *key).generate_state(1, np.uint64)[0])

    def _seeds(self, purpose: int, *key: int | str) -> np.random.SeedSequence:
        words = [self.seed, purpose] + [
            zlib.crc32(k.encode()) if isinstance(k, str) else int(k) + 1_000_000 for k in key
        ]
        if min(words) >= 0 and max(words) < 2**32:  # one word each: as an array, read faster
            return np.random.SeedSequence(np.array(words, dtype=np.uint32))
        return np.random.SeedSequence(words)


class StreamStack:
    """The streams of the runs of a stack: a `Streams` per run (by seed), and the keys of the
    months' draws of every run at once."""

    def __init__(self, seeds: list[int]):
        self.runs = [Streams(seed) for seed in seeds]
        self._root = np.array([streams.key(0) for streams in self.runs], dtype=np.uint64)

    def keys(self, purpose: int, *key: int | str) -> np.ndarray:
        """Each run's key for KeyedDraws (uint64, by run): its root key and the words of
        (purpose, *key) mixed by SplitMix64."""
        word = 0
        for part in (purpose, *key):
            value = zlib.crc32(part.encode()) if isinstance(part, str) else int(part) + 1_000_000
            word = (word * _FNV_PRIME ^ value) % 2**64
        return _splitmix64(self._root + _times_gamma(word))

    def uniforms(self, shape: tuple[int, ...], purpose: int, *key: int | str) -> np.ndarray:
        """[run, *shape] uniforms keyed by (purpose, *key) and the position in `shape`."""
        cells = int(np.prod(shape))
        keys = np.repeat(self.keys(purpose, *key), cells)
        ids = np.tile(np.arange(cells, dtype=np.uint64), len(self.runs))
        return KeyedDraws(keys, ids, block=1).random(len(ids)).reshape(len(self.runs), *shape)


_FNV_PRIME = 0x100000001B3  # FNV-1's 64-bit prime, to fold the words of a key into one
_GOLDEN_GAMMA = 0x9E3779B97F4A7C15
MAX_DRAWS_PER_ENTITY = 64


def _times_gamma(n: int) -> np.uint64:
    """n x the golden gamma, modulo 2**64 (exact in Python integers)."""
    return np.uint64(n * _GOLDEN_GAMMA % 2**64)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """The SplitMix64 output function (Steele, Lea & Flood 2014, OOPSLA): a bijective mix of
    64-bit words; over consecutive counters spaced by the golden gamma it passes BigCrush."""
    x = x.copy()
    _mix_in_place(x)
    return x


def _mix_in_place(x: np.ndarray) -> None:
    """_splitmix64 of a uint64 array, written over it (one scratch array, no others)."""
    shifted = x >> np.uint64(30)
    x ^= shifted
    x *= np.uint64(0xBF58476D1CE4E5B9)
    np.right_shift(x, np.uint64(27), out=shifted)
    x ^= shifted
    x *= np.uint64(0x94D049BB133111EB)
    np.right_shift(x, np.uint64(31), out=shifted)
    x ^= shifted


def rank_in_cell(cell: np.ndarray) -> np.ndarray:
    """Each entity's rank among the entities of its cell, in the order given."""
    cell = np.asarray(cell, dtype=np.int64)
    if len(cell) < 2 or (cell[1:] >= cell[:-1]).all():  # already grouped by cell
        starts = np.flatnonzero(np.diff(cell, prepend=cell[:1] - 1))
        counts = np.diff(starts, append=len(cell))
        return np.arange(len(cell)) - np.repeat(starts, counts)
    order = cell.argsort(kind="stable")
    ordered = cell[order]
    rank = np.empty(len(cell), dtype=np.int64)
    rank[order] = np.arange(len(cell)) - ordered.searchsorted(ordered, side="left")
    return rank


def ranked_ids(cell: np.ndarray, run: np.ndarray | None = None) -> np.ndarray:
    """Identity of each entity of a group: its cell and its rank among the group's entities of
    that cell (and of its `run`, for the runs of a stack), in the order given."""
    ranked = cell if run is None else (run.astype(np.int64) << 40) | np.asarray(cell, np.int64)
    rank = rank_in_cell(ranked)
    return (np.asarray(cell).astype(np.uint64) << np.uint64(32)) | rank.astype(np.uint64)


_STEPS = np.array([_times_gamma(j) for j in range(MAX_DRAWS_PER_ENTITY)], dtype=np.uint64)


class KeyedDraws:
    """The draws of identified entities, called like a numpy Generator for one value each: the
    j-th call gives entity i a value that depends only on (its key, i's id, j). `key`: one for
    all entities, or one each (the key of its run). The first `block` draws of every entity are
    made at once."""

    def __init__(self, key: int | np.ndarray, ids: np.ndarray, block: int = 12):
        counters = np.asarray(key, dtype=np.uint64) + ids * _times_gamma(MAX_DRAWS_PER_ENTITY)
        words: np.ndarray = counters[None, :] + _STEPS[:block, None]
        _mix_in_place(words)
        np.right_shift(words, np.uint64(11), out=words)
        uniforms = words.astype(np.float64)
        uniforms *= 2.0**-53
        self._uniforms = uniforms  # [draw, entity]
        self._calls = 0

    def random(self, n: int, dtype=np.float64) -> np.ndarray:
        """Uniforms in [0, 1), one per entity (n must be the number of entities)."""
        if n != self._uniforms.shape[1] or self._calls >= len(self._uniforms):
            raise ValueError(
                f"keyed draws: draw {self._calls + 1} of {n} values asked of {self._uniforms.shape}"
            )
        self._calls += 1
        return self._uniforms[self._calls - 1].astype(dtype, copy=False)

    def standard_normal(self, n: int) -> np.ndarray:
        return ndtri(np.maximum(self.random(n), 2.0**-54))

    def standard_exponential(self, n: int, dtype=np.float64) -> np.ndarray:
        return (-np.log1p(-self.random(n))).astype(dtype)


def poisson_quantile(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """The Poisson(mean) count at uniform `u`: the smallest k with P(X <= k) >= u (inverse CDF).

    Counts drawn from one `u` at two means are coupled (the larger mean never gives fewer), which
    is how a lever's extra registrations are told apart from the no-policy ones. Starts from the
    normal approximation and steps to the exact quantile (a few steps at most); a mean of 0 (a
    cell without entries) gives 0 without a step.
    """
    u, mean = np.broadcast_arrays(np.asarray(u, np.float64), np.asarray(mean, np.float64))
    shape, u, mean = u.shape, u.ravel(), mean.ravel()
    k = np.zeros(len(u), dtype=np.int64)
    some = np.flatnonzero(mean > 0)
    k[some] = _positive_mean_quantile(u[some], mean[some])
    return k.reshape(shape)


def _positive_mean_quantile(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):  # u 0: z = -inf, a guess of nan (0 below)
        z = ndtri(u)
        guess = np.floor(mean + np.sqrt(mean) * z + (z * z - 1.0) / 6.0)  # Cornish-Fisher
    guess[~np.isfinite(guess)] = 0.0
    k = np.clip(guess, 0.0, None)
    at_k = pdtr(k, mean)  # P(X <= k)
    below = at_k < u
    low = np.flatnonzero(below)
    while len(low):  # step up to the first k with P(X <= k) >= u
        k[low] += 1.0
        low = low[pdtr(k[low], mean[low]) < u[low]]
    # a k stepped up has P(X <= k - 1) < u: only the others may step down, and only from k > 0
    high = np.flatnonzero((k > 0) & ~below)
    while len(high):  # step down while P(X <= k - 1) >= u still holds
        high = high[pdtr(k[high] - 1.0, mean[high]) >= u[high]]
        k[high] -= 1.0
        high = high[k[high] > 0]
    return k.astype(np.int64)
