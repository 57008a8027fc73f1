"""A character-level language model (the notes' "two stacked LSTM layers", seed 002) trained on the
lecture notes themselves (``../shared/seeds/*.txt``, or any text files given).

Characters are embedded, run through a 2-layer LSTM and a linear read-out that predicts the next
character. Training uses truncated backpropagation through time: the text is cut into ``--batch-size``
parallel streams, each read in chunks of ``--bptt`` characters; the LSTM state is carried from one
chunk to the next but detached, so gradients flow back at most one chunk. Gradients are clipped to
norm ``--clip``. The example prints the validation perplexity exp(mean cross-entropy per character)
before training, after every epoch, and against the unigram baseline (every character predicted by
its frequency in the training text), then samples text at a temperature.

    python examples/char_lm.py [--epochs 3] [--hidden 256] [--temperature 0.7] [files ...]
    python examples/char_lm.py --quick
"""
import argparse
import glob
import math
import os
import sys
import time

import numpy as np

import reograd as torch
import reograd.nn as nn
import reograd.nn.functional as F

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def default_files():
    """The lecture notes: ``$REOGRAD_SEEDS``, else ``seeds/`` next to ``$REOGRAD_DATA`` (the shared
    folder), else ``../shared/seeds`` (or ``../../shared/seeds``) beside the repository."""
    places = [os.environ.get("REOGRAD_SEEDS")]
    if os.environ.get("REOGRAD_DATA"):
        places.append(os.path.join(os.path.dirname(os.path.abspath(os.environ["REOGRAD_DATA"])), "seeds"))
    places += [os.path.join(REPO, "..", "shared", "seeds"), os.path.join(REPO, "..", "..", "shared", "seeds")]
    for place in filter(None, places):
        files = sorted(glob.glob(os.path.join(place, "*.txt")))
        if files:
            return files
    return []


def load_text(files, limit=None):
    """The files' text, concatenated (at most ``limit`` characters)."""
    if not files:
        raise SystemExit("char_lm: no text files found: give some, or set REOGRAD_SEEDS to the lecture notes' "
                         "folder (shared/seeds)")
    text = "".join(open(f, encoding="utf-8", errors="replace").read() for f in files)
    return text[:limit] if limit else text


class CharLM(nn.Module):
    """Embedding -> LSTM(num_layers) -> Linear over the vocabulary; forward returns (logits, state)."""

    def __init__(self, vocab, embed, hidden, layers, dropout):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers, dropout=dropout, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, idx, state=None):
        out, state = self.lstm(self.embed(idx), state)
        return self.head(out), state


def streams(ids, batch):
    """The id sequence cut into ``batch`` contiguous streams: (batch, len // batch)."""
    n = len(ids) // batch
    return ids[:n * batch].reshape(batch, n)


def evaluate(model, data, bptt):
    """Mean cross-entropy per character (nats) over ``data`` (batch, n), the state carried through."""
    model.eval()
    total, count, state = 0.0, 0, None
    with torch.no_grad():
        for s in range(0, data.shape[1] - 1, bptt):
            x = torch.from_numpy(data[:, s:s + bptt])
            y = torch.from_numpy(data[:, s + 1:s + 1 + bptt])
            x = x[:, :y.shape[1]]
            logits, state = model(x, state)
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum").item()
            count += y.numel()
    model.train()
    return total / max(count, 1)


def unigram_nats(train_ids, val_ids, vocab):
    """Cross-entropy of the validation text under the training text's character frequencies (+1 smoothing)."""
    counts = np.bincount(train_ids, minlength=vocab) + 1.0
    logp = np.log(counts / counts.sum())
    return float(-logp[val_ids].mean())


def sample(model, chars, stoi, prime, n, temperature, rng):
    """``n`` characters after ``prime``, each drawn from softmax(logits / temperature)."""
    model.eval()
    out = list(prime)
    with torch.no_grad():
        idx = torch.tensor([[stoi.get(c, 0) for c in prime]])
        logits, state = model(idx)
        for _ in range(n):
            p = F.softmax(logits[0, -1] / temperature, dim=-1).numpy().astype(np.float64)
            k = int(rng.choice(len(p), p=p / p.sum()))
            out.append(chars[k])
            logits, state = model(torch.tensor([[k]]), state)
    model.train()
    return "".join(out)


def train(text, epochs, batch, bptt, embed, hidden, layers, dropout, lr, clip, seed=0, log=print):
    """Train on 90% of ``text``; returns (model, vocabulary, history) with history a dict of perplexities."""
    torch.manual_seed(seed)
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    ids = np.array([stoi[c] for c in text], dtype=np.int64)
    cut = int(len(ids) * 0.9)
    train_ids, val_ids = ids[:cut], ids[cut:]
    tr, va = streams(train_ids, batch), streams(val_ids, max(1, min(batch, len(val_ids) // (bptt + 1))))
    model = CharLM(len(chars), embed, hidden, layers, dropout)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    hist = {"unigram": math.exp(unigram_nats(train_ids, val_ids, len(chars))),
            "val": [math.exp(evaluate(model, va, bptt))]}
    log(f"{len(text)} characters, vocabulary {len(chars)}; {tr.shape[1] // bptt} chunks of {batch} x {bptt} per epoch")
    log(f"validation perplexity before training {hist['val'][0]:.2f}, unigram baseline {hist['unigram']:.2f}")
    for epoch in range(1, epochs + 1):
        t0 = time.time()
        state, losses = None, []
        for s in range(0, tr.shape[1] - 1 - bptt + 1, bptt):
            x = torch.from_numpy(tr[:, s:s + bptt])
            y = torch.from_numpy(tr[:, s + 1:s + 1 + bptt])
            if state is not None:  # truncated BPTT: keep the state, drop its history
                state = tuple(h.detach() for h in state)
            logits, state = model(x, state)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            losses.append(loss.item())
        hist["val"].append(math.exp(evaluate(model, va, bptt)))
        log(f"epoch {epoch}: train perplexity {math.exp(np.mean(losses)):.2f}, validation {hist['val'][-1]:.2f} "
            f"({time.time() - t0:.0f} s)")
    return model, (chars, stoi), hist


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("files", nargs="*", help="text files (default: the lecture notes)")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--bptt", type=int, default=64, help="characters per truncated-BPTT chunk")
    p.add_argument("--embed", type=int, default=32)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--limit", type=int, default=None, help="use only the first LIMIT characters")
    p.add_argument("--temperature", type=float, default=0.7)
    p.add_argument("--sample", type=int, default=300, help="characters to sample")
    p.add_argument("--prime", default="The gradient ")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="40k characters, a small model, one epoch")
    a = p.parse_args(argv)
    if a.quick:
        a.limit, a.hidden, a.epochs, a.sample = 40000, 64, 1, 80
    text = load_text(a.files or default_files(), a.limit)
    model, (chars, stoi), hist = train(text, a.epochs, a.batch_size, a.bptt, a.embed, a.hidden, a.layers, a.dropout,
                                       a.lr, a.clip, a.seed)
    print(f"\nvalidation perplexity: before {hist['val'][0]:.2f}, after {hist['val'][-1]:.2f} "
          f"(unigram baseline {hist['unigram']:.2f})")
    text = sample(model, chars, stoi, a.prime, a.sample, a.temperature, np.random.default_rng(a.seed))
    print(f"\nsample (temperature {a.temperature}):\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
