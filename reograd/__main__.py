"""``reograd demo [options]`` / ``python -m reograd demo``: the command-line entry point.

- ``reograd demo``: train an MLP on MNIST, print the test accuracy, save the convergence plot
  (``reograd demo --help`` for the options); ``reograd demo cnn``: the same with LeNet-5.
- ``reograd autodiff``: the notes' worked example e = (a + b) * (b + 1).
"""
from __future__ import annotations

import argparse
import sys


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "demo":  # its own parser: `reograd demo --help` lists the demo's options
        from .demos import mnist_demo  # noqa: PLC0415

        if len(argv) > 1 and argv[1] == "cnn":
            return mnist_demo(argv[2:], cnn=True)
        return mnist_demo(argv[1:])
    parser = argparse.ArgumentParser(prog="reograd", description="reograd command line")
    sub = parser.add_subparsers(dest="cmd")
    sub.add_parser("demo", help="the flagship demo: an MLP on MNIST to >= 98%% test accuracy ("
                                "`reograd demo cnn`: LeNet-5)")
    sub.add_parser("autodiff", help="the notes' worked example e = (a+b)*(b+1)")
    args = parser.parse_args(argv)
    if args.cmd == "autodiff":
        from .demos import autodiff_example  # noqa: PLC0415

        autodiff_example()
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
