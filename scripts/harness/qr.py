"""Reads a QR code drawn by the console (an inline SVG of unit squares) with a real decoder: the squares are
laid out as a grayscale image in memory and given to zxing-cpp (PyPI `zxing-cpp`, installed by `.ci/run`)."""

import importlib.util
import re

SCALE = 4


def available():
    return importlib.util.find_spec("zxingcpp") is not None


def decode_svg(view_box, path):
    """The text of the QR code whose viewBox is `0 0 side side` and whose dark modules are `path`'s squares."""
    import zxingcpp

    side = int(view_box.split()[2])
    image = bytearray([255]) * (side * SCALE) ** 2
    for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", path):
        for dy in range(SCALE):
            row = (int(y) * SCALE + dy) * side * SCALE
            start = row + int(x) * SCALE
            image[start:start + SCALE] = bytes(SCALE)
    found = zxingcpp.read_barcodes(memoryview(image).cast("B", (side * SCALE, side * SCALE)))
    return [barcode.text for barcode in found]
