"""The pattern every op test file follows (and a first check of the exemplar ops)."""
from opcases import OpCase, Pos, make_tests

CASES = [
    OpCase("add", lambda t, a, b: t.add(a, b), [(3, 4), (4,)]),
    OpCase("add", lambda t, a, b: t.add(a, b, alpha=2.5), [(2, 3), (2, 1)], id="alpha"),
    OpCase("mul", lambda t, a, b: t.mul(a, b), [(3, 1), (1, 4)]),
    OpCase("div", lambda t, a, b: t.div(a, b), [(3, 4), Pos((4,))]),
    OpCase("exp", lambda t, a: t.exp(a), [(5,)]),
    OpCase("log", lambda t, a: t.log(a), [Pos((5,))]),
    OpCase("matmul", lambda t, a, b: t.matmul(a, b), [(2, 3, 4), (4, 5)]),
]
globals().update(make_tests(CASES))
