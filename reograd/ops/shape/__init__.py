"""Shape ops: views (reshape, permute, expand...), copies (flip, roll, repeat...), joins and splits,
strided views and scatters, diagonals and triangles, padding, grids."""
