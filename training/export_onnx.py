#!/usr/bin/env python3
"""Export EMA weights to ONNX (opset 17) and check the graph.

  /usr/bin/python3 training/export_onnx.py --weights training/runs/v1/ema.npz \
      --out public/models/spgd-prior-v1.onnx

Inputs: x float32 [B,3,H,W], t float32 [B] (fractional timestep in [0, 999]);
output: eps float32 [B,3,H,W]; dynamic B, H, W (H, W multiples of 8).
Checks: every op that depends on x is in the project's autodiff op list; writes
reference inputs/outputs (torch, float32, CPU) to --ref for an ONNX-runtime
comparison (training/check_onnx.mjs does it with onnxruntime-node; the GPU run
also compares with Python onnxruntime).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import UNet  # noqa: E402

ALLOWED_X = {"Conv", "Gemm", "MatMul", "InstanceNormalization", "Sigmoid", "Mul", "Add", "Sub", "Div",
             "Concat", "Reshape", "Unsqueeze", "Squeeze", "Resize", "AveragePool", "Pad", "Shape",
             "Gather", "Cast", "Constant", "Identity", "Slice"}


def load_model(weights, meta=None):
    cfg = {}
    if meta and os.path.exists(meta):
        cfg = json.load(open(meta))["config"]
        cfg = {k: tuple(v) if isinstance(v, list) else v for k, v in cfg.items()}
    m = UNet(**cfg)
    z = np.load(weights)
    m.load_state_dict({k: torch.from_numpy(z[k].copy()) for k in z.files})
    return m.eval()


def x_path_ops(model_proto):
    g = model_proto.graph
    dep = {"x"}
    ops = {}
    for node in g.node:  # nodes are topologically sorted
        if any(i in dep for i in node.input):
            dep.update(node.output)
            ops[node.op_type] = ops.get(node.op_type, 0) + 1
    return ops


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--weights", required=True)
    p.add_argument("--meta", default="")
    p.add_argument("--out", required=True)
    p.add_argument("--ref", default="", help="folder: write reference x, t, eps (float32 .bin + shapes.json) at 64x64, 256x256, 96x160")
    a = p.parse_args()
    import onnx

    model = load_model(a.weights, a.meta or os.path.join(os.path.dirname(a.weights), "meta.json"))
    x = torch.randn(1, 3, 64, 64)
    t = torch.tensor([500.0])
    kw = dict(input_names=["x", "t"], output_names=["eps"], opset_version=17, do_constant_folding=True,
              dynamic_axes={"x": {0: "B", 2: "H", 3: "W"}, "t": {0: "B"}, "eps": {0: "B", 2: "H", 3: "W"}})
    try:
        torch.onnx.export(model, (x, t), a.out, dynamo=False, **kw)  # torch >= 2.x: the TorchScript exporter
    except TypeError:
        torch.onnx.export(model, (x, t), a.out, **kw)  # torch 1.x
    mp = onnx.load(a.out)
    onnx.checker.check_model(mp)
    all_ops = {}
    for n in mp.graph.node:
        all_ops[n.op_type] = all_ops.get(n.op_type, 0) + 1
    xo = x_path_ops(mp)
    bad = sorted(set(xo) - ALLOWED_X)
    print("opset:", [(o.domain, o.version) for o in mp.opset_import])
    print("inputs:", [(i.name, [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim]) for i in mp.graph.input])
    print("outputs:", [(o.name, [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim]) for o in mp.graph.output])
    print("all ops:", dict(sorted(all_ops.items())))
    print("x-path ops:", dict(sorted(xo.items())))
    print("size: %.2f MB" % (os.path.getsize(a.out) / 1e6))
    if bad:
        print("ERROR: ops outside the allowed list on the x path:", bad)
        sys.exit(1)
    print("x-path ops all allowed")
    if a.ref:
        os.makedirs(a.ref, exist_ok=True)
        g = torch.Generator().manual_seed(123)
        shapes = {}
        with torch.no_grad():
            for s, (h, w) in (("64", (64, 64)), ("256", (256, 256)), ("96x160", (96, 160))):
                xs = torch.randn(2, 3, h, w, generator=g)
                ts = torch.tensor([17.25, 640.5])
                for k, v in ((f"x{s}", xs), (f"t{s}", ts), (f"eps{s}", model(xs, ts))):
                    v.numpy().astype("<f4").tofile(os.path.join(a.ref, k + ".bin"))
                    shapes[k] = list(v.shape)
        json.dump(shapes, open(os.path.join(a.ref, "shapes.json"), "w"))
        print("reference written to", a.ref)


if __name__ == "__main__":
    main()
