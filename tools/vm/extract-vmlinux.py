#!/usr/bin/env python3
"""extract-vmlinux.py VMLINUZ OUT: write the uncompressed ELF kernel inside a bzImage to OUT.

qemu's `-M microvm` boots an ELF vmlinux through its PVH entry point, and decompressing a
bzImage under TCG costs seconds (docs: ../shared/FACTS.md, "QEMU 7.2 under TCG"). Like the
kernel's scripts/extract-vmlinux, this looks for each compressor's magic in the image, tries
to decompress from there and keeps the first result that is an ELF file. xz and gzip are
decompressed with Python's standard library, zstd with the `zstd` program when it exists.
Exit 0 on success, 1 when no compressed ELF kernel is found (the message says which image).
"""
import gzip
import lzma
import shutil
import subprocess
import sys
import zlib

MAGICS = [
    ("xz", b"\xfd7zXZ\x00"),
    ("gzip", b"\x1f\x8b\x08"),
    ("zstd", b"\x28\xb5\x2f\xfd"),
]


def decompress(kind, data):
    if kind == "xz":
        return lzma.LZMADecompressor().decompress(data)
    if kind == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)
    if kind == "zstd" and shutil.which("zstd"):
        run = subprocess.run(["zstd", "-dc"], input=data, capture_output=True)
        return run.stdout  # trailing data after the frame makes zstd complain; the ELF is out
    return b""


def candidates(image):
    for kind, magic in MAGICS:
        at = image.find(magic)
        while at >= 0:
            yield kind, at
            at = image.find(magic, at + 1)


def main():
    if len(sys.argv) != 3:
        print("usage: extract-vmlinux.py VMLINUZ OUT", file=sys.stderr)
        return 2
    src, out = sys.argv[1], sys.argv[2]
    image = open(src, "rb").read()
    for kind, at in candidates(image):
        try:
            elf = decompress(kind, image[at:])
        except (lzma.LZMAError, zlib.error, gzip.BadGzipFile, EOFError):
            continue
        if elf[:4] == b"\x7fELF":
            with open(out, "wb") as f:
                f.write(elf)
            return 0
    print(f"extract-vmlinux: no xz, gzip or zstd compressed ELF kernel found in {src}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
