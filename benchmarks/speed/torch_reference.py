"""PyTorch CPU reference for the DiffBatt U-Net speed benchmark.

The same network as @diffbatt/unet's default config (DIFFBATT.md section 2; 478,369 parameters): exact
erf GELU, GroupNorm(8, eps 1e-3), single-head attention, TF "same" stride-2 padding (0 left, 1 right).
Times one training step (forward, MSE backward, Adam) at batch 41 and a forward pass at batch 42, and
prints one JSON object. Run with Debian's interpreter: /usr/bin/python3 torch_reference.py --threads 1
"""

import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

WIDTHS = [8, 16, 32, 64]
HAS_ATTENTION = [False, False, True, True]
NUM_RES_BLOCKS = 2
GROUPS = 8
EMBED = 32
LENGTH = 256
ROWS = 100
COLUMNS = 100


def gelu(x):
    return F.gelu(x)  # exact erf form


class GroupNorm(nn.GroupNorm):
    def __init__(self, channels):
        super().__init__(GROUPS, channels, eps=1e-3)


class Attention(nn.Module):
    """h = GN(x); h + proj(softmax(q k^T / sqrt(C)) v), channels-first [B, C, L]."""

    def __init__(self, units):
        super().__init__()
        self.norm = GroupNorm(units)
        self.qkv = nn.Linear(units, 3 * units)
        self.proj = nn.Linear(units, units)
        self.units = units

    def forward(self, x):
        h = self.norm(x).transpose(1, 2)  # [B, L, C]
        q, k, v = self.qkv(h).chunk(3, dim=-1)
        a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(self.units), dim=-1)
        return (h + self.proj(a @ v)).transpose(1, 2)


class ResBlock(nn.Module):
    def __init__(self, cin, width, up):
        super().__init__()
        self.residual = nn.Conv1d(cin, width, 1) if cin != width else nn.Identity()
        self.norm1 = GroupNorm(cin)
        self.conv1 = nn.Conv1d(cin, width, 3, padding=1)
        self.temb = nn.Linear(EMBED, width)
        self.cemb = nn.Linear(EMBED, width) if up else None
        self.norm2 = GroupNorm(width)
        self.conv2 = nn.Conv1d(width, width, 3, padding=1)

    def forward(self, x, t_act, c_act):
        h = self.conv1(gelu(self.norm1(x)))
        shift = self.temb(t_act)[:, :, None]
        h = h * self.cemb(c_act)[:, :, None] + shift if self.cemb is not None else h + shift
        h = self.conv2(gelu(self.norm2(h)))
        return h + self.residual(x)


class DownSample(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.conv = nn.Conv1d(width, width, 3, stride=2)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1)))


class UpSample(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.conv = nn.Conv1d(width, width, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))


def positional_encoding(length, channels):
    inv = 1.0 / (10000 ** (torch.arange(0, channels, 2, dtype=torch.float64) / channels))
    angles = torch.arange(length, dtype=torch.float64)[:, None] * inv[None, :]
    table = torch.stack([angles.sin(), angles.cos()], dim=-1).reshape(length, channels)
    return table.T.float()  # [C, L]


