"""fit(..., distributed=True) on 2 ranks: the progress lines and the checkpoint come from rank 0 only,
every rank logs the same (all-reduced) numbers, the sampler's epoch is set, and the training equals
single-process training on the full data. argv[1]: the folder for checkpoints and plots."""
import json
import os
import sys

import numpy as np

import reograd
import reograd.distributed as dist
import reograd.nn as nn
from reograd.train import ModelCheckpoint, ProgressBar, fit
from reograd.utils.data import DataLoader, DistributedSampler, TensorDataset

out = sys.argv[1]
dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
rng = np.random.default_rng(0)
x = reograd.tensor(rng.standard_normal((64, 6)).astype(np.float32))
y = reograd.tensor((rng.standard_normal(64) > 0).astype(np.int64))
data = TensorDataset(x, y)


def model():
    reograd.manual_seed(1)
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 2))


sampler = DistributedSampler(data, shuffle=False)          # rank r: samples r, r + 2, ...
net = model()
history = fit(net, DataLoader(data, batch_size=16 // world, sampler=sampler), epochs=3, distributed=True,
              optimizer=reograd.optim.SGD(net.parameters(), lr=0.2),
              val_data=DataLoader(data, batch_size=8, sampler=DistributedSampler(data, shuffle=False)),
              metrics=["accuracy", "f1"], callbacks=[ProgressBar(use_tqdm=False, file=sys.stdout),
                                                     ModelCheckpoint(os.path.join(out, "ckpt-{epoch}.pt"))])
plot = history.plot(os.path.join(out, "curve.png"))

# the same training in one process: full batches of 16, in the order the two ranks' shares interleave
ref = model()
order = np.arange(64).reshape(-1, 2).T.reshape(world, -1)   # rank 0's indices, then rank 1's
ref_hist = fit(ref, [(x[np.concatenate([o[i:i + 16 // world] for o in order])],
                      y[np.concatenate([o[i:i + 16 // world] for o in order])]) for i in range(0, 32, 16 // world)],
               epochs=3, optimizer=reograd.optim.SGD(ref.parameters(), lr=0.2), verbose=0)
diff = max(float((a - b).abs().max()) for a, b in zip(net.parameters(), ref.parameters()))
report = {"history": history.history, "plot": plot, "epoch": sampler.epoch, "diff": diff,
          "ref_loss": ref_hist.history["loss"], "keys": sorted(net.state_dict())}
everyone = [None] * world
dist.all_gather_object(everyone, report)
if rank == 0:
    print("REPORT " + json.dumps(everyone), flush=True)
