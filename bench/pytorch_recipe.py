#!/usr/bin/python3
"""PyTorch's default recipe on the blobs gctrain trains on: the accuracy to beat.

The 3072-512-256-100 MLP with PyTorch's default nn.Linear initialisation (weights and biases
uniform in +-1/sqrt(fan_in)), batch 128, a fresh shuffle every epoch, no augmentation, inputs
normalised per channel with the training split's statistics (as gctrain does), each optimizer at
PyTorch's default settings and the learning rates below, without and with Gradient Centralization
(each weight matrix's gradient centred per output unit, over its fan-in, before the optimizer
step). Prints one JSON line per run (test top-1 after every epoch) and a table of the final top-1,
mean +- std over seeds.

    bench/pytorch_recipe.py --data out/cifar100 [--epochs 10] [--seeds 1,2,3] [--optimizers sgd,adam]
        [--threads 1] [--jobs 1]

With --net SPEC (gctrain's --net grammar) it trains that convolutional network instead (PyTorch's
default nn.Conv2d and nn.Linear initialisation, which is gctrain's --init torch; GC centres each
filter's gradient over C_in x k x k), and three options make it follow gctrain's own recipe:
--schedule cosine (the rate times 0.5 (1 + cos(pi t / T)) at step t of T), --augment crop,flip (a
random crop of the image padded with 4 zero bytes, then a horizontal flip with probability 1/2) and
--lr name=rate (gctrain's defaults: sgd=0.3,sgdm=0.03,adagrad=0.01,rmsprop=0.001,adam=0.001).

Needs Debian's python3-torch (run with /usr/bin/python3) with OpenBLAS as the system BLAS
(libopenblas0-pthread): the reference BLAS is ~10x slower.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_compare import read_blob, torch_net  # noqa: E402

OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-pthread"

# SGD has no default rate in PyTorch; 0.01 is the one most examples use. Adagrad, RMSProp and Adam
# at the rates the comparison was specified with.
LR = {"sgd": 0.01, "sgdm": 0.01, "adagrad": 0.01, "rmsprop": 0.001, "adam": 0.001}


def make_optimizer(torch, name, params):
    if name == "sgd":
        return torch.optim.SGD(params, lr=LR[name])
    if name == "sgdm":
        return torch.optim.SGD(params, lr=LR[name], momentum=0.9)
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=LR[name])
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=LR[name])
    return torch.optim.Adam(params, lr=LR[name])


def run(args, name, gc, seed):
    import numpy as np
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(seed)
    xtr, ytr, mean, std, c = read_blob(os.path.join(args.data, "train.blob"))
    xte, yte, _, _, _ = read_blob(os.path.join(args.data, "test.blob"))
    xtr, ytr = torch.from_numpy(xtr.copy()), torch.from_numpy(ytr.astype(np.int64))
    xte, yte = torch.from_numpy(xte.copy()), torch.from_numpy(yte.astype(np.int64))
    plane = xtr.shape[1] // c
    scale = (1.0 / (255.0 * torch.tensor(std, dtype=torch.float32))).repeat_interleave(plane)
    offset = (-torch.tensor(mean, dtype=torch.float32) / torch.tensor(std, dtype=torch.float32)).repeat_interleave(plane)
    side = int(round(plane ** 0.5))
    shape = (-1, c, side, side) if args.net else (-1, xtr.shape[1])
    if args.net:
        model = torch_net(args.net, c, side)
    else:
        model = torch.nn.Sequential(torch.nn.Linear(3072, 512), torch.nn.ReLU(), torch.nn.Linear(512, 256),
                                    torch.nn.ReLU(), torch.nn.Linear(256, 100))
    opt = make_optimizer(torch, name, model.parameters())
    steps_total = args.epochs * ((xtr.shape[0] + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda t: 0.5 * (1 + math.cos(math.pi * t / steps_total)) if args.schedule == "cosine" else 1.0)
    loss_fn = torch.nn.CrossEntropyLoss()
    weights = [m.weight for m in model if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d))]
    top1 = []
    g = torch.Generator().manual_seed(seed)
    for _ in range(args.epochs):
        model.train()
        order = torch.randperm(xtr.shape[0], generator=g)
        for i in range(0, xtr.shape[0], args.batch):
            idx = order[i:i + args.batch]
            pixels = augmented(torch, xtr[idx], c, side, args.augment, g) if args.augment != "none" else xtr[idx]
            x = (pixels.float() * scale + offset).reshape(shape)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), ytr[idx])
            loss.backward()
            if gc:
                with torch.no_grad():
                    for w in weights:
                        w.grad -= w.grad.mean(dim=tuple(range(1, w.grad.dim())), keepdim=True)
            opt.step()
            sched.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, xte.shape[0], 1000):
                x = (xte[i:i + 1000].float() * scale + offset).reshape(shape)
                correct += int((model(x).argmax(1) == yte[i:i + 1000]).sum())
        top1.append(correct / xte.shape[0])
    return top1


def augmented(torch, pixels, c, side, how, g):
    """gctrain's augmentation of uint8 images: a random crop of the image padded with 4 zero bytes
    on every side, then a horizontal flip with probability 1/2."""
    imgs = pixels.reshape(-1, c, side, side)
    n = imgs.shape[0]
    if "crop" in how:
        padded = torch.nn.functional.pad(imgs, (4, 4, 4, 4))
        dx = torch.randint(0, 9, (n,), generator=g)
        dy = torch.randint(0, 9, (n,), generator=g)
        imgs = torch.stack([padded[k, :, dy[k]:dy[k] + side, dx[k]:dx[k] + side] for k in range(n)])
    if "flip" in how:
        flip = torch.rand(n, generator=g) < 0.5
        imgs = torch.where(flip[:, None, None, None], imgs.flip(3), imgs)
    return imgs.reshape(n, -1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--optimizers", default="sgd,sgdm,adagrad,rmsprop,adam")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1, help="runs in parallel (processes)")
    ap.add_argument("--net", default="", help="a convolutional network in gctrain's --net grammar")
    ap.add_argument("--schedule", default="constant", choices=["constant", "cosine"])
    ap.add_argument("--augment", default="none", choices=["none", "crop", "flip", "crop,flip"])
    ap.add_argument("--lr", default="", help="rates, e.g. sgdm=0.03,adam=0.001 (others: the table above)")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    for item in filter(None, args.lr.split(",")):
        name, rate = item.split("=")
        LR[name] = float(rate)
    if args.child:
        name, gc, seed = args.child[0], args.child[1] == "1", int(args.child[2])
        print(json.dumps({"optimizer": name, "gc": gc, "seed": seed, "lr": LR[name], "top1": run(args, name, gc, seed)}),
              flush=True)
        return
    runs = [(o, gc, s) for o in args.optimizers.split(",") for s in args.seeds.split(",") for gc in (0, 1)]
    base = [sys.executable, os.path.abspath(__file__), "--data", args.data, "--epochs", str(args.epochs),
            "--batch", str(args.batch), "--threads", str(args.threads), "--net", args.net, "--schedule",
            args.schedule, "--augment", args.augment, "--lr", args.lr]
    results, pending = [], list(runs)
    active = []
    while pending or active:
        while pending and len(active) < args.jobs:
            o, gc, s = pending.pop(0)
            env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS=str(args.threads))
            if os.path.isdir(OPENBLAS):
                env["LD_LIBRARY_PATH"] = OPENBLAS
            active.append(subprocess.Popen(base + ["--child", o, str(gc), s], stdout=subprocess.PIPE, text=True, env=env))
        p = active.pop(0)
        out, _ = p.communicate()
        if p.returncode != 0:
            sys.exit(f"a PyTorch run failed (exit {p.returncode})")
        print(out.strip(), flush=True)
        results.append(json.loads(out))
    print(f"\n| optimizer | lr | top-1 without GC (%) | top-1 with GC (%) |\n|---|---|---|---|")
    for o in args.optimizers.split(","):
        cells = []
        for gc in (False, True):
            v = [100 * r["top1"][-1] for r in results if r["optimizer"] == o and r["gc"] == gc]
            cells.append(f"{statistics.mean(v):.2f} ± {statistics.stdev(v) if len(v) > 1 else 0:.2f} (n={len(v)})")
        print(f"| {o} | {LR[o]:g} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
