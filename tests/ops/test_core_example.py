"""The pattern every op test file follows. (The exemplar arithmetic ops are covered in test_elementwise.py.)"""
from opcases import OpCase, make_tests

CASES = [
    OpCase("matmul", lambda t, a, b: t.matmul(a, b), [(2, 3, 4), (4, 5)]),
]
globals().update(make_tests(CASES))
