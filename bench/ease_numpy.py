"""EASE with numpy/scipy on the matrix `animerec rebuild` fits, for bench/ease.sh.

Reads a likes file (user_id,anime_id,liked) or a ratings file (user_id,anime_id,rating), weighs each
interaction as animerec does (liked 1, not liked 0.3; a rating relative to the user's own mean and
spread: 0.65 + 0.25 z clamped to [0.15, 1]; -1 = watched 0.5), keeps items with at least
MIN_SUPPORT interactions, and times G = XᵀX, the inverse (Cholesky, LAPACK through scipy) and B.
The diagonal gets λ plus DROPOUT/(1−DROPOUT) times its own entry, as animerec's EDLAE (0: EASE).
Prints one line: `numpy: items N, gram S s, inverse S s, total S s`.

    python3 bench/ease_numpy.py RATINGS LAMBDA MIN_SUPPORT [DROPOUT]
"""
import gzip
import sys
import time

import numpy as np
import scipy.linalg
import scipy.sparse


def read(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as handle:
        header = handle.readline().strip().split(",")
        data = np.loadtxt(handle, delimiter=",", dtype=np.int64, ndmin=2)
    return header[2], data[:, 0], data[:, 1], data[:, 2]


def weights(kind, users, values):
    if kind == "liked":
        return np.where(values == 1, 1.0, 0.3)
    rated = values > 0
    order = np.argsort(users, kind="stable")
    result = np.full(len(values), 0.5)
    u, starts = np.unique(users[order], return_index=True)
    ends = np.append(starts[1:], len(order))
    for start, end in zip(starts, ends):
        rows = order[start:end]
        r = values[rows][rated[rows]].astype(float)
        if len(r) == 0:
            continue
        mean = r.mean()
        spread = max(r.std() if len(r) > 1 else 0.0, 0.1 * mean, 0.1)
        z = (values[rows] - mean) / spread
        result[rows] = np.where(rated[rows], np.clip(0.65 + 0.25 * z, 0.15, 1.0), 0.5)
    return result


def main():
    path, lam, min_support = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    dropout = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    kind, users, items, values = read(path)
    x_weights = weights(kind, users, values).astype(np.float32)
    _, user_index = np.unique(users, return_inverse=True)
    item_ids, item_index = np.unique(items, return_inverse=True)
    support = np.bincount(item_index)
    keep = support >= min_support
    remap = np.cumsum(keep) - 1
    mask = keep[item_index]
    x = scipy.sparse.csr_matrix(
        (x_weights[mask], (user_index[mask], remap[item_index[mask]])),
        shape=(user_index.max() + 1, int(keep.sum())), dtype=np.float32)
    started = time.perf_counter()
    gram = (x.T @ x).toarray()
    gram_done = time.perf_counter()
    gram[np.diag_indices_from(gram)] += lam + dropout / (1 - dropout) * np.diag(gram)
    p = scipy.linalg.cho_solve(scipy.linalg.cho_factor(gram, lower=True, overwrite_a=True), np.eye(gram.shape[0], dtype=np.float32))
    b = -p / np.diag(p)
    np.fill_diagonal(b, 0)
    done = time.perf_counter()
    print(f"numpy: items {gram.shape[0]}, gram {gram_done - started:.2f} s, inverse {done - gram_done:.2f} s, total {done - started:.2f} s")


if __name__ == "__main__":
    main()
