"""Column order for the sphere decoder: numerical rank by pivoted QR, then V-BLAST order."""
from __future__ import annotations

import numpy as np


def _column_order(A: np.ndarray) -> np.ndarray:
    """Column permutation for the search (position N-1 = root of the tree).

    * QR with column pivoting gives the numerical rank ``r`` of ``A`` (diagonal entries above
      ``max(shape) * eps * |R_00|``) and ``r`` well-conditioned basis columns.  The other
      ``N - r`` columns (``r = M < N`` when ``lam = 0`` and alpha < 1, or exactly dependent
      columns) are placed at the top of the tree (positions ``r..N-1``), where their rows are
      absent or have a (near-)zero diagonal, and are enumerated in full.  The rank only decides
      the *order*; the search itself uses every row of ``R`` and stays exact.
    * The basis columns are ordered V-BLAST style: for positions ``r-1`` down to 0 pick the
      remaining column with the largest conditional diagonal
      ``R_ii^2 = 1 / [G_S^{-1}]_{kk}`` (``G_S`` the Gram matrix of the columns still unplaced),
      so the strongest constraints sit near the root and prune early.
    """
    import scipy.linalg

    _, Rp, piv = scipy.linalg.qr(A, mode="economic", pivoting=True)
    dg = np.abs(np.diag(Rp))
    tol = max(A.shape) * np.finfo(np.float64).eps * (dg[0] if dg.size else 0.0)
    rank = int(np.sum(dg > tol))
    basis = np.sort(piv[:rank])
    free = np.sort(piv[rank:])
    if basis.size == 0:
        return free
    B = A[:, basis]
    Ginv = np.linalg.inv(B.T @ B)
    remaining = list(range(basis.size))
    placed = []
    while remaining:
        diag = np.array([Ginv[k, k] for k in remaining])
        j = int(np.argmin(diag))  # largest 1 / Ginv_kk
        k = remaining.pop(j)
        placed.append(k)
        if remaining:
            # inverse of the Gram matrix with column k removed (Schur complement)
            col = Ginv[:, k].copy()
            Ginv = Ginv - np.outer(col, col) / col[k]
    order_basis = basis[np.array(placed[::-1], dtype=np.int64)]
    return np.concatenate([order_basis, free]).astype(np.int64)
