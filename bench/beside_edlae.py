"""Does anything cheap add to EDLAE? An offline experiment for issue 26 (docs/benchmarks/quality.md,
"Beside EDLAE: users and pairs"), not part of the product.

    python3 bench/beside_edlae.py [likes.csv.gz] [seed] [pairs]

The split of bench/likes_split.py (seed 42 by default, so none of `animerec eval`'s test users
decide anything). The reference is the collaborative model `eval`'s validation chose on all held-out
interactions: EDLAE on binary input, each user's pairs weighted n^-0.5, λ 30 (scaled by the Gram's
mean diagonal), dropout 0.2. Prints NDCG@10 on all held-out interactions and on held-out likes for:

- the reference, and EDLAE with the users' pairs weighted n^-0.75 and n^-1;
- user-kNN (cosine between users' binary rows, the k nearest users' rows summed, each weighted by
  its similarity^a), alone and blended with the reference (each model's scores scaled to [0, 1] per
  user): a model that finds its evidence in other users, not in items;
- the reference with pairwise item features (after Steck & Liang, "Negative interactions for
  improved collaborative filtering: don't go deeper, go higher", RecSys 2021): the `pairs` item
  pairs with most co-occurrences become more inputs `z = x_r·x_s` of the same regression, fitted
  jointly with the items (dropout 0.2 on every input, the pairs' own λ on a grid), each column
  `j`'s weights held at 0 on item `j` and on the pairs that contain it (the Lagrangian step of
  EASE's zero diagonal). The score is `xB + zC`.
"""
import sys

import numpy as np
import scipy.linalg as sl
import scipy.sparse as sp

import likes_split

path = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/likes.csv.gz"
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 42
pair_count = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
split = likes_split.load(path, np.random.default_rng(seed))
n_users, n_items = split.n_users, split.n_items


X = split.seen


def evaluate(score, label):
    split.evaluate(score, label, batch=1000)


def solve_identity(M):
    factor = sl.cho_factor(M.astype(np.float32), overwrite_a=True)
    return sl.cho_solve(factor, np.eye(len(M), dtype=np.float32), overwrite_b=True)


n_u = np.maximum(np.asarray(X.sum(1)).ravel(), 1)
G0 = (X.T @ X).toarray().astype(np.float64)


def edlae(discount, lam, dropout=0.2):
    Xr = sp.diags((n_u ** (-discount / 2)).astype(np.float32)) @ X
    G = (Xr.T @ Xr).toarray().astype(np.float64)
    G[np.diag_indices(n_items)] += lam * np.mean(np.diag(G)) / np.mean(np.diag(G0)) + dropout / (1 - dropout) * np.diag(G)
    P = solve_identity(G)
    B = (-P / np.diag(P)).astype(np.float32)
    B[np.diag_indices(n_items)] = 0
    return B


B = edlae(0.5, 30)
evaluate(lambda rows: np.asarray(X[rows] @ B), "reference: EDLAE binary, pairs n^-0.5, λ 30")
for discount in (0.75, 1.0):
    Bd = edlae(discount, 100)
    evaluate(lambda rows: np.asarray(X[rows] @ Bd), f"EDLAE binary, pairs n^-{discount}, λ 100")
del Bd

# User-kNN.
norms = np.sqrt(n_u).astype(np.float32)
XT = X.T.tocsr()


def user_knn(rows, k, a, shrink=10):
    S = (X[rows] @ XT).toarray() / (norms[rows][:, None] * norms[None, :] + shrink)
    S[np.arange(len(rows)), rows] = 0
    nearest = np.argpartition(-S, k, axis=1)[:, :k]
    W = sp.csr_matrix(
        (np.take_along_axis(S, nearest, 1).ravel() ** a, nearest.ravel(), np.arange(0, len(rows) * k + 1, k)),
        shape=(len(rows), n_users))
    return np.asarray((W @ X).todense())


def unit(s):
    s = s - s.min(1, keepdims=True)
    return s / (s.max(1, keepdims=True) + 1e-9)


for k, a in ((100, 1.0), (200, 2.0), (400, 2.0)):
    evaluate(lambda rows: user_knn(rows, k, a), f"user-kNN k={k} a={a}")
for w in (0.1, 0.2, 0.3):
    evaluate(lambda rows: (1 - w) * unit(np.asarray(X[rows] @ B)) + w * unit(user_knn(rows, 100, 1.0)),
             f"reference + user-kNN (k=100) blended {w}")

# Pairwise item features: the pairs as more inputs of the same regression, fitted jointly.
upper = np.triu(G0, 1)
chosen = np.argpartition(-upper.ravel(), pair_count)[:pair_count]
first, second = np.unravel_index(chosen, upper.shape)
del upper
print(f"{pair_count} pairs, co-occurrences {G0[first, second].min():.0f} to {G0[first, second].max():.0f}", flush=True)
columns = X.tocsc()
Z = columns[:, first].multiply(columns[:, second]).tocsr().astype(np.float32)
weigh = sp.diags((n_u ** -0.25).astype(np.float32))
A = sp.hstack([weigh @ X, weigh @ Z]).tocsr()
AtA = (A.T @ A).toarray().astype(np.float32)
AtX = (A.T @ (weigh @ X)).toarray().astype(np.float32)
scale = np.mean(np.diag(AtA)[:n_items]) / np.mean(np.diag(G0))
inputs = n_items + pair_count
# Column j's weights are 0 on item j and on every pair that contains j.
held_at_zero = [[j] for j in range(n_items)]
for k, (r, s) in enumerate(zip(first, second)):
    held_at_zero[r].append(n_items + k)
    held_at_zero[s].append(n_items + k)
XZ = sp.hstack([X, Z]).tocsr()
for pair_lambda in (30, 300, 3000):
    M = AtA.copy()
    M[np.diag_indices(inputs)] += 0.2 / 0.8 * np.diag(AtA)
    M[np.arange(n_items), np.arange(n_items)] += 30 * scale
    M[np.arange(n_items, inputs), np.arange(n_items, inputs)] += pair_lambda * scale
    P = solve_identity(M)
    del M
    W = P @ AtX
    for j, S in enumerate(held_at_zero):
        W[:, j] -= P[:, S] @ np.linalg.solve(P[np.ix_(S, S)], W[S, j])
    del P
    evaluate(lambda rows: np.asarray(XZ[rows] @ W), f"reference + {pair_count} pairs, pairs' λ={pair_lambda}")
