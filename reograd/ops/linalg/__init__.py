"""Linear algebra: matrix products, einsum, decompositions and solvers, norms, distances."""
