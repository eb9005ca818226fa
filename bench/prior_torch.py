#!/usr/bin/python3
"""PyTorch reference timings for `npm run bench:prior` (bench/prior.bench.ts runs this).

  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 bench/prior_torch.py \
      --out-dir /tmp/prior-bench --sizes 64,128,256

The network is the default prior's UNet (training/model.py):
  * the shipped prior when public/models/spgd-prior-v1.onnx exists: its weights are read from
    that file (the `onnx` package) and mapped onto the UNet -- the configuration follows from
    the weight shapes, every parameter must be found (load_state_dict strict), so a clean
    checkout reproduces the comparison;
  * otherwise a stand-in of the default prior's size (guided-diffusion style, base 32 channels,
    multipliers (1, 2, 4, 4), 2 res blocks per level, GroupNorm + SiLU, no attention) with
    seeded random weights (the zero-initialised output convolutions get small random weights
    too, so the gradient is not trivially zero), exported to ONNX (opset 17) in --out-dir for
    the ONNX Runtime side.
Either way the script writes a probe input and torch's eps on it, so the ONNX Runtime side can
check that it runs identical weights (bench/prior.bench.ts prints the relative L2 error).

Requirements (Debian): apt-get install -y python3-torch python3-onnx python3-numpy; for fast
BLAS, LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp.

Timings (torch.set_num_threads(--threads), float32, CPU), per size, median of --reps
interleaved rounds after 4 warm-up rounds (oneDNN compiles its kernels on the first calls at
each shape):
  forward      with torch.no_grad(): eps = net(x, t)
  forward_vjp  eps = net(x, t); torch.autograd.grad(sum(eps * v), x)
Writes --out-dir/torch.json.
"""
import argparse
import json
import os
import platform
import re
import statistics
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "training"))
from model import UNet, count_flops, n_params  # noqa: E402

SHIPPED = os.path.join(ROOT, "public", "models", "spgd-prior-v1.onnx")
NORMS = ("norm1", "norm2", "norm_out")


