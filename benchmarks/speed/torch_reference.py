"""PyTorch CPU reference for the DiffBatt speed benchmark (benchmarks/speed/run.ts).

The same network as @diffbatt/unet's default config (DIFFBATT.md section 2; 478,369 parameters): exact
erf GELU, GroupNorm(8, eps 1e-3), single-head attention, TF "same" stride-2 padding (0 left, 1 right).
Measures what bench-tfjs.ts measures, in wall-clock and process-CPU milliseconds: a training step
(forward, MSE backward, Adam) at batch 41; steps of a guided DDPM-1000 sampler for 42 cells (one network
pass on the doubled batch 2 x 42, the guidance combination, the DDPM update); whole DPM-Solver++(2M) runs
on the timesteps given by --solver-timesteps (run.ts passes @diffbatt/diffusion's log-SNR plan). Prints one
JSON object. Run with Debian's interpreter: /usr/bin/python3 torch_reference.py --threads 1
"""

import argparse
import json
import math
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


TRAIN_BATCH = 41
TEST_CELLS = 42
GUIDANCE_WEIGHT = 1.0  # any nonzero weight runs the doubled batch


def inputs(size, generator):
    return (
        torch.randn(size, LENGTH, 1, generator=generator),
        torch.randint(0, 1000, (size,), generator=generator),
        torch.randn(size, ROWS, COLUMNS, 1, generator=generator) * 0.01,
        torch.ones(size, EMBED),
    )


class LinearSchedule:
    """DiffBatt's linear beta schedule (1e-4 to 0.02 over 1000 steps), constants in float64."""

    def __init__(self, timesteps=1000):
        betas = torch.linspace(1e-4, 0.02, timesteps, dtype=torch.float64)
        self.alphas_cumprod = torch.cumprod(1 - betas, dim=0)
        previous = torch.cat([torch.ones(1, dtype=torch.float64), self.alphas_cumprod[:-1]])
        self.betas = betas
        self.posterior_variance = betas * (1 - previous) / (1 - self.alphas_cumprod)
        self.coef1 = betas * previous.sqrt() / (1 - self.alphas_cumprod)
        self.coef2 = (1 - previous) * (1 - betas).sqrt() / (1 - self.alphas_cumprod)
        self.timesteps = timesteps

    def abar(self, t):
        return 1.0 if t < 0 else float(self.alphas_cumprod[t])

    def predict_original(self, t, x, eps):
        abar = self.abar(t)
        return x / math.sqrt(abar) - math.sqrt(1 / abar - 1) * eps

    def ddpm_step(self, t, x, eps, generator):
        mean = float(self.coef1[t]) * self.predict_original(t, x, eps) + float(self.coef2[t]) * x
        if t == 0:
            return mean
        std = math.sqrt(max(float(self.posterior_variance[t]), 1e-20))
        return mean + std * torch.randn(x.shape, generator=generator)


def guided_noise(model, x, t, matrix, mask):
    """(1 + w) eps_cond - w eps_uncond from ONE network pass on [conditional rows; unconditional rows]."""
    rows = x.shape[0]
    both = model(
        torch.cat([x, x]),
        torch.full((2 * rows,), t, dtype=torch.long),
        torch.cat([matrix, matrix]),
        torch.cat([mask, torch.zeros_like(mask)]),
    )
    conditional, unconditional = both.split(rows)
    return (1 + GUIDANCE_WEIGHT) * conditional - GUIDANCE_WEIGHT * unconditional


def dpm_solver_pp(model, schedule, timesteps, matrix, mask, generator):
    """DPM-Solver++(2M), midpoint form, first order at the first and the last (to sigma = 0) step."""

    def lam(t):
        return math.inf if t < 0 else 0.5 * (math.log(schedule.abar(t)) - math.log(1 - schedule.abar(t)))

    x = torch.randn(matrix.shape[0], LENGTH, 1, generator=generator)
    previous_x0 = None
    for i, s in enumerate(timesteps):
        t = timesteps[i + 1] if i + 1 < len(timesteps) else -1
        h = lam(t) - lam(s)
        sigma_ratio = math.sqrt((1 - schedule.abar(t)) / (1 - schedule.abar(s)))
        data_weight = -math.sqrt(schedule.abar(t)) * math.expm1(-h)
        x0 = schedule.predict_original(s, x, guided_noise(model, x, s, matrix, mask))
        if previous_x0 is None or t < 0:
            x = sigma_ratio * x + data_weight * x0
        else:
            r = (lam(s) - lam(timesteps[i - 1])) / h
            x = sigma_ratio * x + data_weight * (1 + 0.5 / r) * x0 - data_weight * 0.5 / r * previous_x0
        previous_x0 = x0
    return x


