#!/usr/bin/python3
"""Side-by-side epoch time and peak memory: gctrain against PyTorch on the CPU.

Same MLP (3072-512-256-100, He-normal init), same batch size, optimizer and learning rate, same
data (the blobs made by cifar2blob, read as uint8 and normalised per batch with the training
split's per-channel statistics), same number of threads; one training epoch plus one evaluation
pass over the test split per process, alternated R times. Each run is its own process, so peak
resident memory (getrusage ru_maxrss of the child) is per framework.

    bench/pytorch_compare.py --data out/cifar100 --gctrain build/src/cli/gctrain [--reps 3]
        [--optimizer sgdm] [--threads 1] [--batch 128] [--net SPEC] [--peak build/bench/fma_peak]

With --net SPEC (gctrain's --net grammar) both train that convolutional network instead, each with
PyTorch's default initialisation (nn.Conv2d's and nn.Linear's, gctrain's --init torch) and a
constant rate; the FLOP rate of each is reported against the FMA peak that fma_peak measures in
the same run.

With --isa avx2 both sides run as on a CPU without AVX-512: PyTorch through oneDNN's and OpenBLAS's
own switches (ONEDNN_MAX_CPU_ISA=AVX2, OPENBLAS_CORETYPE=Haswell), gctrain as a build without its
AVX-512 kernels (meson setup build-eigen -Dcpp_args=-DGCT_EIGEN_PRODUCTS: Eigen's products, as on
such CPUs), and fma_peak measures the AVX2 peak.

Needs Debian's python3-torch (run with /usr/bin/python3). Prints which BLAS library PyTorch has
mapped: the reference BLAS is ~20x slower than OpenBLAS and would make the comparison meaningless.
"""
import argparse
import json
import os
import resource
import statistics
import struct
import subprocess
import sys
import time

LR = {"sgd": 0.05, "sgdm": 0.01, "adagrad": 0.005, "rmsprop": 3e-4, "adam": 3e-4}


def read_blob(path):
    import numpy as np
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"GCTBLOB1":
        sys.exit(f"{path}: not a gctrain blob")
    count, c, h, w = struct.unpack_from("<IHHH", data, 24)
    mean = struct.unpack_from("<4f", data, 40)[:c]
    std = struct.unpack_from("<4f", data, 56)[:c]
    sections = [struct.unpack_from("<QQ", data, 80 + 16 * i) for i in range(6)]
    pix_off, pix_len = sections[0]
    fine_off, _ = sections[1]
    pixels = np.frombuffer(data, dtype=np.uint8, count=pix_len, offset=pix_off).reshape(count, c * h * w)
    labels = np.frombuffer(data, dtype=np.uint8, count=count, offset=fine_off)
    return pixels, labels, mean, std, c


