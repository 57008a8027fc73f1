"""``reograd.linalg``: norms, inverses, determinants, solvers and decompositions (as ``torch.linalg``)."""