def blas_library():
    """The BLAS library this process mapped (after a matmul): Debian's torch calls whatever libblas.so.3 the
    alternatives system points at, and the reference (netlib) BLAS makes its sampling ~5x slower than OpenBLAS."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    return ", ".join(sorted(paths)) or "unknown"


def timed(fn, repeats, warmup):
    """Wall-clock and process CPU milliseconds of each repeat (CPU time is steadier on a shared machine)."""
    if repeats == 0:
        return [], []
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def sgemm_gflops(threads):
    """The float32 matrix-product rate with this thread count: 1024 x 1024 x 1024, median of 5."""
    n = 1024
    generator = torch.Generator().manual_seed(21)
    a = torch.randn(n, n, generator=generator)
    b = torch.randn(n, n, generator=generator)
    wall, _ = timed(lambda: torch.mm(a, b), 5, 2)
    return 2 * n**3 / (sorted(wall)[len(wall) // 2] * 1e6)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--train-repeats", type=int, default=5)
    parser.add_argument("--step-repeats", type=int, default=5)
    parser.add_argument("--solver-repeats", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--solver-timesteps", type=str, required=True, help="comma-separated, decreasing")
    parser.add_argument("--samples-per-cell", type=int, default=1, help="curves per test cell in solver runs")
    args = parser.parse_args()
    solver_timesteps = [int(t) for t in args.solver_timesteps.split(",")]
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model = UNet()
    parameters = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    curve, timesteps, matrix, mask = inputs(TRAIN_BATCH, generator)
    target = torch.randn(TRAIN_BATCH, LENGTH, 1, generator=generator)

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(curve, timesteps, matrix, mask), target)
        loss.backward()
        optimizer.step()

    train_ms, train_cpu_ms = timed(train_step, args.train_repeats, args.warmup)

    model.eval()
    schedule = LinearSchedule()
    _, _, test_matrix, test_mask = inputs(TEST_CELLS, generator)
    sampler = {"x": torch.randn(TEST_CELLS, LENGTH, 1, generator=generator), "t": schedule.timesteps - 1}

    def ddpm_step():
        eps = guided_noise(model, sampler["x"], sampler["t"], test_matrix, test_mask)
        sampler["x"] = schedule.ddpm_step(sampler["t"], sampler["x"], eps, generator)
        sampler["t"] -= 1

    # Solver runs draw --samples-per-cell curves per cell, all rows in one batch.
    solver_matrix = test_matrix.repeat_interleave(args.samples_per_cell, dim=0)
    solver_mask = test_mask.repeat_interleave(args.samples_per_cell, dim=0)

    def solver_run():
        dpm_solver_pp(model, schedule, solver_timesteps, solver_matrix, solver_mask, generator)

    with torch.no_grad():
        step_ms, step_cpu_ms = timed(ddpm_step, args.step_repeats, args.warmup)
        solver_ms, solver_cpu_ms = timed(solver_run, args.solver_repeats, 0)
        sgemm = sgemm_gflops(args.threads)
    print(
        json.dumps(
            {
                "implementation": f"pytorch {torch.__version__} cpu",
                "blas": blas_library(),
                "backend": "pytorch-cpu",
                "threads": args.threads,
                "parameters": parameters,
                "trainStepMs": train_ms,
                "trainStepCpuMs": train_cpu_ms,
                "ddpmStepMs": step_ms,
                "ddpmStepCpuMs": step_cpu_ms,
                "solverSteps": len(solver_timesteps),
                "solverSamplesPerCell": args.samples_per_cell,
                "solverMs": solver_ms,
                "solverCpuMs": solver_cpu_ms,
                "sgemmGflops": sgemm,
            }
        )
    )


if __name__ == "__main__":
    main()
