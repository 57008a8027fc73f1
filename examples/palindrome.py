"""The notes' toy comparison of recurrent models (seed 002): learn to recognise palindromes of length
1 to 10 over a small digit alphabet — (1,2,3,2,1) -> 1, (2,1,2) -> 1, (3,4,1,2) -> 0, (0) -> 1,
(1,4) -> 0. An Elman RNN and an LSTM of the same hidden size, trained the same way (same data, seed,
optimizer and steps), read the sequence one symbol at a time and classify it from their last state.
The example prints the held-out accuracy per sequence length for both: the LSTM, whose cell state
gives the gradient an additive path through time, learns the long sequences; the plain RNN, whose
gradient goes through a squashing non-linearity at every step, falls behind on them.

Half of the sequences are palindromes; the other half are palindromes with one symbol changed (so a
model must compare every mirrored pair, not guess from the symbol counts) or, for a quarter of
them, random sequences. Sequences of mixed lengths are batched as a PackedSequence.

    python examples/palindrome.py [--steps 6000] [--hidden 64] [--plot runs/palindrome.png]
    python examples/palindrome.py --quick
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import reograd as torch  # noqa: E402
import reograd.nn as nn  # noqa: E402
import reograd.nn.functional as F  # noqa: E402
from reograd.nn.utils.rnn import pack_sequence  # noqa: E402
from _figure import new_figure, save_figure  # noqa: E402

ALPHABET = 5      # the digits 0..4 of the notes' examples
MAX_LEN = 10


def make_sequences(n, rng, max_len=MAX_LEN, alphabet=ALPHABET):
    """n labelled sequences: (list of int arrays, labels (n,) in {0, 1}), lengths uniform in 1..max_len."""
    seqs, labels = [], []
    for _ in range(n):
        L = int(rng.integers(1, max_len + 1))
        half = rng.integers(0, alphabet, (L + 1) // 2)
        pal = np.concatenate([half, half[:L // 2][::-1]])
        if L == 1 or rng.random() < 0.5:  # (a single symbol is always a palindrome)
            seqs.append(pal)
            labels.append(1)
            continue
        if rng.random() < 0.5:  # one symbol changed: the hard negatives
            s = pal.copy()
            k = int(rng.integers(0, L))
            if L % 2 and k == L // 2:  # the middle symbol is its own mirror: change another one
                k = 0
            s[k] = (s[k] + rng.integers(1, alphabet)) % alphabet
        else:
            s = rng.integers(0, alphabet, L)
        is_pal = int(np.array_equal(s, s[::-1]))
        seqs.append(s)
        labels.append(is_pal)
    return seqs, np.array(labels, dtype=np.float32)


class Classifier(nn.Module):
    """One-hot symbols -> a recurrent layer (``nn.RNN`` or ``nn.LSTM``) -> a linear read-out of h_T."""

    def __init__(self, kind, hidden, alphabet=ALPHABET):
        super().__init__()
        self.alphabet = alphabet
        self.rnn = (nn.LSTM if kind == "LSTM" else nn.RNN)(alphabet, hidden)
        self.head = nn.Linear(hidden, 1)

    def forward(self, seqs):
        eye = np.eye(self.alphabet, dtype=np.float32)
        packed = pack_sequence([torch.from_numpy(eye[s]) for s in seqs], enforce_sorted=False)
        _, h = self.rnn(packed)
        h_last = h[0] if isinstance(h, tuple) else h   # (num_layers, N, hidden): the last layer's h_T
        return self.head(h_last[-1]).squeeze(-1)


def train(kind, steps, hidden, batch, lr, seed=0, log=print):
    """Train a Classifier with Adam on fresh batches; returns the model."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = Classifier(kind, hidden)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    t0 = time.time()
    run = []
    for step in range(1, steps + 1):
        seqs, y = make_sequences(batch, rng)
        loss = F.binary_cross_entropy_with_logits(model(seqs), torch.from_numpy(y))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        run.append(loss.item())
        if step % max(1, steps // 5) == 0:
            log(f"  {kind:4s} step {step:5d}  loss {np.mean(run[-100:]):.4f}  ({time.time() - t0:.0f} s)")
    return model


def accuracy_by_length(model, n_per_length=400, seed=123):
    """Held-out accuracy for each length 1..MAX_LEN (sequences from a different seed), and overall."""
    rng = np.random.default_rng(seed)
    acc = {}
    correct = total = 0
    model.eval()
    with torch.no_grad():
        for L in range(1, MAX_LEN + 1):
            seqs, y = [], []
            while len(seqs) < n_per_length:  # sample the training distribution, keep length L
                s, lab = make_sequences(4 * n_per_length, rng)
                keep = [i for i, q in enumerate(s) if len(q) == L]
                seqs += [s[i] for i in keep]
                y += [lab[i] for i in keep]
            seqs, y = seqs[:n_per_length], np.array(y[:n_per_length])
            pred = (model(seqs).numpy() > 0).astype(np.float32)
            acc[L] = float((pred == y).mean())
            correct += int((pred == y).sum())
            total += len(y)
    model.train()
    return acc, correct / total


def plot(results, path):
    """Accuracy per length, one line per model."""
    made = new_figure()
    if made is None:
        return
    fig, (ax,) = made
    for kind, (acc, _) in results.items():
        ax.plot(list(acc), list(acc.values()), marker="o", label=kind)
    ax.set_xlabel("sequence length")
    ax.set_ylabel("held-out accuracy")
    ax.set_ylim(0.4, 1.02)
    ax.set_title("Palindromes: Elman RNN vs LSTM")
    ax.legend()
    save_figure(fig, path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=6000)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", default=os.path.join("runs", "palindrome.png"), help="PNG path ('' for none)")
    p.add_argument("--quick", action="store_true", help="a few hundred steps (a smoke test, not the result)")
    a = p.parse_args(argv)
    if a.quick:
        a.steps, a.hidden = 150, 16
    results = {}
    for kind in ("RNN", "LSTM"):
        model = train(kind, a.steps, a.hidden, a.batch_size, a.lr, a.seed)
        results[kind] = accuracy_by_length(model, 100 if a.quick else 400)
    print(f"\nheld-out accuracy per length ({a.steps} steps, hidden {a.hidden}, alphabet {ALPHABET})")
    print(f"{'length':>6} | {'RNN':>6} | {'LSTM':>6}")
    print("-" * 26)
    for L in range(1, MAX_LEN + 1):
        print(f"{L:6d} | {results['RNN'][0][L]:6.3f} | {results['LSTM'][0][L]:6.3f}")
    print(f"{'all':>6} | {results['RNN'][1]:6.3f} | {results['LSTM'][1]:6.3f}")
    if a.plot:
        plot(results, a.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
