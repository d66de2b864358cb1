#!/usr/bin/env python3
"""Writes one image of an IDX image file (MNIST's t10k-images-idx3-ubyte) as an 8-bit grey PNG.

usage: mnist_png.py IMAGES.idx INDEX OUT.png
Only the standard library: the PNG is a signature, IHDR, one zlib-compressed IDAT, IEND.
"""
import struct
import sys
import zlib


def read_image(path, index):
    with open(path, "rb") as f:
        magic, count, rows, cols = struct.unpack(">IIII", f.read(16))
        if magic != 0x803:
            sys.exit(f"{path}: not an IDX file of unsigned bytes in 3 dimensions (magic {magic:#x})")
        if not 0 <= index < count:
            sys.exit(f"{path}: image {index} is outside 0..{count - 1}")
        f.seek(16 + index * rows * cols)
        return rows, cols, f.read(rows * cols)


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def write_png(path, rows, cols, pixels):
    # Each row starts with filter type 0 (none).
    raw = b"".join(b"\0" + pixels[r * cols:(r + 1) * cols] for r in range(rows))
    header = struct.pack(">IIBBBBB", cols, rows, 8, 0, 0, 0, 0)  # 8-bit greyscale
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
                chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip())
    rows, cols, pixels = read_image(sys.argv[1], int(sys.argv[2]))
    write_png(sys.argv[3], rows, cols, pixels)


if __name__ == "__main__":
    main()
