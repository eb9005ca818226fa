#!/usr/bin/python3
"""Parameter count and forward FLOPs (2 x multiply-adds of every Conv2d and Linear,
counted by forward hooks) of the spgd-prior-v1 UNet at 64, 128 and 256 px.
  /usr/bin/python3 training/count_flops.py [--meta training/runs/v1/meta.json]"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import UNet, count_flops, n_params  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--meta", default="")
a = p.parse_args()
cfg = {}
if a.meta:
    cfg = {k: tuple(v) if isinstance(v, list) else v for k, v in json.load(open(a.meta))["config"].items()}
m = UNet(**cfg).eval()
print("config:", m.config)
print(f"parameters: {n_params(m):,}")
for s in (64, 128, 256):
    f = count_flops(m, s, s)
    print(f"{s}x{s}: {f['total_flops']:,} FLOP ({f['total_flops']/1e9:.3f} GFLOP; conv {f['conv_flops']:,}, "
          f"linear {f['linear_flops']:,}); GroupNorm/AvgPool outputs {f['norm_pool_outputs']:,} elements")
