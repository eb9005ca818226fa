#!/usr/bin/python3
"""Denoising PSNR of the prior used as a denoiser through the project's VP wrapper
(docs/spgd-algorithm.md section 1):

  D(x, sigma) = x - sigma * eps(x / sqrt(1 + sigma^2), t(sigma)),
  t(sigma)    = 999 * (sqrt(0.1^2 + 2*19.9*ln(1 + sigma^2)) - 0.1) / 19.9   (fractional)

on every PNG of a folder (default /work/shared/data/cbsd68-256: 68 RGB 256x256),
images mapped to [-1, 1], x_noisy = x + sigma * n with seeded Gaussian n
(torch.Generator seeded with --seed, one draw per (sigma, image) in sorted order),
PSNR on clip((D + 1)/2, 0, 1) with data range 1, averaged over images.
Also prints the PSNR of the noisy input itself for reference.

  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \
      training/eval_denoise.py --weights training/runs/v1/ema.npz [--onnx public/models/spgd-prior-v1.onnx]
--onnx evaluates the exported ONNX with onnxruntime instead (needs Python onnxruntime).
"""
import argparse
import glob
import json
import math
import os
import sys
import time

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import UNet, t_of_sigma  # noqa: E402

SIGMAS = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--weights", default="")
    p.add_argument("--meta", default="")
    p.add_argument("--onnx", default="")
    p.add_argument("--data", default="/work/shared/data/cbsd68-256")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--json", default="", help="write results here")
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)

    files = sorted(glob.glob(os.path.join(a.data, "*.png")))
    if a.limit:
        files = files[: a.limit]
    imgs = torch.from_numpy(np.stack([np.asarray(Image.open(f).convert("RGB"), np.float32) for f in files]))
    x0 = imgs.permute(0, 3, 1, 2) / 127.5 - 1.0  # [-1, 1]
    N = x0.shape[0]

    if a.onnx:
        import onnxruntime as ort
        sess = ort.InferenceSession(a.onnx, providers=["CPUExecutionProvider"])

        def eps_fn(z, t):
            return torch.from_numpy(sess.run(["eps"], {"x": z.numpy(), "t": t.numpy()})[0])
    else:
        meta = a.meta or os.path.join(os.path.dirname(a.weights), "meta.json")
        cfg = {}
        if os.path.exists(meta):
            cfg = {k: tuple(v) if isinstance(v, list) else v for k, v in json.load(open(meta))["config"].items()}
        model = UNet(**cfg).eval()
        z = np.load(a.weights)
        model.load_state_dict({k: torch.from_numpy(z[k].copy()) for k in z.files})

        def eps_fn(z, t):
            with torch.no_grad():
                return model(z, t)

    g = torch.Generator().manual_seed(a.seed)
    res = {}
    t_start = time.time()
    print(f"{N} images from {a.data}; sigma on the [-1,1] scale (x255/2 for 8-bit units)")
    print("| sigma | sigma (0-255) | t(sigma) | PSNR noisy input (dB) | PSNR D(x, sigma) (dB) |")
    print("|---|---|---|---|---|")
    for s in SIGMAS:
        n = torch.randn(x0.shape, generator=g)
        xn = x0 + s * n
        t = t_of_sigma(s)
        c_in = 1.0 / math.sqrt(1.0 + s * s)
        ps_d, ps_n = [], []
        for i in range(0, N, a.batch):
            xb = xn[i: i + a.batch]
            e = eps_fn(c_in * xb, torch.full((xb.shape[0],), t, dtype=torch.float32))
            D = xb - s * e
            ref = (x0[i: i + a.batch] + 1) / 2
            for out, lst in ((D, ps_d), (xb, ps_n)):
                mse = (((out + 1) / 2).clamp(0, 1) - ref).pow(2).flatten(1).mean(1)
                lst += (10 * torch.log10(1.0 / mse)).tolist()
        res[s] = dict(t=t, psnr_noisy=float(np.mean(ps_n)), psnr_denoised=float(np.mean(ps_d)))
        print(f"| {s} | {s*127.5:.1f} | {t:.2f} | {res[s]['psnr_noisy']:.2f} | {res[s]['psnr_denoised']:.2f} |", flush=True)
    print(f"({time.time()-t_start:.0f}s)")
    if a.json:
        json.dump(dict(images=N, data=a.data, seed=a.seed, results={str(k): v for k, v in res.items()}),
                  open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
