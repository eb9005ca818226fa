"""GPU check (run on a CUDA machine): does ONNX Runtime's CUDA execution provider run the
compiled VJP model of the default prior, with the same numbers as the CPU provider, and how
fast is it next to PyTorch autograd on the same GPU?

  python3 bench/gpu_check.py --models bench/gpu --weights training/runs/v1/ema.npz --out $OUT

bench/gpu/ holds vjp-<size>.onnx files written by `npx tsx bench/export-vjp.ts`.
Writes gpu.json and prints a markdown table.
"""
import argparse, json, os, sys, time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "training"))


def median_ms(fn, n=20, warm=3):
    for _ in range(warm):
        fn()
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(ts))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="bench/gpu")
    ap.add_argument("--forward", default="public/models/spgd-prior-v1.onnx")
    ap.add_argument("--weights", default="training/runs/v1/ema.npz")
    ap.add_argument("--meta", default="training/runs/v1/meta.json")
    ap.add_argument("--sizes", default="256,512")
    ap.add_argument("--out", default=os.environ.get("OUT", "."))
    a = ap.parse_args()
    import torch
    try:
        import onnxruntime as ort
    except ImportError:  # lets the torch half be dry-run on a machine without it
        ort = None

    res = {"ort": ort and ort.__version__, "torch": torch.__version__, "providers": ort and ort.get_available_providers(), "sizes": {}}
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    res["gpu"] = gpu
    print(json.dumps({k: res[k] for k in ("ort", "torch", "providers", "gpu")}), flush=True)
    cuda = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    so = ort and ort.SessionOptions()
    if so:
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)

    from export_onnx import load_model  # the training repo's loader

    net = load_model(a.weights, a.meta).to(dev).eval()
    rng = np.random.default_rng(0)
    for size in [int(s) for s in a.sizes.split(",")]:
        r = {}
        x = rng.standard_normal((1, 3, size, size)).astype(np.float32)
        v = rng.standard_normal((1, 3, size, size)).astype(np.float32)
        t = np.array([437.25], np.float32)
        vjp_path = os.path.join(a.models, f"vjp-{size}.onnx")
        try:
            fwd = ort.InferenceSession(a.forward, so, providers=cuda)
            vjp = ort.InferenceSession(vjp_path, so, providers=cuda)
            r["providers_used"] = vjp.get_providers()
            out_gpu = vjp.run(None, {"x": x, "t": t, "v": v})
            names = [o.name for o in vjp.get_outputs()]
            g_gpu = dict(zip(names, out_gpu))
            cpu = ort.InferenceSession(vjp_path, so, providers=["CPUExecutionProvider"])
            g_cpu = dict(zip(names, cpu.run(None, {"x": x, "t": t, "v": v})))
            rel = lambda a_, b_: float(np.linalg.norm(a_ - b_) / np.linalg.norm(b_))
            r["vjp_rel_err_cuda_vs_cpu"] = rel(g_gpu["vjp"], g_cpu["vjp"])
            r["eps_rel_err_cuda_vs_cpu"] = rel(g_gpu["eps"], g_cpu["eps"])
            r["ort_cuda_forward_ms"] = median_ms(lambda: fwd.run(None, {"x": x, "t": t}))
            r["ort_cuda_vjp_ms"] = median_ms(lambda: vjp.run(None, {"x": x, "t": t, "v": v}))
            # I/O binding would remove host copies; plain run() is what the Node binding does.
        except Exception as e:  # report, keep going
            r["ort_error"] = repr(e)[:500]
        xt = torch.from_numpy(x).to(dev)
        vt = torch.from_numpy(v).to(dev)
        tt = torch.from_numpy(t).to(dev)

        def torch_fwd():
            with torch.no_grad():
                net(xt, tt)
            sync()

        def torch_vjp():
            xg = xt.clone().requires_grad_(True)
            e = net(xg, tt)
            (g,) = torch.autograd.grad((e[:, :3] * vt).sum(), xg)
            sync()
            return e, g

        r["torch_cuda_forward_ms"] = median_ms(torch_fwd)
        r["torch_cuda_fwd_vjp_ms"] = median_ms(torch_vjp)
        if "ort_error" not in r:
            e, g = torch_vjp()
            r["vjp_rel_err_ort_vs_torch"] = float(np.linalg.norm(g_gpu["vjp"] - g.cpu().numpy()) / np.linalg.norm(g.cpu().numpy()))
        res["sizes"][size] = r
        print(size, json.dumps(r), flush=True)
    with open(os.path.join(a.out, "gpu.json"), "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
