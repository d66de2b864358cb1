#!/usr/bin/python3
"""PyTorch's side of bench/run: the benchmark's networks in PyTorch, trained and run the way
cnnc's trainer and cnn::Predictor are, for a side-by-side comparison on the same machine.

  pytorch_bench.py train --model mnist|cifar10 --data DIR --batch N --epochs N --threads N
                         [--limit N] [--validation N]
      Trains as the model file says: Glorot-uniform kernels and zero biases, RMSprop(lr=1e-4,
      rho=0.9, eps=1e-7), cross-entropy on the softmax, the batch given. Data: MNIST's IDX files
      (mnist) or x_train.npy/y_train.npy (cifar10), bytes read as byte / 255. --limit takes a
      seeded random subset of the training images and --validation holds out that many of it,
      as the trainer does. An epoch's time includes its validation pass, as the trainer's does.
  pytorch_bench.py infer --model mnist|cifar10 --threads 1,2 --batch 64,1024 --seconds S
      Evaluation mode under torch.inference_mode(), the softmax included: one image's latency
      on one thread, and the throughput on batches of each size on each thread count; the best
      of several rounds of wall time.

Prints one JSON object on the last line of its output (epoch lines before it for train).
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Mnist(nn.Module):
    """models/mnist.cnn: the lecture's network."""

    input_shape = (1, 28, 28)

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, 5)
        self.conv2 = nn.Conv2d(10, 20, 5)
        self.dense1 = nn.Linear(320, 100)
        self.dense2 = nn.Linear(100, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        # Keras flattens channels last; the order does not change the cost.
        x = torch.flatten(x.permute(0, 2, 3, 1), 1)
        x = F.relu(self.dense1(x))
        return self.dense2(x)


class Cifar10(nn.Module):
    """models/cifar10.cnn: the Keras example's CIFAR-10 network (without its dropout)."""

    input_shape = (3, 32, 32)

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 32, 3)
        self.conv3 = nn.Conv2d(32, 64, 3, padding=1)
        self.conv4 = nn.Conv2d(64, 64, 3)
        self.dense1 = nn.Linear(2304, 512)
        self.dense2 = nn.Linear(512, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.conv3(x))
        x = F.max_pool2d(F.relu(self.conv4(x)), 2)
        x = torch.flatten(x.permute(0, 2, 3, 1), 1)
        x = F.relu(self.dense1(x))
        return self.dense2(x)


NETWORKS = {"mnist": Mnist, "cifar10": Cifar10}


def make_network(name):
    model = NETWORKS[name]()
    for layer in model.modules():
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    return model


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(data_dir, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            return path
    sys.exit(f"pytorch_bench: {stem} not found in {data_dir}")


def load_training_set(model, data_dir):
    """Images as a uint8 tensor N, C, H, W (converted to floats a batch at a time, as the
    trainer does) and labels as int64."""
    if model == "mnist":
        images = read_idx(find(data_dir, "train-images-idx3-ubyte"))[:, None, :, :]
        labels = read_idx(find(data_dir, "train-labels-idx1-ubyte"))
    else:
        images = np.load(os.path.join(data_dir, "x_train.npy")).transpose(0, 3, 1, 2)
        labels = np.load(os.path.join(data_dir, "y_train.npy")).reshape(-1)
    # A copy: np.load's and frombuffer's arrays are read-only, which torch warns about.
    return (torch.from_numpy(np.array(images, order="C")),
            torch.from_numpy(labels.astype(np.int64)))


def blas_library():
    """The BLAS that PyTorch's dense layers call, as loaded (Linux): e.g. openblas-pthread/
    libblas.so.3, or blas/libblas.so.3 for Debian's reference BLAS."""
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))
    try:
        with open("/proc/self/maps") as f:
            paths = sorted({line.split()[-1] for line in f if "/libblas" in line})
    except OSError:
        paths = []
    return ", ".join(os.path.join(os.path.basename(os.path.dirname(p)), os.path.basename(p))
                     for p in paths) or "unknown"


def as_floats(images):
    return images.float().div_(255.0)


