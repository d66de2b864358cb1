#!/usr/bin/env python3
"""Writes a random data set of CIFAR-10's shape as NumPy files (standard library only), for
measuring training speed where the images' content does not matter:

  DIR/x_train.npy  uint8 (TRAIN, 32, 32, 3)    DIR/y_train.npy  uint8 (TRAIN,), labels 0..9
  DIR/x_test.npy   uint8 (TEST, 32, 32, 3)     DIR/y_test.npy   uint8 (TEST,)

as keras.datasets.cifar10.load_data() gives them, with uniform random pixels and labels from a
seed. The folder is written under a temporary name and renamed into place when complete; a
folder made with the same sizes and seed is left as it is.

Usage: make_random_cifar.py DIR [--train 50000] [--test 10000] [--seed 1]
"""
import argparse
import os
import random
import shutil

VERSION = "1"


def write_npy(path, shape, data):
    """np.save's format 1.0 for a C-order uint8 array."""
    header = f"{{'descr': '|u1', 'fortran_order': False, 'shape': {tuple(shape)!r}, }}"
    # Magic (6) + version (2) + length (2) + header + newline, padded to a multiple of 64.
    padding = 64 - (10 + len(header) + 1) % 64
    header = header + " " * (padding % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("ascii"))
        f.write(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir")
    parser.add_argument("--train", type=int, default=50000)
    parser.add_argument("--test", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    stamp = f"make_random_cifar {VERSION}: train {args.train}, test {args.test}, seed {args.seed}\n"
    stamp_path = os.path.join(args.dir, "MADE_BY")
    if os.path.exists(stamp_path):
        with open(stamp_path) as f:
            if f.read() == stamp:
                return
    rng = random.Random(args.seed)
    partial = args.dir.rstrip("/") + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(partial)
    for split, count in (("train", args.train), ("test", args.test)):
        write_npy(os.path.join(partial, f"x_{split}.npy"), (count, 32, 32, 3),
                  rng.randbytes(count * 32 * 32 * 3))
        write_npy(os.path.join(partial, f"y_{split}.npy"), (count,),
                  bytes(rng.randrange(10) for _ in range(count)))
    with open(os.path.join(partial, "MADE_BY"), "w") as f:
        f.write(stamp)
    shutil.rmtree(args.dir, ignore_errors=True)
    os.rename(partial, args.dir)


if __name__ == "__main__":
    main()
