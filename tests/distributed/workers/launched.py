"""Run by the launcher: prints what each rank sees as one JSON line; a failure mode by argv."""
import json
import os
import sys

info = {k: os.environ.get(k) for k in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "OMP_NUM_THREADS")}
info.update(argv=sys.argv, name=__name__, path0=sys.path[0])
with open(os.path.join(os.environ["LAUNCH_REPORTS"], f"rank{info['RANK']}.json"), "w") as f:
    json.dump(info, f)  # (a file per rank: the ranks' stdout lines may interleave)
if sys.argv[1:2] == ["exit"] and os.environ["RANK"] == "1":
    sys.exit(3)
if sys.argv[1:2] == ["raise"] and os.environ["RANK"] == "1":
    raise KeyError("rank 1 lost its key")
if sys.argv[1:2] == ["sleep"]:
    import time

    print("SLEEPING", flush=True)
    time.sleep(120)
