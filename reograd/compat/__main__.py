"""``python -m reograd.compat script.py [args...]``: run a PyTorch script on reograd.

Also ``python -m reograd.compat -m package.module [args...]`` for a module. The script sees
``sys.argv == [script.py, args...]`` and its own folder first on ``sys.path``, as under ``python``.
"""
from __future__ import annotations

import os
import runpy
import sys

USAGE = ("usage: python -m reograd.compat script.py [args...]\n"
         "       python -m reograd.compat -m module [args...]\n"
         "Runs a PyTorch script with `import torch` / torchvision / torchviz resolved to reograd.")


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr if not argv else sys.stdout)
        return 2 if not argv else 0
    from . import install

    install()
    if argv[0] == "-m":
        if len(argv) < 2:
            print("reograd.compat: -m needs a module name\n" + USAGE, file=sys.stderr)
            return 2
        module = argv[1]
        sys.argv = [module] + argv[2:]
        sys.path.insert(0, os.getcwd())
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    script = argv[0]
    if not os.path.exists(script):
        print(f"reograd.compat: can't open file '{script}': no such file", file=sys.stderr)
        return 2
    sys.argv = [script] + argv[1:]
    script_dir = os.path.dirname(os.path.abspath(script))
    if sys.path and sys.path[0] in ("", os.getcwd()):
        sys.path[0] = script_dir  # as `python script.py`: the script's folder, not the cwd
    else:
        sys.path.insert(0, script_dir)
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
