#!/usr/bin/python3
"""Regenerate the derived test images in this folder from the copied photos.

Each derived file exercises one decoding path that the C++ loader must get
right in the same way as torchvision's `Image.open(p).convert("RGB")`:

  chelsea_rgba.png        RGBA; alpha is a horizontal gradient whose left part is
                          fully transparent while its RGB stays the cat's pixels,
                          so "drop alpha without compositing" is observable.
  coffee_gray.jpg         single-channel (mode L) JPEG, quality 90.
  astronaut_palette.png   palette (mode P) PNG, adaptive 256-colour palette.
  hopper_exif_rot6.jpg    grace_hopper.jpg re-encoded at quality 95 with an EXIF
                          Orientation tag of 6 (rotate 90 degrees clockwise to
                          display). PIL ignores the tag when decoding; display code
                          should honour it.
  rocket_progressive.jpg  rocket.jpg re-encoded as a progressive JPEG.

The outputs are committed; this script only documents how they were made and
lets them be rebuilt. It is deterministic for a given Pillow/libjpeg/zlib.

Usage: /usr/bin/python3 tests/data/make_derived.py [--dir DIR]
"""

import argparse
import os

from PIL import Image

EXIF_ORIENTATION = 0x0112


def make_rgba(src, dst):
    """Chelsea with a left-to-right alpha ramp; the left 20% is alpha 0."""
    rgb = Image.open(src).convert("RGB")
    w, h = rgb.size
    opaque_from = int(w * 0.2)
    ramp = []
    for x in range(w):
        if x < opaque_from:
            ramp.append(0)
        else:
            ramp.append(min(255, 1 + (254 * (x - opaque_from)) // max(1, w - 1 - opaque_from)))
    alpha = Image.new("L", (w, h))
    alpha.putdata([ramp[x] for _ in range(h) for x in range(w)])
    rgba = rgb.copy()
    rgba.putalpha(alpha)
    rgba.save(dst, format="PNG", optimize=True)
    # Sanity: transparent pixels must keep non-zero colour.
    check = Image.open(dst)
    assert check.mode == "RGBA"
    px = check.getpixel((opaque_from // 2, h // 2))
    assert px[3] == 0 and sum(px[:3]) > 0, px


def make_gray_jpeg(src, dst):
    gray = Image.open(src).convert("L")
    gray.save(dst, format="JPEG", quality=90)
    assert Image.open(dst).mode == "L"


def make_palette(src, dst):
    rgb = Image.open(src).convert("RGB")
    pal = rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=256)
    pal.save(dst, format="PNG", optimize=True)
    assert Image.open(dst).mode == "P"


def make_exif_rotated(src, dst):
    im = Image.open(src)
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    im.convert("RGB").save(dst, format="JPEG", quality=95, exif=exif.tobytes())
    assert Image.open(dst).getexif().get(EXIF_ORIENTATION) == 6


def make_progressive(src, dst):
    im = Image.open(src).convert("RGB")
    im.save(dst, format="JPEG", quality=85, progressive=True, optimize=True)
    assert Image.open(dst).info.get("progressive") or Image.open(dst).info.get("progression")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=os.path.dirname(os.path.abspath(__file__)),
                        help="folder holding the source photos; outputs go there too")
    args = parser.parse_args()
    d = args.dir

    jobs = [
        (make_rgba, "chelsea.png", "chelsea_rgba.png"),
        (make_gray_jpeg, "coffee.png", "coffee_gray.jpg"),
        (make_palette, "astronaut.png", "astronaut_palette.png"),
        (make_exif_rotated, "grace_hopper.jpg", "hopper_exif_rot6.jpg"),
        (make_progressive, "rocket.jpg", "rocket_progressive.jpg"),
    ]
    for fn, src, dst in jobs:
        fn(os.path.join(d, src), os.path.join(d, dst))
        im = Image.open(os.path.join(d, dst))
        print(f"{dst}: {im.format} {im.mode} {im.size[0]}x{im.size[1]} "
              f"{os.path.getsize(os.path.join(d, dst))} bytes (from {src})")


if __name__ == "__main__":
    main()