def torch_child(args):
    import numpy as np
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    xtr, ytr, mean, std, c = read_blob(os.path.join(args.data, "train.blob"))
    xte, yte, _, _, _ = read_blob(os.path.join(args.data, "test.blob"))
    xtr, ytr = torch.from_numpy(xtr.copy()), torch.from_numpy(ytr.astype(np.int64))
    xte, yte = torch.from_numpy(xte.copy()), torch.from_numpy(yte.astype(np.int64))
    plane = xtr.shape[1] // c
    m = torch.tensor(mean, dtype=torch.float32).repeat_interleave(plane)
    s = torch.tensor(std, dtype=torch.float32).repeat_interleave(plane)
    if args.net:
        model = torch_net(args.net, c, int(round((xtr.shape[1] // c) ** 0.5)))
    else:
        model = torch.nn.Sequential(torch.nn.Linear(3072, 512), torch.nn.ReLU(), torch.nn.Linear(512, 256),
                                    torch.nn.ReLU(), torch.nn.Linear(256, 100))
        for layer in model:
            if isinstance(layer, torch.nn.Linear):
                torch.nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
                torch.nn.init.zeros_(layer.bias)
    lr = args.lr or LR[args.optimizer]
    opt = {"sgd": lambda p: torch.optim.SGD(p, lr=lr),
           "sgdm": lambda p: torch.optim.SGD(p, lr=lr, momentum=0.9),
           "adagrad": lambda p: torch.optim.Adagrad(p, lr=lr),
           "rmsprop": lambda p: torch.optim.RMSprop(p, lr=lr),
           "adam": lambda p: torch.optim.Adam(p, lr=lr)}[args.optimizer](model.parameters())
    loss_fn = torch.nn.CrossEntropyLoss()
    start = time.perf_counter()
    order = torch.randperm(xtr.shape[0])
    shape = (-1, c, int(round(plane ** 0.5)), int(round(plane ** 0.5))) if args.net else (-1, xtr.shape[1])
    for i in range(0, xtr.shape[0], args.batch):
        idx = order[i:i + args.batch]
        x = ((xtr[idx].float() / 255.0 - m) / s).reshape(shape)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), ytr[idx])
        loss.backward()
        opt.step()
    train_seconds = time.perf_counter() - start
    correct = 0
    with torch.no_grad():
        for i in range(0, xte.shape[0], args.batch):
            x = ((xte[i:i + args.batch].float() / 255.0 - m) / s).reshape(shape)
            correct += (model(x).argmax(1) == yte[i:i + args.batch]).sum().item()
    blas = sorted({line.split()[-1] for line in open("/proc/self/maps") if "blas" in line.lower() or "lapack" in line.lower()})
    print(json.dumps({"train_seconds": train_seconds, "top1": correct / xte.shape[0], "blas": blas}))


def net_layers(spec, channels, side):
    """gctrain's --net grammar: [(kind, params)], with each layer's input shape, and MACs per sample
    of each layer's forward product."""
    layers, c, h, w, flat = [], channels, side, side, None
    for tok in spec.split(","):
        if tok.startswith("conv"):
            k = int(tok[4:tok.index("x")])
            rest = tok[tok.index(":") + 1:]
            out, stride = (int(rest.split("/s")[0]), int(rest.split("/s")[1])) if "/s" in rest else (int(rest), 1)
            oh, ow = (h + 2 * (k // 2) - k) // stride + 1, (w + 2 * (k // 2) - k) // stride + 1
            layers.append(("conv", (c, out, k, stride), out * c * k * k * oh * ow))
            c, h, w = out, oh, ow
        elif tok in ("maxpool2", "avgpool2"):
            layers.append((tok, None, 0))
            h, w = h // 2, w // 2
        elif tok == "gap":
            layers.append((tok, None, 0))
            h = w = 1
        elif tok == "flatten":
            continue
        elif tok.startswith("dense:"):
            n = int(tok[6:])
            fan_in = flat if flat is not None else c * h * w
            layers.append(("dense", (fan_in, n), fan_in * n))
            flat = n
    return layers


def training_flop(spec, channels, side, samples):
    """FLOP of one epoch: forward, weight gradient and input gradient (none for the first layer)."""
    macs = [m for kind, _, m in net_layers(spec, channels, side) if m]
    return 2 * samples * (2 * sum(macs) + sum(macs[1:]))


def torch_net(spec, channels, side):
    import torch
    mods, layers = [], net_layers(spec, channels, side)
    dense = [i for i, (kind, _, _) in enumerate(layers) if kind == "dense"]
    for i, (kind, p, _) in enumerate(layers):
        if kind == "conv":
            cin, out, k, stride = p
            mods += [torch.nn.Conv2d(cin, out, k, stride=stride, padding=k // 2), torch.nn.ReLU()]
        elif kind == "maxpool2":
            mods.append(torch.nn.MaxPool2d(2))
        elif kind == "avgpool2":
            mods.append(torch.nn.AvgPool2d(2))
        elif kind == "gap":
            mods.append(torch.nn.AdaptiveAvgPool2d(1))
        else:
            if i == dense[0]:
                mods.append(torch.nn.Flatten())
            mods.append(torch.nn.Linear(*p))
            if i != dense[-1]:
                mods.append(torch.nn.ReLU())
    return torch.nn.Sequential(*mods)


def measured(cmd, env=None):
    """Runs cmd in a child process; returns its peak resident memory in MiB."""
    pid = os.fork()
    if pid == 0:
        os.execve(cmd[0], cmd, env or os.environ)
    _, status, usage = os.wait4(pid, 0)
    if status != 0:
        sys.exit(f"failed: {' '.join(cmd)}")
    return usage.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--gctrain", default="build/src/cli/gctrain")
    ap.add_argument("--optimizer", default="sgdm", choices=sorted(LR))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--net", default="", help="a convolutional network in gctrain's --net grammar")
    ap.add_argument("--lr", type=float, default=0.0, help="learning rate (default: the optimizer's in LR)")
    ap.add_argument("--peak", default="", help="fma_peak binary: report FLOP rates against its peak")
    ap.add_argument("--isa", default="native", choices=["native", "avx2"],
                    help="avx2: both sides limited to AVX2 (gctrain: pass a build without AVX-512 kernels)")
    ap.add_argument("--variant", action="append", default=[],
                    help="also run gctrain with these extra arguments in each rep, e.g. '--scalar fixed' "
                         "or '--release-data-every 4' (repeatable)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        torch_child(args)
        return
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS=str(args.threads))
    # Debian's default BLAS may be the reference one, ~20x slower than OpenBLAS for PyTorch's GEMMs.
    openblas = "/usr/lib/x86_64-linux-gnu/openblas-pthread"
    if os.path.isdir(openblas):
        env["LD_LIBRARY_PATH"] = openblas + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    torch_env = dict(env)
    if args.isa == "avx2":
        torch_env.update(ONEDNN_MAX_CPU_ISA="AVX2", OPENBLAS_CORETYPE="Haswell")
    g_times, t_times, g_rss, t_rss = [], [], [], []
    v_times, v_rss = {v: [] for v in args.variant}, {v: [] for v in args.variant}
    blas = None
    lr = args.lr or LR[args.optimizer]
    model_args = f"--net {args.net} --schedule constant" if args.net else ""
    peaks = []
    for rep in range(args.reps):
        if args.peak:
            peak_cmd = [args.peak] + (["avx2"] if args.isa == "avx2" else [])
            peaks.append(json.loads(subprocess.run(peak_cmd, capture_output=True, text=True, check=True).stdout)["gflops"])
        out_path = f"/tmp/gct_compare_{os.getpid()}.json"
        gcmd = ["/bin/sh", "-c", f"'{args.gctrain}' train --data '{args.data}' --optimizer {args.optimizer} "
                f"--lr {lr} {model_args} --batch {args.batch} --threads {args.threads} --epochs 1 --json -q > {out_path}"]
        g_rss.append(measured(gcmd, env))
        g = json.load(open(out_path))
        if args.isa == "avx2" and g.get("float_kernels") == "avx512":
            sys.exit("--isa avx2: this gctrain runs its AVX-512 kernels; pass a build made with "
                     "-Dcpp_args=-DGCT_EIGEN_PRODUCTS")
        g_times.append(g["train_seconds"])
        for v in args.variant:
            vcmd = ["/bin/sh", "-c", gcmd[2].replace(" --json", f" {v} --json")]
            v_rss[v].append(measured(vcmd, env))
            vj = json.load(open(out_path))
            v_times[v].append(vj["train_seconds"])
            print(f"       gctrain {v}: {v_times[v][-1]:.2f} s (top-1 {vj['top1']:.3f})", flush=True)
        tcmd = ["/usr/bin/python3", os.path.abspath(__file__), "--child", "--data", args.data, "--optimizer",
                args.optimizer, "--threads", str(args.threads), "--batch", str(args.batch), "--lr", str(lr)]
        if args.net:
            tcmd += ["--net", args.net]
        t_rss.append(measured(["/bin/sh", "-c", " ".join(f"'{c}'" for c in tcmd) + f" > {out_path}"], torch_env))
        t = json.load(open(out_path))
        t_times.append(t["train_seconds"])
        blas = t["blas"]
        os.unlink(out_path)
        print(f"rep {rep + 1}: gctrain {g_times[-1]:.2f} s (top-1 {g['top1']:.3f}), "
              f"PyTorch {t_times[-1]:.2f} s (top-1 {t['top1']:.3f})", flush=True)
    gm, tm = statistics.median(g_times), statistics.median(t_times)
    print(f"\n{args.optimizer}, batch {args.batch}, {args.threads} thread(s), one epoch of {args.data}, median of {args.reps}"
          f"{', both limited to AVX2' if args.isa == 'avx2' else ''}; gctrain's float kernels: {g.get('float_kernels', '?')}")
    print(f"PyTorch BLAS libraries mapped: {', '.join(blas) or 'none found'}")
    print(f"epoch time:  gctrain {gm:.2f} s   PyTorch {tm:.2f} s   ratio gctrain/PyTorch {gm / tm:.3f}")
    if args.net and peaks:
        flop = training_flop(args.net, 3, 32, 50000)
        peak = statistics.median(peaks)
        print(f"FMA peak (fma_peak, median of {len(peaks)}): {peak:.1f} GFLOP/s per core; one epoch is {flop / 1e12:.3f} TFLOP")
        for name, sec in (("gctrain", gm), ("PyTorch", tm)):
            rate = flop / sec / 1e9
            print(f"FLOP rate:   {name} {rate:.1f} GFLOP/s = {rate / (peak * args.threads):.3f} of {args.threads} core(s)' peak")
    print(f"peak RSS:    gctrain {max(g_rss):.0f} MiB   PyTorch {max(t_rss):.0f} MiB   ratio {max(g_rss) / max(t_rss):.3f}")
    for v in args.variant:
        vm = statistics.median(v_times[v])
        print(f"gctrain {v}: epoch {vm:.2f} s (ratio to PyTorch {vm / tm:.3f}), "
              f"peak RSS {max(v_rss[v]):.0f} MiB (ratio {max(v_rss[v]) / max(t_rss):.3f})")


if __name__ == "__main__":
    main()
