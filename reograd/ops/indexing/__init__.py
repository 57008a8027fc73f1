"""Indexing: ``x[i]`` / ``x[i] = v``, ``index_*`` ops along a dim, masked ops, gather/scatter, counting."""
