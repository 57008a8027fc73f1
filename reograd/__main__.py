"""``python -m reograd [demo]``: the command-line entry point."""
from __future__ import annotations

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="reograd", description="reograd command line")
    sub = parser.add_subparsers(dest="cmd")
    sub.add_parser("demo", help="run the flagship demo")
    sub.add_parser("autodiff", help="the seeds' worked example e = (a+b)*(b+1)")
    args = parser.parse_args(argv)
    if args.cmd in (None, "demo", "autodiff"):
        from .demos import autodiff_example  # noqa: PLC0415

        autodiff_example()
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
