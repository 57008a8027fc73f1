"""The flagship MNIST MLP trained data-parallel over MPI: the same accuracy, more samples per second.

The notes' third thing every deep-learning library does is "use efficient hardware for
multiprocessing". Here the demo's 784-512-256-10 MLP (ReLU, dropout 0.2, Adam lr 1e-3 with cosine
decay, global batch 128) trains on N processes: each rank holds a replica, reads its 1/N of every
epoch (DistributedSampler) in batches of 128/N, and DistributedDataParallel averages the gradients in
buckets during backward, so each step applies the gradient of the whole batch of 128 -- the same
optimisation as one process, and the same test accuracy (98% and more after 8 epochs; the single
process demo's, within the noise of the data order).

    mpiexec -n 2 python examples/ddp_mnist.py                       # 8 epochs on 2 processes
    python -m reograd.distributed.run --nproc-per-node 2 examples/ddp_mnist.py --epochs 4
    python examples/ddp_mnist.py --compare 2 --epochs 2              # 1 then 2 processes: accuracy, samples/s
    python examples/ddp_mnist.py --quick                             # 1 epoch on 10,000 images, 1 process

Only rank 0 prints. Samples/s counts the training samples of all ranks per second of training
(evaluation excluded); scaling efficiency = speedup / N. Each rank gets (cores / N) BLAS threads
under the launcher, so 1 and N processes use the same cores.
"""
import argparse
import os
import re
import subprocess
import sys
import time

import numpy as np

import reograd
import reograd.distributed as dist
from reograd.demos import build_mlp, load_mnist
from reograd.train import ProgressBar, Trainer
from reograd.utils.data import DataLoader, DistributedSampler, TensorDataset

GLOBAL_BATCH = 128


def parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=8, help="training epochs (default 8)")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam's initial learning rate (default 1e-3)")
    p.add_argument("--seed", type=int, default=0, help="random seed, the same on every rank (default 0)")
    p.add_argument("--root", default=None, help="data root holding mnist/ (else $REOGRAD_DATA, the cache, a download)")
    p.add_argument("--quick", action="store_true", help="smoke test: 1 epoch on 10,000 training images")
    p.add_argument("--no-progress", action="store_true", help="one line per epoch instead of a progress bar")
    p.add_argument("--compare", type=int, default=0, metavar="N",
                   help="run the training with 1 and then N processes (through the launcher) and print both")
    return p


def train(args):
    """Train in the current MPI job; rank 0 prints the result line. Returns the exit status."""
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    if GLOBAL_BATCH % world:
        raise SystemExit(f"ddp_mnist: the global batch {GLOBAL_BATCH} must divide evenly across {world} processes")
    try:
        x_train, y_train, x_test, y_test, folder = load_mnist(args.root, download=rank == 0)
    except (RuntimeError, OSError) as e:
        if rank == 0:
            print(f"MNIST was not found or could not be read.\n{e}", file=sys.stderr)
        return 1
    rng = np.random.default_rng(args.seed)
    train_idx = rng.permutation(len(x_train))[5000:]           # the demo's split: 5,000 held out
    epochs = args.epochs
    if args.quick:
        train_idx, epochs = train_idx[:10000], 1
    t = reograd.from_numpy
    train_set = TensorDataset(t(x_train[train_idx]), t(y_train[train_idx]))
    test_set = TensorDataset(t(x_test), t(y_test))
    loader = DataLoader(train_set, batch_size=GLOBAL_BATCH // world,
                        sampler=DistributedSampler(train_set, shuffle=True, seed=args.seed))
    test_loader = DataLoader(test_set, batch_size=1000, sampler=DistributedSampler(test_set, shuffle=False))

    reograd.manual_seed(args.seed)                             # (rank 0's initial weights are broadcast anyway)
    model = build_mlp((512, 256), 0.2)
    optimizer = reograd.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = reograd.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * len(loader),
                                                             eta_min=args.lr * 0.01)
    if rank == 0:
        print(f"MNIST from {folder}: {len(train_idx)} training images, {world} process{'es' if world > 1 else ''}, "
              f"batch {GLOBAL_BATCH} ({GLOBAL_BATCH // world} per process), {epochs} epoch{'s' if epochs > 1 else ''}",
              flush=True)
    trainer = Trainer(model, optimizer, reograd.nn.CrossEntropyLoss(), metrics=["accuracy"], scheduler=scheduler,
                      scheduler_interval="batch", distributed=True,
                      callbacks=[ProgressBar(use_tqdm=False if args.no_progress else None)])
    history = trainer.fit(loader, epochs=epochs)
    seconds = sum(history.history["time"])
    test = trainer.evaluate(test_loader)
    if rank == 0:
        rate = len(train_idx) * len(history) / seconds
        print(f"test accuracy: {100 * test['accuracy']:.2f}%  (test loss {test['loss']:.4f})")
        print(f"RESULT processes={world} accuracy={100 * test['accuracy']:.2f} samples_per_s={rate:.0f} "
              f"train_s={seconds:.1f}", flush=True)
    dist.destroy_process_group()
    return 0


def compare(args, argv):
    """Run the training with 1 and with ``args.compare`` processes; print accuracy, samples/s, efficiency."""
    passed, skip = [], False
    for a in argv:  # the same arguments, without --compare N
        if not skip and a != "--compare" and not a.startswith("--compare="):
            passed.append(a)
        skip = a == "--compare"
    rows = []
    for n in (1, args.compare):
        cmd = [sys.executable, "-m", "reograd.distributed.run", "--nproc-per-node", str(n), os.path.abspath(__file__),
               "--no-progress", *passed]
        print(f"$ {' '.join(cmd[1:])}", flush=True)
        t0 = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True)
        sys.stdout.write(out.stdout)
        found = re.search(r"RESULT processes=(\d+) accuracy=([\d.]+) samples_per_s=(\d+)", out.stdout)
        if out.returncode or not found:
            sys.stderr.write(out.stderr)
            return out.returncode or 1
        rows.append((n, float(found.group(2)), float(found.group(3)), time.perf_counter() - t0))
    base = rows[0][2]
    print("\nprocesses  test accuracy  samples/s  speedup  scaling efficiency")
    for n, acc, rate, _ in rows:
        print(f"{n:9d}  {acc:12.2f}%  {rate:9.0f}  {rate / base:6.2f}x  {100 * rate / base / n:17.0f}%")
    print(f"accuracy difference: {rows[1][1] - rows[0][1]:+.2f} points (the 1-process row is the single-process demo)")
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    if args.compare:
        return compare(args, argv)
    return train(args)


if __name__ == "__main__":
    sys.exit(main())
