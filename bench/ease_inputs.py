"""What should EASE's input be, and what should it predict? An offline experiment for issue 26
(docs/benchmarks/quality.md, "A baseline on binary input"), not part of the product.

    python3 bench/ease_inputs.py [likes.csv.gz] [seed]

One split (the script's own, seed 42 by default, so none of `animerec eval`'s test users decide
anything): 10,000 users with at least 5 interactions hold out 20 % of their interactions; every
other interaction trains (items with at least 5 interactions). Prints NDCG@10 on all held-out
interactions and on held-out likes for:

- EASE on binary input (textbook) at λ 100, 300, 1,000, and on animerec's weighted input (liked 1,
  not liked 0.3) at λ 100;
- EDLAE (dropout 0.2, λ 100) on weighted input, with a watched-not-liked title at 0.1, 0.5 and 1;
- EDLAE on binary input, and a blend of the weighted and binary models' scores;
- EDLAE trained to predict likes from every interaction (target `Y` = likes, zero diagonal);
- EDLAE's scores times each item's like rate (likes / interactions)^a;
- EDLAE with each user's pairs weighted n^-0.5 (λ scaled by the Gram's mean diagonal: 100 on
  weighted input, 30 on binary).
"""
import sys

import numpy as np
import scipy.sparse as sp

import likes_split

path = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/likes.csv.gz"
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 42
split = likes_split.load(path, np.random.default_rng(seed))
liked, train, n_items = split.liked, split.train, split.n_items


X = split.matrix(np.where(liked[train] == 1, 1.0, 0.3), train)
Xb = split.seen
L = split.matrix((liked[train] == 1).astype(float), train)
L.eliminate_zeros()


def gram(A, B=None):
    return (A.T @ (A if B is None else B)).toarray().astype(np.float64)


def inverse(G, lam, p):
    M = G.copy()
    M[np.diag_indices(n_items)] += lam + p / (1 - p) * np.diag(G)
    return np.linalg.inv(M)


def weights(P):
    B = (-P / np.diag(P)).astype(np.float32)
    B[np.diag_indices(n_items)] = 0
    return B


def scorer(Xs, B):
    return lambda rows: np.asarray(Xs[rows] @ B)


G, Gb = gram(X), gram(Xb)
for lam in (100, 300, 1000):
    split.evaluate(scorer(Xb, weights(inverse(Gb, lam, 0))), f"EASE binary λ={lam}")
split.evaluate(scorer(X, weights(inverse(G, 100, 0))), "EASE weighted λ=100")
P = inverse(G, 100, 0.2)
Bw = weights(P)
split.evaluate(scorer(X, Bw), "EDLAE weighted λ=100 p=0.2")
for not_liked in (0.1, 0.5, 1.0):
    Xw = split.matrix(np.where(liked[train] == 1, 1.0, not_liked), train)
    split.evaluate(scorer(Xw, weights(inverse(gram(Xw), 100, 0.2))), f"EDLAE, not liked = {not_liked}")
Bb = weights(inverse(Gb, 100, 0.2))
split.evaluate(scorer(Xb, Bb), "EDLAE binary λ=100 p=0.2")
for a in (0.25, 0.5):
    split.evaluate(lambda rows: (1 - a) * np.asarray(X[rows] @ Bw) + a * np.asarray(Xb[rows] @ Bb), f"blend weighted/binary {a}")
# Likes as the target: b_j = P Xᵀy_j − μ_j P e_j with μ_j making b_jj = 0.
PC = P @ gram(X, L)
BL = (PC - P * (np.diag(PC) / np.diag(P))[None, :]).astype(np.float32)
BL[np.diag_indices(n_items)] = 0
split.evaluate(scorer(X, BL), "EDLAE predicting likes")
rate = (np.asarray(L.sum(0)).ravel() + 1) / (np.asarray(Xb.sum(0)).ravel() + 2)
for a in (0.25, 0.5, 1.0):
    split.evaluate(lambda rows: np.asarray(X[rows] @ Bw) * rate[None, :] ** a, f"EDLAE × like rate^{a}")
n_u = np.asarray(Xb.sum(1)).ravel()
n_u[n_u == 0] = 1
for label, Xs, Gs, lam in (("weighted", X, G, 100), ("binary", Xb, Gb, 30)):
    Gr = gram(sp.diags((n_u ** -0.25).astype(np.float32)) @ Xs)
    scale = np.mean(np.diag(Gr)) / np.mean(np.diag(Gs))
    split.evaluate(scorer(Xs, weights(inverse(Gr, lam * scale, 0.2))), f"EDLAE {label}, users n^-0.5, λ={lam} (scaled)")
