"""The seeded split the offline experiments in bench/ share (not `animerec eval`'s own).

10,000 users with at least 5 interactions hold out 20 % of their interactions; every other
interaction trains. Items with fewer than 5 interactions are left out. Draws from `rng` in a fixed
order (the test users, then one number per interaction), so a script that goes on drawing from it
stays reproducible.
"""
import gzip
from dataclasses import dataclass

import numpy as np


@dataclass
class LikesSplit:
    u: np.ndarray  # user index of each interaction
    i: np.ndarray  # item index of each interaction
    liked: np.ndarray  # 1 liked, 0 not
    held: np.ndarray  # held out (the test part)
    test_users: np.ndarray
    n_users: int
    n_items: int

    @property
    def train(self):
        return ~self.held


def load(path, rng):
    with gzip.open(path, "rt") as f:
        f.readline()
        d = np.loadtxt(f, delimiter=",", dtype=np.int64)
    users, items, liked = d[:, 0], d[:, 1], d[:, 2]
    _, u = np.unique(users, return_inverse=True)
    _, i = np.unique(items, return_inverse=True)
    keep = np.bincount(i) >= 5
    remap = np.cumsum(keep) - 1
    m = keep[i]
    u, i, liked = u[m], remap[i[m]], liked[m]
    n_users, n_items = u.max() + 1, int(keep.sum())
    counts = np.bincount(u, minlength=n_users)
    test_users = rng.choice(np.flatnonzero(counts >= 5), size=10000, replace=False)
    is_test = np.zeros(n_users, bool)
    is_test[test_users] = True
    held = np.zeros(len(u), bool)
    held[is_test[u] & (rng.random(len(u)) < 0.2)] = True
    return LikesSplit(u, i, liked, held, test_users, n_users, n_items)