def train(args):
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    images, labels = load_training_set(args.model, args.data)
    rng = np.random.default_rng(args.seed)
    order = torch.from_numpy(rng.permutation(len(images)))
    if args.limit:
        order = order[:args.limit]
    valid, train_items = order[:args.validation], order[args.validation:]

    model = make_network(args.model)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-4, alpha=0.9, eps=1e-7)
    epoch_seconds = []
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        model.train()
        permutation = train_items[torch.randperm(len(train_items))]
        loss_sum = correct = 0.0
        for first in range(0, len(permutation), args.batch):
            index = permutation[first:first + args.batch]
            x, y = as_floats(images[index]), labels[index]
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(index)
            correct += (logits.argmax(1) == y).sum().item()
        model.eval()
        val_loss = val_correct = 0.0
        with torch.no_grad():
            for first in range(0, len(valid), 500):
                index = valid[first:first + 500]
                logits = model(as_floats(images[index]))
                val_loss += F.cross_entropy(logits, labels[index], reduction="sum").item()
                val_correct += (logits.argmax(1) == labels[index]).sum().item()
        seconds = time.perf_counter() - start
        epoch_seconds.append(seconds)
        n, v = len(train_items), max(len(valid), 1)
        print(f"Epoch {epoch}/{args.epochs} - {seconds:.1f}s - loss: {loss_sum / n:.4f}"
              f" - acc: {correct / n:.4f} - val_loss: {val_loss / v:.4f}"
              f" - val_acc: {val_correct / v:.4f}", flush=True)
    print(json.dumps({"torch": torch.__version__, "blas": blas_library(),
                      "threads": args.threads, "batch": args.batch,
                      "train_samples": len(train_items), "validation_samples": len(valid),
                      "epoch_seconds": epoch_seconds}))


def best_seconds(run, seconds, rounds=5):
    """Seconds per call of run(): calls per round sized to a fifth of `seconds`, best round."""
    run()
    calls, elapsed = 1, 0.0
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            run()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds / 50:
            break
        calls *= 2
    per_round = max(1, int(calls * (seconds / rounds) / elapsed))
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(per_round):
            run()
        best = min(best, (time.perf_counter() - start) / per_round)
    return best


def infer(args):
    torch.manual_seed(args.seed)
    model = make_network(args.model).eval()
    shape = model.input_shape
    generator = torch.Generator().manual_seed(args.seed)
    one = torch.rand((1,) + shape, generator=generator)
    with torch.inference_mode():
        torch.set_num_threads(1)
        latency = best_seconds(lambda: F.softmax(model(one), dim=1), args.seconds)
        throughput = []
        for size in args.batch:
            batch = torch.rand((size,) + shape, generator=generator)
            for threads in args.threads:
                torch.set_num_threads(threads)
                per_batch = best_seconds(lambda: F.softmax(model(batch), dim=1), args.seconds, 3)
                throughput.append({"batch": size, "threads": threads,
                                   "images_per_second": size / per_batch})
    print(json.dumps({"torch": torch.__version__, "blas": blas_library(),
                      "latency_seconds": latency, "throughput": throughput}))


def counts(text):
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("counts such as 1,2")
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    train_parser = commands.add_parser("train")
    train_parser.add_argument("--model", choices=sorted(NETWORKS), required=True)
    train_parser.add_argument("--data", required=True)
    train_parser.add_argument("--batch", type=int, required=True)
    train_parser.add_argument("--epochs", type=int, default=1)
    train_parser.add_argument("--threads", type=int, default=1)
    train_parser.add_argument("--limit", type=int, default=0)
    train_parser.add_argument("--validation", type=int, default=0)
    train_parser.add_argument("--seed", type=int, default=1)
    infer_parser = commands.add_parser("infer")
    infer_parser.add_argument("--model", choices=sorted(NETWORKS), required=True)
    infer_parser.add_argument("--threads", type=counts, default=[1, 2])
    infer_parser.add_argument("--batch", type=counts, default=[64, 1024])
    infer_parser.add_argument("--seconds", type=float, default=2.0)
    infer_parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    train(args) if args.command == "train" else infer(args)


if __name__ == "__main__":
    main()