def onnx_state_dict(path):
    """The UNet's state dict from an ONNX export of it. Conv and Linear parameters keep their
    names in the export; GroupNorm's weight and bias become the [C, 1, 1] constants of the Mul
    and Add nodes that follow the normalization (node names carry the module path)."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(path)
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    state = {k: v for k, v in inits.items() if not k.startswith("onnx::")}
    for node in model.graph.node:
        parts = node.name.strip("/").split("/")
        if node.op_type not in ("Mul", "Add") or len(parts) < 2 or parts[-2] not in NORMS:
            continue
        const = [inits[i] for i in node.input if i in inits]
        if len(const) == 1:
            module = ".".join(parts[:-1])
            state[f"{module}.{'weight' if node.op_type == 'Mul' else 'bias'}"] = const[0].reshape(-1)
    return {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in state.items()}


def config_of(state):
    """UNet(**config) from the parameter shapes: base width, per-level multipliers and res-block
    counts (down.<i> is a res block when it has parameters, else the pooling between levels)."""
    ch = state["conv_in.weight"].shape[0]
    last = max(int(k.split(".")[1]) for k in state if k.startswith("down."))
    mult, num_res = [], [0]
    for i in range(last + 1):
        w = state.get(f"down.{i}.conv1.weight")
        if w is None:
            num_res.append(0)
            continue
        if num_res[-1] == 0:
            mult.append(w.shape[0] // ch)
        num_res[-1] += 1
    return dict(ch=ch, mult=tuple(mult), num_res=tuple(num_res), emb_mult=state["time_mlp.0.weight"].shape[0] // ch, out_ch=state["conv_out.weight"].shape[0])


def build(seed):
    if os.path.exists(SHIPPED):
        state = onnx_state_dict(SHIPPED)
        cfg = config_of(state)
        net = UNet(**cfg)
        net.load_state_dict(state, strict=True)
        return net.eval(), "spgd-prior-v1, weights read from public/models/spgd-prior-v1.onnx", cfg
    cfg = dict(ch=32, mult=(1, 2, 4, 4), num_res=2, emb_mult=4, out_ch=3)
    torch.manual_seed(seed)
    net = UNet(**cfg)
    with torch.no_grad():
        for name, p in net.named_parameters():
            if p.dim() > 1 and float(p.abs().max()) == 0.0:  # zero-initialised convs
                p.normal_(0.0, 0.02)
    return net.eval(), "stand-in UNet of the default prior's size (random weights, seed %d)" % seed, cfg


def export(net, path):
    x = torch.randn(1, 3, 64, 64)
    t = torch.tensor([500.0])
    kw = dict(input_names=["x", "t"], output_names=["eps"], opset_version=17, do_constant_folding=True,
              dynamic_axes={"x": {0: "B", 2: "H", 3: "W"}, "t": {0: "B"}, "eps": {0: "B", 2: "H", 3: "W"}})
    try:
        torch.onnx.export(net, (x, t), path, dynamo=False, **kw)
    except TypeError:
        torch.onnx.export(net, (x, t), path, **kw)


def time_interleaved(fns, reps, warmup=4):
    """Median (and min) ms of each function, timed in interleaved rounds. oneDNN builds its
    kernels on the first calls at each shape (seconds), hence the warm-up rounds."""
    for _ in range(warmup):
        for f in fns.values():
            f()
    ts = {k: [] for k in fns}
    for _ in range(reps):
        for k, f in fns.items():
            t0 = time.perf_counter()
            f()
            ts[k].append((time.perf_counter() - t0) * 1e3)
    return {k: (statistics.median(v), min(v)) for k, v in ts.items()}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out-dir", required=True)
    p.add_argument("--sizes", default="64,128,256")
    p.add_argument("--reps", type=int, default=9)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    torch.set_num_threads(a.threads)
    net, source, cfg = build(a.seed)
    for q in net.parameters():
        q.requires_grad_(False)
    onnx_path = SHIPPED if os.path.exists(SHIPPED) else os.path.join(a.out_dir, "prior.onnx")
    if onnx_path != SHIPPED:
        export(net, onnx_path)

    # Probe: ONNX Runtime must reproduce these (same weights).
    g = torch.Generator().manual_seed(1)
    px = torch.randn(1, 3, 64, 64, generator=g)
    pt = torch.tensor([437.25])
    with torch.no_grad():
        peps = net(px, pt)
    px.numpy().astype(np.float32).tofile(os.path.join(a.out_dir, "probe_x.bin"))
    peps.numpy().astype(np.float32).tofile(os.path.join(a.out_dir, "probe_eps.bin"))

    sizes = [int(s) for s in a.sizes.split(",")]
    rows = []
    for s in sizes:
        g = torch.Generator().manual_seed(s)
        x = torch.randn(1, 3, s, s, generator=g)
        v = torch.randn(1, 3, s, s, generator=g)
        t = torch.tensor([500.0])

        def fwd():
            with torch.no_grad():
                net(x, t)

        def fwd_vjp():
            xx = x.clone().requires_grad_(True)
            eps = net(xx, t)
            return torch.autograd.grad((eps * v).sum(), xx)[0]

        reps = a.reps if s < 256 else max(5, a.reps - 2)
        tm = time_interleaved({"forward": fwd, "forward_vjp": fwd_vjp}, reps)
        (f_med, f_min), (b_med, b_min) = tm["forward"], tm["forward_vjp"]
        fl = count_flops(net, s, s)["total_flops"]
        rows.append(dict(size=s, forward_ms=f_med, forward_min_ms=f_min, forward_vjp_ms=b_med, forward_vjp_min_ms=b_min, flops=fl))
        print(f"torch {s}x{s}: forward {f_med:.1f} ms, forward+vjp {b_med:.1f} ms ({b_med / f_med:.2f}x)", flush=True)

    blas = ""
    try:
        blas = torch.__config__.show()
    except Exception:  # noqa: BLE001
        pass
    out = dict(
        source=source,
        config={k: list(v) if isinstance(v, tuple) else v for k, v in cfg.items()},
        parameters=n_params(net),
        onnx=onnx_path,
        probe=dict(x="probe_x.bin", eps="probe_eps.bin", shape=[1, 3, 64, 64], t=437.25),
        torch=torch.__version__,
        threads=torch.get_num_threads(),
        blas=", ".join(x for x in ("BLAS_INFO=" + (re.search(r"BLAS_INFO=([^,]*)", blas) or [None, "?"])[1],
                                   "oneDNN (MKLDNN) " + ("on" if torch.backends.mkldnn.is_available() else "off")) if x),
        ld_library_path=os.environ.get("LD_LIBRARY_PATH", ""),
        python=platform.python_version(),
        rows=rows,
    )
    with open(os.path.join(a.out_dir, "torch.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
