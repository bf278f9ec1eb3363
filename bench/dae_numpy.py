"""Does an autoencoder beat EASE on the likes data? An offline experiment for issue 26's second
model (docs/benchmarks/quality.md, "An autoencoder as the second model"), not part of the product.

    python3 bench/dae_numpy.py [likes.csv.gz] [seed] [hidden] [epochs]

One split for both models: 10,000 users with at least 5 interactions hold out 20 % of their
interactions (seeded); every other interaction trains (items with at least 5 interactions).
EASE (lambda 100, the value `animerec eval` tunes to, input weighted as animerec does: liked 1,
not liked 0.3) against a Mult-DAE (Liang et al., "Variational Autoencoders for Collaborative
Filtering", 2018: binary input rows, dropout 0.5, L2-normalised, one tanh layer of `hidden`,
softmax over the items with the multinomial likelihood, Adam 1e-3, batches of 500). Prints NDCG@10
on all held-out interactions and on held-out likes, EASE once and the DAE every 10 epochs, with
each epoch's time. The DAE's figures are read off the test users at every 10th epoch: an
optimistic reading (early stopping on the test users), which is the point: an upper bound.
"""
import sys
import time

import numpy as np
import scipy.sparse as sp

import likes_split

path = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/likes.csv.gz"
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 7
hidden = int(sys.argv[3]) if len(sys.argv) > 3 else 200
epochs = int(sys.argv[4]) if len(sys.argv) > 4 else 60
rng = np.random.default_rng(seed)
split = likes_split.load(path, rng)
u, i, liked, held = split.u, split.i, split.liked, split.held
test_users, n_users, n_items = split.test_users, split.n_users, split.n_items
train = ~held
w = np.where(liked[train] == 1, 1.0, 0.3).astype(np.float32)
X = sp.csr_matrix((w, (u[train], i[train])), shape=(n_users, n_items), dtype=np.float32)
Xb = sp.csr_matrix((np.ones(train.sum(), np.float32), (u[train], i[train])), shape=(n_users, n_items))
H = sp.csr_matrix((np.ones(held.sum(), np.float32), (u[held], i[held])), shape=(n_users, n_items))
HL = sp.csr_matrix(((liked[held] == 1).astype(np.float32), (u[held], i[held])), shape=(n_users, n_items))
HL.eliminate_zeros()
print(f"users {n_users}, items {n_items}, train {train.sum()}, held {held.sum()}", flush=True)
disc = 1 / np.log2(np.arange(2, 12))

def ndcg(scores, rows, rel):
    scores = scores.copy()
    seen = Xb[rows]
    scores[seen.nonzero()] = -np.inf
    top = np.argpartition(-scores, 10, axis=1)[:, :10]
    order = np.take_along_axis(scores, top, 1).argsort(axis=1)[:, ::-1]
    top = np.take_along_axis(top, order, 1)
    R = rel[rows]
    out = []
    for k, row in enumerate(rows):
        rs = R.indices[R.indptr[k]:R.indptr[k + 1]]
        if len(rs) == 0: continue
        hit = np.isin(top[k], rs)
        out.append((hit * disc).sum() / disc[:min(10, len(rs))].sum())
    return np.mean(out)

def evaluate(score_fn, label):
    res = []
    for rel in (H, HL):
        vals = []
        for s in range(0, len(test_users), 2000):
            rows = test_users[s:s + 2000]
            vals.append((ndcg(score_fn(rows), rows, rel), len(rows)))
        res.append(sum(v * n for v, n in vals) / sum(n for _, n in vals))
    print(f"{label}: ndcg@10 all {res[0]:.4f} liked {res[1]:.4f}", flush=True)
    return res

t = time.perf_counter()
G = (X.T @ X).toarray().astype(np.float64)
G[np.diag_indices(n_items)] += 100
P = np.linalg.inv(G)
B = (-P / np.diag(P)).astype(np.float32)
B[np.diag_indices(n_items)] = 0
print(f"ease fit {time.perf_counter() - t:.1f} s", flush=True)
evaluate(lambda rows: np.asarray(X[rows] @ B), "EASE lambda=100 (weighted input)")
del G, P

# Mult-DAE on binary input rows, dropout 0.5, L2-normalised.
W1 = (rng.standard_normal((n_items, hidden)) * np.sqrt(2 / (n_items + hidden))).astype(np.float32)
b1 = np.zeros(hidden, np.float32)
W2 = (rng.standard_normal((hidden, n_items)) * np.sqrt(2 / (n_items + hidden))).astype(np.float32)
b2 = np.zeros(n_items, np.float32)
params = [W1, b1, W2, b2]
mom = [np.zeros_like(p) for p in params]; vel = [np.zeros_like(p) for p in params]
lr, beta1, beta2, decay, step = 1e-3, 0.9, 0.999, 0.005, 0
train_rows = np.flatnonzero(np.asarray(Xb.sum(1)).ravel() > 0)

def forward(Xrows, drop):
    if drop:
        Xrows = Xrows.copy(); mask = rng.random(Xrows.nnz) < 0.5
        Xrows.data = np.where(mask, 0, Xrows.data / 0.5).astype(np.float32)
    norm = np.sqrt(np.asarray(Xrows.multiply(Xrows).sum(1)).ravel()); norm[norm == 0] = 1
    Xin = sp.diags(1 / norm).astype(np.float32) @ Xrows
    h = np.tanh(Xin @ W1 + b1)
    return Xin, h, h @ W2 + b2

def dae_scores(rows):
    return forward(Xb[rows], False)[2]

batch = 500
for epoch in range(1, epochs + 1):
    t = time.perf_counter(); loss = 0
    perm = rng.permutation(train_rows)
    for s in range(0, len(perm), batch):
        rows = perm[s:s + batch]
        Xr = Xb[rows]
        Xin, h, logits = forward(Xr, True)
        logits -= logits.max(1, keepdims=True)
        p = np.exp(logits); p /= p.sum(1, keepdims=True)
        xd = Xr.toarray()
        nsum = xd.sum(1, keepdims=True)
        loss += -(xd * np.log(p + 1e-10)).sum()
        dlog = (p * nsum - xd) / len(rows)
        gW2 = h.T @ dlog + decay * W2
        gb2 = dlog.sum(0)
        dh = (dlog @ W2.T) * (1 - h * h)
        gW1 = np.asarray(Xin.T @ dh) + decay * W1
        gb1 = dh.sum(0)
        step += 1
        for k, g in enumerate([gW1, gb1, gW2, gb2]):
            mom[k] = beta1 * mom[k] + (1 - beta1) * g
            vel[k] = beta2 * vel[k] + (1 - beta2) * g * g
            mh = mom[k] / (1 - beta1 ** step); vh = vel[k] / (1 - beta2 ** step)
            params[k] -= (lr * mh / (np.sqrt(vh) + 1e-8)).astype(np.float32)
    print(f"epoch {epoch} loss {loss / len(perm):.2f} ({time.perf_counter() - t:.1f} s)", flush=True)
    if epoch % 10 == 0:
        evaluate(dae_scores, f"Mult-DAE h={hidden} epoch {epoch}")
