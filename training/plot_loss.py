#!/usr/bin/python3
"""Plot loss.csv of a run (mean epsilon-MSE over each 50-step window, and the LR).
  /usr/bin/python3 training/plot_loss.py training/runs/v1/loss.csv public/models/spgd-prior-v1-loss.png"""
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

src, dst = sys.argv[1], sys.argv[2]
d = np.genfromtxt(src, delimiter=",", names=True)
fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
ax.plot(d["step"], d["loss"], lw=1, color="C0", label="eps-MSE (50-step mean)")
k = 10
if len(d) > k:
    sm = np.convolve(d["loss"], np.ones(k) / k, mode="valid")
    ax.plot(d["step"][k - 1:], sm, lw=2, color="C3", label=f"{k}-point running mean")
ax.set_yscale("log")
ax.set_xlabel("step (batch 64, 128x128 crops)")
ax.set_ylabel("training loss")
ax.grid(True, which="both", alpha=0.3)
ax2 = ax.twinx()
ax2.plot(d["step"], d["lr"], color="gray", lw=1, ls="--", label="learning rate")
ax2.set_ylabel("learning rate")
h1, l1 = ax.get_legend_handles_labels()
h2, l2 = ax2.get_legend_handles_labels()
ax.legend(h1 + h2, l1 + l2, loc="upper right")
ax.set_title("spgd-prior-v1 training loss (1x NVIDIA H200, 450 s)")
fig.tight_layout()
fig.savefig(dst)
print("wrote", dst)
