"""Elementwise ops: arithmetic, unary/binary/ternary math, comparisons and logic, activations, softmax,
special functions (gamma, erf, Bessel), complex helpers."""
