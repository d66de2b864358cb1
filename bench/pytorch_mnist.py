#!/usr/bin/python3
"""The lecture's MNIST network in PyTorch, trained the way models/mnist.cnn says, for a side-by-side
comparison with cnnc's trainer on the same machine.

Same data (the IDX files fetched by scripts/fetch-data), same split sizes, same network, Glorot-
uniform kernels and zero biases, RMSprop(lr=1e-4, rho=0.9, eps=1e-7), batch 128. Prints one line
per epoch in the trainer's format and a final `samples/s` line.
"""
import argparse
import gzip
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


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
    sys.exit(f"pytorch_mnist: {stem} not found in {data_dir} (run scripts/fetch-data)")


class LectureNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, 5)
        self.conv2 = nn.Conv2d(10, 20, 5)
        self.dense1 = nn.Linear(320, 100)
        self.dense2 = nn.Linear(100, 10)
        for layer in (self.conv1, self.conv2, self.dense1, self.dense2):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        # Keras flattens channels last; the order does not change the cost.
        x = torch.flatten(x.permute(0, 2, 3, 1), 1)
        x = F.relu(self.dense1(x))
        return self.dense2(x)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default="data/mnist")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    images = read_idx(find(args.data, "train-images-idx3-ubyte"))
    labels = read_idx(find(args.data, "train-labels-idx1-ubyte"))
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(images))
    train, valid = order[:50000], order[50000:]
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    y = torch.from_numpy(labels.astype(np.int64))
    x_train, y_train, x_valid, y_valid = x[train], y[train], x[valid], y[valid]

    model = LectureNet()
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-4, alpha=0.9, eps=1e-7)
    total_seconds = 0.0
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        model.train()
        permutation = torch.randperm(len(x_train))
        loss_sum = correct = 0.0
        for first in range(0, len(x_train), args.batch):
            index = permutation[first:first + args.batch]
            logits = model(x_train[index])
            loss = F.cross_entropy(logits, y_train[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(index)
            correct += (logits.argmax(1) == y_train[index]).sum().item()
        seconds = time.perf_counter() - start
        total_seconds += seconds
        model.eval()
        with torch.no_grad():
            logits = model(x_valid)
            val_loss = F.cross_entropy(logits, y_valid).item()
            val_acc = (logits.argmax(1) == y_valid).float().mean().item()
        print(f"Epoch {epoch}/{args.epochs} - {seconds:.1f}s - loss: {loss_sum / len(x_train):.4f}"
              f" - acc: {correct / len(x_train):.4f} - val_loss: {val_loss:.4f}"
              f" - val_acc: {val_acc:.4f}", flush=True)
    print(f"pytorch {torch.__version__}, {args.threads} threads: "
          f"{args.epochs * len(x_train) / total_seconds:.0f} training samples/s")


if __name__ == "__main__":
    main()
