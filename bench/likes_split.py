"""The seeded split the offline experiments in bench/ share (not `animerec eval`'s own), and how
they score a model on it.

10,000 users with at least 5 interactions hold out 20 % of their interactions; every other
interaction trains. Items with fewer than 5 interactions are left out. Draws from `rng` in a fixed
order (the test users, then one number per interaction), so a script that goes on drawing from it
stays reproducible.
"""
import gzip
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

DISCOUNTS = 1 / np.log2(np.arange(2, 12))  # NDCG@10's position discounts


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

    def matrix(self, values, mask):
        """users × items, `values` at the interactions `mask` selects."""
        return sp.csr_matrix(
            (np.asarray(values, np.float32), (self.u[mask], self.i[mask])), shape=(self.n_users, self.n_items))

    @cached_property
    def seen(self):
        """The train interactions, each 1: what a list must leave out."""
        return self.matrix(np.ones(self.train.sum()), self.train)

    @cached_property
    def relevant(self):
        """All held-out interactions, and held-out likes."""
        likes = self.matrix(self.liked[self.held] == 1, self.held)
        likes.eliminate_zeros()
        return self.matrix(np.ones(self.held.sum()), self.held), likes

    def ndcg(self, scores, rows, relevant):
        """Summed NDCG@10 of the top 10 unseen items by `scores` (one row per user of `rows`) over
        those users with a relevant item, and their count."""
        scores = scores.copy()
        scores[self.seen[rows].nonzero()] = -np.inf
        top = np.argpartition(-scores, 10, axis=1)[:, :10]
        order = np.take_along_axis(scores, top, 1).argsort(axis=1)[:, ::-1]
        top = np.take_along_axis(top, order, 1)
        R = relevant[rows]
        total, n = 0.0, 0
        for k in range(len(rows)):
            rs = R.indices[R.indptr[k]:R.indptr[k + 1]]
            if len(rs) == 0:
                continue
            total += (np.isin(top[k], rs) * DISCOUNTS).sum() / DISCOUNTS[:min(10, len(rs))].sum()
            n += 1
        return total, n

    def evaluate(self, score, label, batch=2000):
        """Prints the test users' mean NDCG@10 on all held-out interactions and on held-out likes,
        `score(rows)` giving a dense row of item scores per user, `batch` users at a time."""
        result = []
        for relevant in self.relevant:
            total = n = 0
            for start in range(0, len(self.test_users), batch):
                rows = self.test_users[start:start + batch]
                t, c = self.ndcg(score(rows), rows, relevant)
                total, n = total + t, n + c
            result.append(total / n)
        print(f"{label}: all {result[0]:.4f} liked {result[1]:.4f}", flush=True)


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
