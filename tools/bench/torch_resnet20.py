#!/usr/bin/env python3
"""PyTorch CPU peer for `polybit bench train`: images/s of a ResNet-20 SGD step (forward, backward,
update) on random data, float and multi-bit fake-quant (the losses of all bit-widths summed before
one update; per-tensor symmetric weight quantization with bias correction, PACT-style activation
quantization, straight-through rounding). Same architecture as Polybit's: CIFAR-style, projection
shortcuts (1x1 conv + BN). Prints one JSON object."""
import argparse, json, time
import torch
import torch.nn as nn
import torch.nn.functional as F


def ste_round(x):
    return (x.round() - x).detach() + x


class QConv(nn.Conv2d):
    bits = None  # set per pass; None = float

    def forward(self, x):
        w = self.weight
        if QConv.bits is not None:
            b = QConv.bits
            qmax = 2 ** (b - 1) - 1
            s = w.detach().abs().max() / qmax
            wq = ste_round(w / s).clamp(-qmax - 1, qmax) * s
            # bias correction: match the latent tensor's mean and variance per output channel
            dims = (1, 2, 3)
            r = (w.detach().var(dim=dims, keepdim=True) / (wq.detach().var(dim=dims, keepdim=True) + 1e-12)).sqrt()
            w = r * (wq + (w.detach().mean(dim=dims, keepdim=True) - wq.detach().mean(dim=dims, keepdim=True)))
            alpha = self.alpha
            x = torch.minimum(F.relu(x), alpha)
            levels = 2 ** b - 1
            x = ste_round(x * levels / alpha) * alpha / levels
        return F.conv2d(x, w, None, self.stride, self.padding)


def conv(cin, cout, k, stride=1):
    c = QConv(cin, cout, k, stride, k // 2, bias=False)
    c.alpha = nn.Parameter(torch.tensor(6.0))
    return c


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1, self.b1 = conv(cin, cout, 3, stride), nn.BatchNorm2d(cout)
        self.c2, self.b2 = conv(cout, cout, 3), nn.BatchNorm2d(cout)
        self.proj = nn.Sequential(conv(cin, cout, 1, stride), nn.BatchNorm2d(cout)) if stride != 1 or cin != cout else None

    def forward(self, x):
        y = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        return F.relu(y + (self.proj(x) if self.proj is not None else x))


class ResNet20(nn.Module):
    def __init__(self, cin, classes=10):
        super().__init__()
        self.stem, self.bn = nn.Conv2d(cin, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16)
        layers, c = [], 16
        for s, w in enumerate([16, 32, 64]):
            for b in range(3):
                layers.append(Block(c, w, 2 if s > 0 and b == 0 else 1)); c = w
        self.blocks, self.fc = nn.Sequential(*layers), nn.Linear(64, classes)

    def forward(self, x):
        x = self.blocks(F.relu(self.bn(self.stem(x))))
        return self.fc(x.mean(dim=(2, 3)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", default="1x28x28")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--bits", default="", help="comma-separated bit-widths for the multi-bit step; empty: float")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    c, h, w = map(int, a.input.split("x"))
    model = ResNet20(c)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-4)
    x, y = torch.randn(a.batch, c, h, w), torch.randint(0, 10, (a.batch,))
    bits = [int(b) for b in a.bits.split(",") if b] or [None]

    def step():
        opt.zero_grad()
        loss = 0
        for b in bits:
            QConv.bits = b
            loss = loss + F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(2):
        step()
    t = time.perf_counter()
    for _ in range(a.steps):
        step()
    sec = (time.perf_counter() - t) / a.steps
    print(json.dumps({"torch": torch.__version__, "threads": a.threads, "bits": a.bits or "fp32",
                      "images_per_s": a.batch / sec, "step_ms": sec * 1000}))


if __name__ == "__main__":
    main()
