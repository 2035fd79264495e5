import os

import torch

# Tiny models train fastest on one thread; the machine has 2 cores.
torch.set_num_threads(1)
os.environ.setdefault("MPLBACKEND", "Agg")
