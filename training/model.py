"""Epsilon-prediction UNet for the SPGD Studio default prior (spgd-prior-v1).

Guided-diffusion style, no attention, fully convolutional:
  * ResBlock: GroupNorm -> SiLU -> conv3x3 -> GroupNorm * (1 + scale) + shift
    (scale/shift from the time embedding) -> SiLU -> conv3x3 (zero init), plus a
    1x1 conv on the skip path when the channel count changes.
  * time embedding: sinusoidal(t) -> Linear -> SiLU -> Linear; t is a FRACTIONAL
    timestep in [0, 999] (float, not rounded).
  * downsampling: AvgPool 2x2; upsampling: nearest x2 + conv3x3;
    skip connections by concatenation (U-Net).
Input sizes must be multiples of 2**(len(mult)-1).

Everything on the x path exports (opset 17) to Conv, InstanceNormalization
(GroupNorm), Reshape, Mul, Add, Sigmoid (SiLU), Concat, Resize(nearest),
AveragePool, Unsqueeze, Slice, Shape/Gather/Cast ...; the t path additionally
uses Sin/Cos/Exp/Gemm.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# ---- the linear DDPM schedule and the fractional-timestep abar ----------------
T_STEPS = 1000
BETAS = torch.linspace(1e-4, 0.02, T_STEPS, dtype=torch.float64)
LOG_ABAR = torch.cumsum(torch.log1p(-BETAS), 0)  # log abar_t, t = 0..999
_TABLE_CACHE = {}


def log_abar(t):
    """log abar(t) for fractional t in [0, 999]: linear interpolation of
    log(abar_table) between the integer timesteps floor(t) and floor(t)+1."""
    key = str(t.device)
    table = _TABLE_CACHE.get(key)
    if table is None:  # cache per device: no host->device copy (and sync) per call
        table = _TABLE_CACHE[key] = LOG_ABAR.to(device=t.device, dtype=torch.float32)
    t = t.clamp(0, T_STEPS - 1)
    i0 = t.floor().long().clamp(max=T_STEPS - 2)
    w = t - i0.to(t.dtype)
    return table[i0] * (1 - w) + table[i0 + 1] * w


def t_of_sigma(sigma):
    """Fractional timestep of the project's VP wrapper (docs/spgd-algorithm.md s.1)."""
    bmin, bd = 0.1, 19.9
    return 999.0 * (math.sqrt(bmin ** 2 + 2 * bd * math.log(1 + sigma ** 2)) - bmin) / bd


# ---- network ------------------------------------------------------------------
def timestep_embedding(t, dim, max_period=10000.0):
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


def norm(c):
    g = max(1, min(32, c // 4))  # <= 32 groups, >= 4 channels per group
    while c % g:
        g -= 1
    return nn.GroupNorm(g, c)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb_dim):
        super().__init__()
        self.cout = cout
        self.norm1 = norm(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb_dim, 2 * cout)
        self.norm2 = norm(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        e = self.emb(emb)  # emb is already SiLU-activated
        scale = e[:, : self.cout, None, None]
        shift = e[:, self.cout:, None, None]
        h = self.norm2(h) * (1 + scale) + shift
        h = self.conv2(F.silu(h))
        return self.skip(x) + h


class Upsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class UNet(nn.Module):
    def __init__(self, ch=16, mult=(1, 2, 4, 8), num_res=(1, 1, 2, 2), emb_mult=4, out_ch=3):
        super().__init__()
        if isinstance(num_res, int):
            num_res = (num_res,) * len(mult)
        num_res = tuple(num_res)
        self.config = dict(ch=ch, mult=tuple(mult), num_res=num_res, emb_mult=emb_mult, out_ch=out_ch)
        self.ch = ch
        ed = ch * emb_mult
        self.time_mlp = nn.Sequential(nn.Linear(ch, ed), nn.SiLU(), nn.Linear(ed, ed))
        self.conv_in = nn.Conv2d(3, ch, 3, padding=1)
        self.down = nn.ModuleList()
        skips = [ch]
        c = ch
        for li, m in enumerate(mult):
            for _ in range(num_res[li]):
                self.down.append(ResBlock(c, ch * m, ed))
                c = ch * m
                skips.append(c)
            if li != len(mult) - 1:
                self.down.append(nn.AvgPool2d(2))
                skips.append(c)
        self.mid = nn.ModuleList([ResBlock(c, c, ed), ResBlock(c, c, ed)])
        self.up = nn.ModuleList()
        for li, m in reversed(list(enumerate(mult))):
            for i in range(num_res[li] + 1):
                self.up.append(ResBlock(c + skips.pop(), ch * m, ed))
                c = ch * m
            if li != 0:
                self.up.append(Upsample(c))
        self.norm_out = norm(c)
        self.conv_out = nn.Conv2d(c, out_ch, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)
        self.factor = 2 ** (len(mult) - 1)

    def forward(self, x, t):
        emb = F.silu(self.time_mlp(timestep_embedding(t, self.ch)))
        h = self.conv_in(x)
        hs = [h]
        for m in self.down:
            h = m(h, emb) if isinstance(m, ResBlock) else m(h)
            hs.append(h)
        for m in self.mid:
            h = m(h, emb)
        for m in self.up:
            if isinstance(m, ResBlock):
                h = m(torch.cat([h, hs.pop()], dim=1), emb)
            else:
                h = m(h)
        return self.conv_out(F.silu(self.norm_out(h)))


def count_flops(model, h, w):
    """FLOPs (2 x multiply-adds) of one forward at [1,3,h,w], counted by hooks on
    every Conv2d and Linear (the MAC-dominant layers); GroupNorm/SiLU/add/pool/
    resize element-wise work is reported separately (approximate, ~per element)."""
    macs = {"conv": 0, "linear": 0}
    elem = {"n": 0}

    def conv_hook(m, inp, out):
        k = m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
        macs["conv"] += out.numel() * k  # bias adds ignored

    def lin_hook(m, inp, out):
        macs["linear"] += out.numel() * m.in_features

    def elem_hook(m, inp, out):
        elem["n"] += out.numel()

    hooks = []
    for mod in model.modules():
        if isinstance(mod, nn.Conv2d):
            hooks.append(mod.register_forward_hook(conv_hook))
        elif isinstance(mod, nn.Linear):
            hooks.append(mod.register_forward_hook(lin_hook))
        elif isinstance(mod, (nn.GroupNorm, nn.AvgPool2d)):
            hooks.append(mod.register_forward_hook(elem_hook))
    with torch.no_grad():
        model(torch.zeros(1, 3, h, w), torch.zeros(1))
    for hk in hooks:
        hk.remove()
    return dict(conv_flops=2 * macs["conv"], linear_flops=2 * macs["linear"],
                total_flops=2 * (macs["conv"] + macs["linear"]), norm_pool_outputs=elem["n"])


def n_params(model):
    return sum(p.numel() for p in model.parameters())
