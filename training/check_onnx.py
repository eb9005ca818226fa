#!/usr/bin/env python3
"""Compare an exported ONNX prior (Python onnxruntime, CPU) against the torch
reference outputs written by export_onnx.py --ref DIR.  Tolerance 1e-4 (max abs).
  python3 training/check_onnx.py MODEL.onnx REF_DIR
"""
import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort

model, ref = sys.argv[1], sys.argv[2]
shapes = json.load(open(os.path.join(ref, "shapes.json")))
rd = lambda k: np.fromfile(os.path.join(ref, k + ".bin"), "<f4").reshape(shapes[k])  # noqa: E731
sess = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
ok = True
for s in [k[1:] for k in shapes if k.startswith("x")]:
    t0 = time.time()
    eps = sess.run(["eps"], {"x": rd(f"x{s}"), "t": rd(f"t{s}")})[0]
    d = float(np.abs(eps - rd(f"eps{s}")).max())
    ok &= d <= 1e-4
    print(f"onnxruntime {ort.__version__} {s} batch 2: max|onnx-torch| = {d:.3e} ({(time.time()-t0)*1e3:.0f} ms) {'PASS' if d <= 1e-4 else 'FAIL'}")
sys.exit(0 if ok else 1)
