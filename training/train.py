#!/usr/bin/env python3
"""Train the SPGD Studio default prior (spgd-prior-v1): an epsilon-prediction UNet
on the linear DDPM schedule with a FRACTIONAL timestep t ~ Uniform(0, 999).

  z = sqrt(abar(t)) * x0 + sqrt(1 - abar(t)) * eps,   loss = mean((eps_theta(z, t) - eps)^2)
  abar(t) = exp(linear interpolation of log(abar_table) between integer timesteps)

Training is bounded by wall-clock (--seconds); the learning-rate schedule
(linear warm-up, then cosine decay to --lr-min) is a function of elapsed time.
All data lives on the GPU as uint8; random crops / flips / transposes (the 8
dihedral symmetries) are done on the GPU.

Outputs (in --out, overwritten every --ckpt-every seconds and at the end):
  ema.npz        EMA weights (float32 state dict as numpy arrays) -- what ships
  model.npz      raw weights            } with opt_m/opt_v/meta.json:
  opt_m.npz      AdamW exp_avg          } everything needed to resume
  opt_v.npz      AdamW exp_avg_sq       }
  meta.json      step, elapsed seconds, config, batch, lr ...
  loss.csv       step, seconds, mean loss over the logging window, lr
  train_log.txt  the log
Resume: --resume DIR (a folder holding the files above). The time-based LR
schedule restarts over the new --seconds from where the LR would be at
--resume-progress (default 0.5: half-way down the cosine); warm-up is skipped.

Example (GPU): python3 training/train.py --pack training/data/pack/pack.npz --out training/runs/v1 --seconds 450
CPU smoke test: /usr/bin/python3 training/train.py --device cpu --seconds 20 --batch 4 --crop 64 --out /tmp/smoke
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_pack import load_pack  # noqa: E402
from model import UNet, log_abar, n_params, count_flops  # noqa: E402


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--pack", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "pack", "pack.npz"))
    p.add_argument("--out", required=True)
    p.add_argument("--device", default="cuda")
    p.add_argument("--seconds", type=float, default=450.0, help="training wall-clock budget")
    p.add_argument("--batch", type=int, default=0, help="0 = pick from --batch-candidates by measured throughput")
    p.add_argument("--batch-candidates", default="64,128,256")
    p.add_argument("--crop", type=int, default=128)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--lr-min", type=float, default=1e-5)
    p.add_argument("--warmup", type=int, default=300, help="warm-up steps")
    p.add_argument("--wd", type=float, default=0.0)
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--ckpt-every", type=float, default=60.0)
    p.add_argument("--log-every", type=int, default=50)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", default="")
    p.add_argument("--resume-progress", type=float, default=0.5)
    p.add_argument("--threads", type=int, default=2)
    return p.parse_args()


class Logger:
    def __init__(self, path):
        self.f = open(path, "a")

    def __call__(self, *a):
        s = " ".join(str(x) for x in a)
        print(s, flush=True)
        self.f.write(s + "\n")
        self.f.flush()


def sd_to_npz(sd, path):
    tmp = path + ".tmp.npz"
    np.savez(tmp, **{k: v.detach().float().cpu().numpy() for k, v in sd.items()})
    os.replace(tmp, path)


def npz_to_sd(path):
    z = np.load(path)
    return {k: torch.from_numpy(z[k].copy()) for k in z.files}


class GPUCrops:
    """All pack images padded into one uint8 tensor [N, Hmax, Wmax, 3] on the device."""

    def __init__(self, images, device, crop):
        self.crop = crop
        imgs = [im for im in images if im.shape[0] >= crop and im.shape[1] >= crop]
        hmax = max(i.shape[0] for i in imgs)
        wmax = max(i.shape[1] for i in imgs)
        big = np.zeros((len(imgs), hmax, wmax, 3), np.uint8)
        for k, im in enumerate(imgs):
            big[k, : im.shape[0], : im.shape[1]] = im
        self.big = torch.from_numpy(big).to(device)
        self.hw = torch.tensor([[i.shape[0], i.shape[1]] for i in imgs], device=device)
        self.n = len(imgs)
        self.ar = torch.arange(crop, device=device)
        self.device = device

    def sample(self, B, gen):
        dev = self.device
        c = self.crop
        n = torch.randint(0, self.n, (B,), device=dev, generator=gen)
        hw = self.hw[n]
        y0 = (torch.rand(B, device=dev, generator=gen) * (hw[:, 0] - c + 1)).long()
        x0 = (torch.rand(B, device=dev, generator=gen) * (hw[:, 1] - c + 1)).long()
        yy = (y0[:, None] + self.ar[None])[:, :, None]
        xx = (x0[:, None] + self.ar[None])[:, None, :]
        x = self.big[n[:, None, None], yy, xx]  # [B, c, c, 3] uint8
        x = x.permute(0, 3, 1, 2).float().mul_(2.0 / 255.0).sub_(1.0)  # [B,3,c,c], channels_last layout
        # the 8 dihedral symmetries: transpose x flip-H x flip-V
        m = torch.rand(B, 3, device=dev, generator=gen) < 0.5
        x = torch.where(m[:, 0, None, None, None], x.transpose(-1, -2), x)
        x = torch.where(m[:, 1, None, None, None], x.flip(-1), x)
        x = torch.where(m[:, 2, None, None, None], x.flip(-2), x)
        return x.contiguous(memory_format=torch.channels_last)


def main():
    a = parse()
    os.makedirs(a.out, exist_ok=True)
    log = Logger(os.path.join(a.out, "train_log.txt"))
    t_start = time.time()
    dev = torch.device(a.device if (a.device == "cpu" or torch.cuda.is_available()) else "cpu")
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    cuda = dev.type == "cuda"
    if cuda:
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        log("device:", torch.cuda.get_device_name(0), "torch", torch.__version__)
    else:
        log("device: cpu torch", torch.__version__)

    images = load_pack(a.pack)
    log(f"pack: {len(images)} image versions, {sum(i.size for i in images)/3e6:.1f} MP, loaded in {time.time()-t_start:.1f}s")
    data = GPUCrops(images, dev, a.crop)
    del images
    gen = torch.Generator(device=dev)
    gen.manual_seed(a.seed)

    model = UNet().to(dev)
    cfg = model.config
    fl = count_flops(UNet(**cfg), 256, 256)["total_flops"]
    log(f"model {cfg}: {n_params(model)} params, {fl/1e9:.3f} GFLOP at 256x256")
    ema = UNet(**cfg).to(dev)
    ema.load_state_dict(model.state_dict())
    step = 0
    prev_elapsed = 0.0
    if a.resume:
        model.load_state_dict(npz_to_sd(os.path.join(a.resume, "model.npz")))
        ema.load_state_dict(npz_to_sd(os.path.join(a.resume, "ema.npz")))
        meta = json.load(open(os.path.join(a.resume, "meta.json")))
        step = meta["step"]
        prev_elapsed = meta.get("train_seconds_total", 0.0)
        log(f"resumed from {a.resume}: step {step}, {prev_elapsed:.0f}s trained before")
    model = model.to(memory_format=torch.channels_last)
    ema = ema.to(memory_format=torch.channels_last)
    ema.eval().requires_grad_(False)

    kw = dict(lr=a.lr, betas=(0.9, 0.999), weight_decay=a.wd)
    try:
        opt = torch.optim.AdamW(model.parameters(), fused=cuda, **kw) if cuda else torch.optim.AdamW(model.parameters(), **kw)
    except (TypeError, RuntimeError):
        opt = torch.optim.AdamW(model.parameters(), **kw)
    params = list(model.parameters())
    names = [n for n, _ in model.named_parameters()]
    if a.resume and os.path.exists(os.path.join(a.resume, "opt_m.npz")):
        m_sd, v_sd = npz_to_sd(os.path.join(a.resume, "opt_m.npz")), npz_to_sd(os.path.join(a.resume, "opt_v.npz"))
        for n_, p_ in zip(names, params):
            st = opt.state[p_]
            st["step"] = torch.tensor(float(step), device=dev) if cuda else torch.tensor(float(step))
            st["exp_avg"] = m_sd[n_].to(dev).to(memory_format=torch.channels_last) if p_.dim() == 4 else m_sd[n_].to(dev)
            st["exp_avg_sq"] = v_sd[n_].to(dev).to(memory_format=torch.channels_last) if p_.dim() == 4 else v_sd[n_].to(dev)
        log("optimizer state restored")
    ema_params = list(ema.parameters())

    def lr_at(progress, s):
        if not a.resume and s < a.warmup:
            return a.lr * (s + 1) / a.warmup
        if a.resume:
            progress = a.resume_progress + (1 - a.resume_progress) * progress
        return a.lr_min + 0.5 * (a.lr - a.lr_min) * (1 + math.cos(math.pi * min(1.0, progress)))

    amp = torch.autocast(device_type="cuda", dtype=torch.bfloat16) if cuda else torch.autocast(device_type="cpu", dtype=torch.bfloat16, enabled=False)

    def train_step(B, lr):
        x0 = data.sample(B, gen)
        t = torch.rand(B, device=dev, generator=gen) * 999.0
        ab = torch.exp(log_abar(t))[:, None, None, None]
        eps = torch.randn(x0.shape, device=dev, generator=gen).contiguous(memory_format=torch.channels_last)
        z = ab.sqrt() * x0 + (1 - ab).sqrt() * eps
        for g in opt.param_groups:
            g["lr"] = lr
        with amp:
            pred = model(z, t)
        loss = F.mse_loss(pred.float(), eps)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(params, a.clip)
        opt.step()
        d = min(a.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            if hasattr(torch, "_foreach_lerp_"):
                torch._foreach_lerp_(ema_params, params, 1 - d)
            else:
                for pe, pm in zip(ema_params, params):
                    pe.mul_(d).add_(pm.detach(), alpha=1 - d)
        return loss.detach(), gn.detach()

    def save(final=False):
        t0 = time.time()
        sd_to_npz(ema.state_dict(), os.path.join(a.out, "ema.npz"))
        sd_to_npz(model.state_dict(), os.path.join(a.out, "model.npz"))
        sd_to_npz({n_: opt.state[p_]["exp_avg"] for n_, p_ in zip(names, params) if p_ in opt.state}, os.path.join(a.out, "opt_m.npz"))
        sd_to_npz({n_: opt.state[p_]["exp_avg_sq"] for n_, p_ in zip(names, params) if p_ in opt.state}, os.path.join(a.out, "opt_v.npz"))
        meta = dict(step=step, batch=B, crop=a.crop, lr=a.lr, lr_min=a.lr_min, warmup=a.warmup, ema=a.ema,
                    train_seconds=train_elapsed, train_seconds_total=prev_elapsed + train_elapsed,
                    config={k: list(v) if isinstance(v, tuple) else v for k, v in cfg.items()},
                    params=n_params(model), device=torch.cuda.get_device_name(0) if cuda else "cpu",
                    torch=torch.__version__, final=final, steps_per_s=step_rate,
                    last_loss=loss_hist[-1][2] if loss_hist else None)
        with open(os.path.join(a.out, "meta.json.tmp"), "w") as f:
            json.dump(meta, f, indent=1)
        os.replace(os.path.join(a.out, "meta.json.tmp"), os.path.join(a.out, "meta.json"))
        with open(os.path.join(a.out, "loss.csv"), "w") as f:
            f.write("step,seconds,loss,lr\n")
            for r in loss_hist:
                f.write(f"{r[0]},{r[1]:.2f},{r[2]:.6f},{r[3]:.3e}\n")
        log(f"checkpoint at step {step} ({time.time()-t0:.1f}s)")

    loss_hist = []
    step_rate = None
    train_elapsed = 0.0
    B = a.batch if a.batch > 0 else 64
    model.train()

    # ---- batch-size pick: keep doubling while samples/s grows >= 40% (these are real training steps)
    t_train0 = time.time()
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    if a.batch <= 0:
        cands = [int(b) for b in a.batch_candidates.split(",")]
        rates = {}
        for b in cands:
            for _ in range(5):  # warm-up (cudnn autotune for this shape)
                train_step(b, lr_at(0, step)); step += 1
            sync()
            t0 = time.time()
            for _ in range(15):
                train_step(b, lr_at(0, step)); step += 1
            sync()
            rates[b] = 15 * b / (time.time() - t0)
            log(f"batch {b}: {rates[b]:.0f} samples/s ({rates[b]/b:.1f} steps/s)")
        B = cands[0]
        for prev, b in zip(cands, cands[1:]):
            if rates[b] >= 1.4 * rates[prev]:
                B = b
            else:
                break
        log(f"picked batch {B}")

    acc, acc_n = 0.0, 0
    last_ckpt = time.time()
    t_log = time.time()
    s_log = step
    while True:
        train_elapsed = time.time() - t_train0
        progress = train_elapsed / a.seconds
        if progress >= 1.0:
            break
        lr = lr_at(progress, step)
        loss, gn = train_step(B, lr)
        step += 1
        acc += loss
        acc_n += 1
        if step % a.log_every == 0:
            lv = (acc / acc_n).item()
            now = time.time()
            step_rate = (step - s_log) / (now - t_log)
            t_log, s_log = now, step
            loss_hist.append((step, train_elapsed, lv, lr))
            log(f"step {step} t={train_elapsed:.0f}s loss {lv:.5f} gnorm {gn.item():.3f} lr {lr:.2e} {step_rate:.1f} steps/s")
            if not math.isfinite(lv):
                log("non-finite loss; stopping")
                break
            acc, acc_n = 0.0, 0
        if time.time() - last_ckpt > a.ckpt_every:
            save()
            last_ckpt = time.time()
    train_elapsed = time.time() - t_train0
    log(f"done: {step} steps in {train_elapsed:.1f}s of training (batch {B}, crop {a.crop}); "
        f"total script time {time.time()-t_start:.1f}s")
    save(final=True)


if __name__ == "__main__":
    main()
