#!/usr/bin/env python3
"""Writes the binary seed files of fuzz/corpus/ (idx, npy, cifar, image): small valid inputs of
each format, so that the fuzzers start deep in the readers. The .cnn seeds are copies of models/
and tests' files; the safetensors seeds come from fuzz_seed_checkpoint (fuzz/README.md).
Usage: fuzz/make_seeds.py [MNIST_FOLDER]   (default data/mnist; run from the project folder)"""
import gzip
import struct
import sys
import zlib
from pathlib import Path

corpus = Path(__file__).resolve().parent / "corpus"
mnist = Path(sys.argv[1] if len(sys.argv) > 1 else "data/mnist")


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def idx(type_code, shape, payload):
    return bytes([0, 0, type_code, len(shape)]) + b"".join(struct.pack(">I", d) for d in shape) + payload


# IDX: two MNIST test images and five labels (a slice of the real files), the images gzipped,
# and 4-D float images and 2-D float targets made here.
images = (mnist / "t10k-images-idx3-ubyte").read_bytes()
labels = (mnist / "t10k-labels-idx1-ubyte").read_bytes()
two_images = idx(0x08, (2, 28, 28), images[16:16 + 2 * 784])
write(corpus / "idx" / "mnist-images-2", two_images)
write(corpus / "idx" / "mnist-images-2.gz", gzip.compress(two_images, mtime=0))
write(corpus / "idx" / "mnist-labels-5", idx(0x08, (5,), labels[8:13]))
write(corpus / "idx" / "float-images-4d", idx(0x0D, (1, 2, 2, 3), struct.pack(">12f", *[i / 12 for i in range(12)])))
write(corpus / "idx" / "float-targets", idx(0x0D, (2, 2), struct.pack(">4f", 0.5, -1.0, 2.0, 0.25)))


def npy(descr, shape, payload):
    shape_text = "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_text)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload


# NumPy: uint8 and float images, integer labels, float targets.
write(corpus / "npy" / "x-uint8.npy", npy("|u1", (2, 2, 2), bytes(range(0, 256, 32))))
write(corpus / "npy" / "x-float32.npy", npy("<f4", (1, 2, 2, 1), struct.pack("<4f", 0.0, 0.25, 0.5, 1.0)))
write(corpus / "npy" / "x-float64.npy", npy("<f8", (1, 2, 2), struct.pack("<4d", 0.0, 0.25, 0.5, 1.0)))
write(corpus / "npy" / "y-int64.npy", npy("<i8", (3,), struct.pack("<3q", 0, 9, 4)))
write(corpus / "npy" / "y-uint8-column.npy", npy("|u1", (2, 1), bytes([1, 7])))
write(corpus / "npy" / "y-float32.npy", npy("<f4", (2, 2), struct.pack("<4f", 0.5, -1.0, 2.0, 0.25)))

# CIFAR: the fuzz target's framing (cifar_fuzzer.cpp): a flags byte (1: CIFAR-100, 2: a names
# file follows), the names file's length, the names, then the batch.
record = bytes((i * 7) % 256 for i in range(3072))
names10 = b"airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n"
write(corpus / "cifar" / "cifar10-names", bytes([2, len(names10)]) + names10 + bytes([3]) + record + bytes([9]) + record[::-1])
write(corpus / "cifar" / "cifar10-bare", bytes([0, 0]) + bytes([1]) + record)
names100 = b"".join(b"class%d\n" % i for i in range(20))
write(corpus / "cifar" / "cifar100-names", bytes([3, len(names100)]) + names100 + bytes([2, 17]) + record)


def png(width, height, colour_type, rows):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + row for row in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


# Images: 8x8 PNGs in grey, RGB and RGBA, and an 8x8 24-bit BMP.
write(corpus / "image" / "grey.png", png(8, 8, 0, [bytes((x * 32 + y * 4) % 256 for x in range(8)) for y in range(8)]))
write(corpus / "image" / "rgb.png", png(8, 8, 2, [bytes((x * 30 + y * 7 + c * 50) % 256 for x in range(8) for c in range(3)) for y in range(8)]))
write(corpus / "image" / "rgba.png", png(8, 8, 6, [bytes((x * 30 + y * 7 + c * 50) % 256 for x in range(8) for c in range(4)) for y in range(8)]))
pixels = b"".join(bytes((x * 30 + y * 7 + c * 50) % 256 for x in range(8) for c in range(3)) for y in range(8))
write(corpus / "image" / "rgb.bmp", b"BM" + struct.pack("<IHHI", 54 + len(pixels), 0, 0, 54)
      + struct.pack("<IiiHHIIiiII", 40, 8, 8, 1, 24, 0, len(pixels), 2835, 2835, 0, 0) + pixels)
