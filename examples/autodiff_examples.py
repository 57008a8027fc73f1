"""The lecture notes' automatic-differentiation examples, with printed evaluation traces.

    python examples/autodiff_examples.py

1. f(a, b) = log(a b) at (2, 3): value 1.791, gradient (0.5, 0.333).
2. z = sin(x1) + x1 x2 at (2, 3): the forward (primal) trace w1..w5, the forward-mode tangent
   trace (one pass per input), the reverse (adjoint) trace: dz/dx1 = cos(2) + 3 = 2.584, dz/dx2 = 2.
3. e = (a + b)(b + 1) at (2, 1): de/da = 2, de/db = 5.
Then the same derivatives with the function transforms (reograd.func, as torch.func), a Hessian,
the backward graph of a small network as text, and anomaly detection catching a NaN gradient.
"""
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import reograd  # noqa: E402
from reograd import func  # noqa: E402
from reograd.autograd.trace import demos  # noqa: E402


def main():
    demos()  # the three worked examples, with their traces

    print("\n== The same with reograd.func (torch.func names)")
    x1, x2 = reograd.tensor(2.0, dtype=reograd.float64), reograd.tensor(3.0, dtype=reograd.float64)
    z = lambda x1, x2: reograd.sin(x1) + x1 * x2  # noqa: E731
    g1, g2 = func.grad(z, argnums=(0, 1))(x1, x2)
    print(f"grad: dz/dx1 = {g1.item():.4f}, dz/dx2 = {g2.item():.4f}")
    _, t1 = func.jvp(z, (x1, x2), (reograd.tensor(1.0, dtype=reograd.float64), reograd.tensor(0.0, dtype=reograd.float64)))
    print(f"jvp along x1 (forward mode, one pass): {t1.item():.4f}")
    H = func.hessian(lambda v: z(v[0], v[1]))(reograd.stack([x1, x2]))
    print(f"Hessian of z: [[-sin 2, 1], [1, 0]] =\n{H}")

    print("\n== The backward graph of a small network (reograd.viz.text_graph; make_dot gives DOT)")
    from reograd import nn, viz
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    loss = model(reograd.randn(2, 3)).pow(2).mean()
    print(viz.text_graph(loss, dict(model.named_parameters())))

    print("\n== Anomaly detection: sqrt of a negative number")
    from reograd.autograd.anomaly import detect_anomaly
    w = reograd.tensor([4.0, -1.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with detect_anomaly():
            y = reograd.sqrt(w).sum()
            try:
                y.backward()
            except RuntimeError as e:
                print(e)


if __name__ == "__main__":
    main()