class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv1d(1, 8, 7, padding=3)
        self.register_buffer("positions", positional_encoding(LENGTH, 8))
        half = EMBED // 2
        self.register_buffer("freqs", torch.exp(torch.arange(half) * -(math.log(10000) / (half - 1))))
        self.time1 = nn.Linear(EMBED, EMBED)
        self.time2 = nn.Linear(EMBED, EMBED)
        self.token = nn.Linear(COLUMNS, EMBED)
        self.token_attention = Attention(EMBED)
        self.condition = nn.Linear(EMBED, EMBED)

        self.down = nn.ModuleList()
        channels = [16]
        cin = 16
        for level, width in enumerate(WIDTHS):
            for _ in range(NUM_RES_BLOCKS):
                self.down.append(ResBlock(cin, width, up=False))
                cin = width
                if HAS_ATTENTION[level]:
                    self.down.append(Attention(width))
                channels.append(cin)
            if level < len(WIDTHS) - 1:
                self.down.append(DownSample(width))
                channels.append(width)
        self.middle = nn.ModuleList([ResBlock(cin, cin, False), Attention(cin), ResBlock(cin, cin, False)])
        self.up = nn.ModuleList()
        for level in reversed(range(len(WIDTHS))):
            width = WIDTHS[level]
            for _ in range(NUM_RES_BLOCKS + 1):
                self.up.append(ResBlock(cin + channels.pop(), width, up=True))
                cin = width
                if HAS_ATTENTION[level]:
                    self.up.append(Attention(width))
            if level > 0:
                self.up.append(UpSample(width))
        self.end_norm = GroupNorm(cin)
        self.end = nn.Conv1d(cin, 1, 7, padding=3)

    def forward(self, curve, t, matrix, mask):
        x = self.stem(curve.transpose(1, 2))
        x = torch.cat([x, self.positions.expand(x.shape[0], -1, -1)], dim=1)
        angles = t.float()[:, None] * self.freqs[None, :]
        c_t = self.time2(gelu(self.time1(torch.cat([angles.sin(), angles.cos()], dim=-1))))
        tokens = self.token(matrix.reshape(matrix.shape[0], ROWS, COLUMNS))
        c_q = self.condition(self.token_attention(tokens.transpose(1, 2)).mean(dim=2))
        t_act, c_act = gelu(c_t), gelu(mask * c_q)
        skips = [x]
        for layer in self.down:
            x = layer(x, t_act, c_act) if isinstance(layer, ResBlock) else layer(x)
            if not isinstance(layer, ResBlock) or not self._followed_by_attention(layer, self.down):
                skips.append(x)
        for layer in self.middle:
            x = layer(x, t_act, c_act) if isinstance(layer, ResBlock) else layer(x)
        for layer in self.up:
            if isinstance(layer, ResBlock):
                x = layer(torch.cat([x, skips.pop()], dim=1), t_act, c_act)
            else:
                x = layer(x)
        return self.end(gelu(self.end_norm(x))).transpose(1, 2)

    @staticmethod
    def _followed_by_attention(layer, layers):
        index = list(layers).index(layer)
        return index + 1 < len(layers) and isinstance(layers[index + 1], Attention)


def batch(size, generator):
    return (
        torch.randn(size, LENGTH, 1, generator=generator),
        torch.randint(0, 1000, (size,), generator=generator),
        torch.randn(size, ROWS, COLUMNS, 1, generator=generator) * 0.01,
        (torch.rand(size, 1, generator=generator) > 0.2).float().expand(size, EMBED).contiguous(),
    )


def timed(fn, repeats, warmup):
    """Wall-clock and process CPU milliseconds of each repeat (CPU time is steadier on a shared machine)."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model = UNet()
    parameters = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    train_inputs = batch(41, generator)
    target = torch.randn(41, LENGTH, 1, generator=generator)
    forward_inputs = batch(42, generator)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(*train_inputs), target)
        loss.backward()
        optimizer.step()

    def forward():
        with torch.no_grad():
            model(*forward_inputs)

    step_ms, step_cpu_ms = timed(step, args.repeats, args.warmup)
    forward_ms, forward_cpu_ms = timed(forward, args.repeats, args.warmup)
    print(
        json.dumps(
            {
                "implementation": f"pytorch {torch.__version__} cpu",
                "threads": args.threads,
                "parameters": parameters,
                "trainStepBatch41Ms": step_ms,
                "forwardBatch42Ms": forward_ms,
                "trainStepBatch41CpuMs": step_cpu_ms,
                "forwardBatch42CpuMs": forward_cpu_ms,
                "trainStepBatch41MedianMs": statistics.median(step_ms),
                "forwardBatch42MedianMs": statistics.median(forward_ms),
                "trainStepBatch41MedianCpuMs": statistics.median(step_cpu_ms),
                "forwardBatch42MedianCpuMs": statistics.median(forward_cpu_ms),
            }
        )
    )


if __name__ == "__main__":
    main()
