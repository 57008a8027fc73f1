"""Rank 1 fails (raise / os._exit / SIGKILL / sys.exit, by argv[1]) while rank 0 waits in a collective."""
import os
import signal
import sys
import time

import reograd
import reograd.distributed as dist

dist.init_process_group("mpi")
t = reograd.ones(4)
dist.all_reduce(t)                      # both ranks are up
if dist.get_rank() == 1:
    time.sleep(0.2)
    how = sys.argv[1]
    if how == "raise":
        raise ValueError("rank 1 gives up here")
    if how == "exit":
        sys.exit(3)
    if how == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
dist.all_reduce(t)                      # rank 0 waits here for a rank that is gone
print("rank", dist.get_rank(), "finished", flush=True)
