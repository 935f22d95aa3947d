#!/usr/bin/python3
"""Image files of every kind and variant the decoder handles, and what Debian's Pillow 9.4 makes of them.

Writes into OUT/images/:
  one small file per kind and variant: JPEG (RGB at 4:2:0/4:2:2/4:4:4, gray, progressive, restart markers,
  arithmetic coding, CMYK with and without the Adobe marker, YCCK, EXIF-rotated, MPO, a missing end marker,
  truncated), PNG (1/2/4/8/16-bit gray, 8/16-bit RGB and RGBA, LA 8/16-bit, palettes of every depth with and
  without tRNS, a short palette, interlaced with every filter type, gAMA/iCCP/text chunks, eXIf, APNG,
  broken CRC, truncated), TIFF (RGB, RGBA with unassociated and associated alpha, CMYK, 16-bit gray in both
  byte orders, 16-bit RGB, 1-bit, MinIsWhite, palette, LA, int32, float32, CIELab, LZW/deflate/packbits/JPEG
  compression, horizontal predictor, tiles, separate planes, several pages, the Orientation tag), WebP
  (lossy, lossless, alpha, animated, EXIF), JPEG 2000 (JP2 and bare codestreams, lossless and irreversible,
  tiles, layers, gray, 16-bit gray, alpha), FITS (every BITPIX), the files Pillow cannot write built by hand, the hand-written
  formats of tests/reference/hand_images.py (BMP, GIF, TGA, ICO, ...), and files Pillow refuses (Radiance
  HDR, OpenEXR, PFM, text, PDF, empty);
  <file>.rgb     Image.open(f).convert("RGB") as raw bytes (height x width x 3)
  <file>.v1.npy, <file>.v2.npy   torchvision's input tensors (make_reference.preprocess, float32 3x224x224)
  <file>.display.rgb             ImageOps.exif_transpose(Image.open(f)).convert("RGB"), for files with an
                                 EXIF orientation
  manifest.json  one row per file: Pillow's format, mode and size, the files above and their SHA-256, or the
                 exception Pillow raised for a file it refuses.

Nothing here says what a file should decode to: every value is Pillow's (or torchvision's) own output.
Skips the work when its inputs (this script, hand_images.py, the library versions) are unchanged.
Usage: /usr/bin/python3 make_images.py --out DIR
"""

import argparse
import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import time
import warnings
import zlib

import numpy as np
import PIL
from PIL import Image, ImageOps, TiffImagePlugin

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import hand_images  # noqa: E402  (the formats engineer's hand-made files)

W, H = 83, 57  # odd sizes: partial MCUs, strips and tiles


# --------------------------------------------------------------------------------------------------------
# Pixels


def pattern(width=W, height=H, seed=1):
    """A colourful deterministic RGB image: gradients, a checkerboard and noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    r = (x * 255 // max(width - 1, 1)).astype(np.int32)
    g = (y * 255 // max(height - 1, 1)).astype(np.int32)
    b = (((x // 8 + y // 8) % 2) * 200 + 30).astype(np.int32)
    noise = rng.integers(-40, 40, size=(height, width, 3))
    rgb = np.stack([r, g, b], axis=2) + noise
    return np.clip(rgb, 0, 255).astype(np.uint8)


def gray16(width=W, height=H, seed=2):
    """16-bit gray spanning small values (below 255, where Pillow's saturation shows) and the full range."""
    rng = np.random.default_rng(seed)
    v = rng.integers(0, 65536, size=(height, width)).astype(np.uint16)
    v[: height // 2] = rng.integers(0, 600, size=(height // 2, width))
    return v


def rgb16(width=W, height=H, channels=3, seed=3):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 65536, size=(height, width, channels)).astype(np.uint16)


# --------------------------------------------------------------------------------------------------------
# Hand-made PNG, TIFF and other files (Pillow cannot write these variants)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_filtered(raw_rows, bpp, filters):
    """Filters each row (bytes) with the given filter types, cycling."""
    out = bytearray()
    prev = bytes(len(raw_rows[0])) if raw_rows else b""
    for i, row in enumerate(raw_rows):
        ft = filters[i % len(filters)]
        f = bytearray(len(row))
        for j in range(len(row)):
            a = row[j - bpp] if j >= bpp else 0
            b = prev[j]
            c = prev[j - bpp] if j >= bpp else 0
            if ft == 0:
                p = 0
            elif ft == 1:
                p = a
            elif ft == 2:
                p = b
            elif ft == 3:
                p = (a + b) // 2
            else:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            f[j] = (row[j] - p) & 0xFF
        out.append(ft)
        out += f
        prev = row
    return bytes(out)


def pack_rows(samples, bits):
    """samples: 2-D array (rows x values) of integers < 2**bits; returns packed big-endian rows."""
    rows = []
    for row in samples:
        if bits == 8:
            rows.append(bytes(int(v) for v in row))
        elif bits == 16:
            rows.append(b"".join(struct.pack(">H", int(v)) for v in row))
        else:
            acc, n, out = 0, 0, bytearray()
            for v in row:
                acc = (acc << bits) | int(v)
                n += bits
                if n == 8:
                    out.append(acc)
                    acc, n = 0, 0
            if n:
                out.append(acc << (8 - n))
            rows.append(bytes(out))
    return rows


def png_file(width, height, bit_depth, colour, samples, interlace=False, extra_chunks=(), plte=None, trns=None,
             filters=(0, 1, 2, 3, 4), after_idat=(), crc_break=None, truncate=None):
    """A PNG written by hand. samples: array (height, width * channels) of sample values."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    bpp = max(1, channels * bit_depth // 8)
    if not interlace:
        data = png_filtered(pack_rows(samples, bit_depth), bpp, filters)
    else:
        passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        data = b""
        s = samples.reshape(height, width, channels)
        for x0, y0, dx, dy in passes:
            sub = s[y0::dy, x0::dx]
            if sub.size == 0:
                continue
            data += png_filtered(pack_rows(sub.reshape(sub.shape[0], -1), bit_depth), bpp, filters)
    out = b"\x89PNG\r\n\x1a\n"
    out += png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 1 if interlace else 0))
    for kind, payload in extra_chunks:
        out += png_chunk(kind, payload)
    if plte is not None:
        out += png_chunk(b"PLTE", plte)
    if trns is not None:
        out += png_chunk(b"tRNS", trns)
    z = zlib.compress(data, 9)
    half = len(z) // 2
    out += png_chunk(b"IDAT", z[:half]) + png_chunk(b"IDAT", z[half:])
    for kind, payload in after_idat:
        out += png_chunk(kind, payload)
    out += png_chunk(b"IEND", b"")
    if crc_break is not None:
        i = out.index(crc_break) + 4
        n = struct.unpack(">I", out[i - 8:i - 4])[0]
        out = out[: i + n] + bytes([out[i + n] ^ 0xFF]) + out[i + n + 1:]
    if truncate is not None:
        out = out[:truncate]
    return out


def exif_block(orientation):
    """Image.Exif().tobytes(): "Exif\0\0" and a TIFF header with one directory."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def exif_tiff(orientation):
    """The TIFF part alone, as a PNG eXIf chunk holds it."""
    return exif_block(orientation)[6:]


TIFF_TYPES = {1: "B", 2: "s", 3: "H", 4: "I", 5: "II", 11: "f", 12: "d"}


def tiff_file(width, height, samples_per_pixel, bits, photometric, data_planes, compression=1, planar=1,
              extra=None, sample_format=None, predictor=None, tile=None, rows_per_strip=None, colormap=None,
              orientation=None, big_endian=False, fill_order=None):
    """A baseline TIFF written by hand. data_planes: list of byte strings, one per plane (planar 2) or one
    (planar 1), each holding the packed rows of the whole image; compression 1 (none), 8 (deflate) or 32773
    (packbits)."""
    e = ">" if big_endian else "<"

    def row_bytes(w, spp):
        return (w * spp * bits + 7) // 8

    spp_in_plane = samples_per_pixel if planar == 1 else 1

    def encode(block, bpr):
        if predictor == 2:
            step = spp_in_plane * bits // 8
            rows = [bytearray(block[i:i + bpr]) for i in range(0, len(block), bpr)]
            for row in rows:
                if bits == 16:
                    vals = list(struct.unpack(e + "%dH" % (len(row) // 2), row))
                    n = spp_in_plane
                    for k in range(len(vals) - 1, n - 1, -1):
                        vals[k] = (vals[k] - vals[k - n]) & 0xFFFF
                    row[:] = struct.pack(e + "%dH" % len(vals), *vals)
                else:
                    for k in range(len(row) - 1, step - 1, -1):
                        row[k] = (row[k] - row[k - step]) & 0xFF
            block = b"".join(bytes(r) for r in rows)
        if compression == 8:
            return zlib.compress(block, 9)
        if compression == 32773:
            out = bytearray()
            for i in range(0, len(block), bpr):
                row = block[i:i + bpr]
                j = 0
                while j < len(row):
                    run = 1
                    while j + run < len(row) and run < 128 and row[j + run] == row[j]:
                        run += 1
                    if run >= 3:
                        out += bytes([(257 - run) & 0xFF, row[j]])
                        j += run
                    else:
                        k = j
                        while k < len(row) and k - j < 128 and not (k + 2 < len(row) and row[k] == row[k + 1] == row[k + 2]):
                            k += 1
                        out += bytes([k - j - 1]) + row[j:k]
                        j = k
            return bytes(out)
        return block

    chunks = []  # encoded strips/tiles in order
    if tile:
        tw, tl = tile
        for plane in data_planes:
            bpr_img = row_bytes(width, spp_in_plane)
            for ty in range(0, height, tl):
                for tx in range(0, width, tw):
                    bpr = row_bytes(tw, spp_in_plane)
                    block = bytearray()
                    for r in range(tl):
                        y = ty + r
                        if y < height:
                            start = y * bpr_img + row_bytes(tx, spp_in_plane)
                            seg = plane[start:start + min(bpr, bpr_img - row_bytes(tx, spp_in_plane))]
                        else:
                            seg = b""
                        block += seg + bytes(bpr - len(seg))
                    chunks.append(encode(bytes(block), bpr))
    else:
        rps = rows_per_strip or height
        for plane in data_planes:
            bpr = row_bytes(width, spp_in_plane)
            for y in range(0, height, rps):
                chunks.append(encode(plane[y * bpr:min(height, y + rps) * bpr], bpr))

    tags = {256: (4, [width]), 257: (4, [height]), 258: (3, [bits] * samples_per_pixel), 259: (3, [compression]),
            262: (3, [photometric]), 277: (3, [samples_per_pixel]), 284: (3, [planar])}
    if tile:
        tags[322] = (4, [tile[0]])
        tags[323] = (4, [tile[1]])
    else:
        tags[278] = (4, [rows_per_strip or height])
    if extra is not None:
        tags[338] = (3, list(extra))
    if sample_format is not None:
        tags[339] = (3, [sample_format] * samples_per_pixel)
    if predictor is not None:
        tags[317] = (3, [predictor])
    if colormap is not None:
        tags[320] = (3, colormap)
    if orientation is not None:
        tags[274] = (3, [orientation])
    if fill_order is not None:
        tags[266] = (3, [fill_order])
    offsets_tag, counts_tag = (324, 325) if tile else (273, 279)
    tags[offsets_tag] = (4, [0] * len(chunks))
    tags[counts_tag] = (4, [len(c) for c in chunks])

    header = (b"MM\x00\x2a" if big_endian else b"II\x2a\x00") + struct.pack(e + "I", 8)
    n = len(tags)
    ifd_size = 2 + 12 * n + 4
    data_start = 8 + ifd_size

    def layout(values_offset, chunk_offsets):
        extra_data = bytearray()
        entries = bytearray()
        for tag in sorted(tags):
            typ, vals = tags[tag]
            if tag == offsets_tag:
                vals = chunk_offsets
            fmt = TIFF_TYPES[typ]
            raw = struct.pack(e + fmt * len(vals), *vals)
            if len(raw) <= 4:
                value = raw + bytes(4 - len(raw))
            else:
                value = struct.pack(e + "I", values_offset + len(extra_data))
                extra_data += raw
                if len(extra_data) % 2:
                    extra_data += b"\0"
            entries += struct.pack(e + "HHI", tag, typ, len(vals)) + value
        return entries, extra_data

    _, extra_data = layout(data_start, [0] * len(chunks))
    pixel_start = data_start + len(extra_data)
    offsets, pos = [], pixel_start
    for c in chunks:
        offsets.append(pos)
        pos += len(c)
    entries, extra_data = layout(data_start, offsets)
    return header + struct.pack(e + "H", n) + bytes(entries) + struct.pack(e + "I", 0) + bytes(extra_data) + b"".join(chunks)


# --------------------------------------------------------------------------------------------------------
# The files


class Files:
    def __init__(self, out):
        self.out = out
        self.rows = []  # (name, kind, variant)

    def put(self, name, data, kind, variant):
        with open(os.path.join(self.out, name), "wb") as f:
            f.write(data)
        self.rows.append((name, kind, variant))

    def save(self, name, image, kind, variant, **options):
        buf = io.BytesIO()
        image.save(buf, **options)
        self.put(name, buf.getvalue(), kind, variant)
        return buf.getvalue()


def jpegtran(data, *args):
    return subprocess.run(["jpegtran", *args], input=data, stdout=subprocess.PIPE, check=True).stdout


def without_segment(data, marker):
    """The JPEG without its segments of the given marker (e.g. 0xEE, Adobe APP14)."""
    out, pos = bytearray(data[:2]), 2
    while pos < len(data) and data[pos] == 0xFF and data[pos + 1] != 0xDA:
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        if data[pos + 1] != marker:
            out += data[pos:pos + 2 + length]
        pos += 2 + length
    return bytes(out + data[pos:])


def adobe_transform(data, transform):
    """The JPEG with its Adobe APP14 transform flag set (0 CMYK/RGB, 1 YCbCr, 2 YCCK)."""
    a = data.index(b"Adobe")
    out = bytearray(data)
    out[a + 11] = transform
    return bytes(out)


def write_jpeg(f):
    rgb = Image.fromarray(pattern(97, 71))
    for sub, tag in ((0, "444"), (1, "422"), (2, "420")):
        f.save(f"jpeg_rgb_{tag}.jpg", rgb, "jpeg", f"RGB, {tag} subsampling", format="JPEG", quality=90, subsampling=sub)
    f.save("jpeg_gray.jpg", rgb.convert("L"), "jpeg", "gray", format="JPEG", quality=85)
    base = f.save("jpeg_progressive.jpg", rgb, "jpeg", "progressive", format="JPEG", quality=85, progressive=True)
    plain = open(os.path.join(f.out, "jpeg_rgb_420.jpg"), "rb").read()
    f.put("jpeg_restart.jpg", jpegtran(plain, "-restart", "1B"), "jpeg", "restart markers every MCU")
    f.put("jpeg_arithmetic.jpg", jpegtran(plain, "-arithmetic"), "jpeg", "arithmetic coding")
    f.put("jpeg_progressive_gray.jpg", jpegtran(open(os.path.join(f.out, "jpeg_gray.jpg"), "rb").read(), "-progressive"),
          "jpeg", "progressive gray")
    cmyk = Image.fromarray(np.concatenate([pattern(97, 71, 4), pattern(97, 71, 5)[:, :, :1]], axis=2), "CMYK")
    adobe = f.save("jpeg_cmyk_adobe.jpg", cmyk, "jpeg", "CMYK with Adobe APP14 (transform 0)", format="JPEG", quality=90)
    f.put("jpeg_cmyk_no_adobe.jpg", without_segment(adobe, 0xEE), "jpeg", "CMYK without Adobe APP14")
    f.put("jpeg_ycck.jpg", adobe_transform(adobe, 2), "jpeg", "YCCK (Adobe transform 2)")
    f.save("jpeg_exif_rot6.jpg", rgb, "jpeg", "EXIF orientation 6", format="JPEG", quality=90, exif=exif_block(6))
    f.save("jpeg_exif_rot3.jpg", rgb, "jpeg", "EXIF orientation 3", format="JPEG", quality=90, exif=exif_block(3))
    f.save("jpeg_exif_rot8.jpg", rgb, "jpeg", "EXIF orientation 8", format="JPEG", quality=90, exif=exif_block(8))
    f.save("jpeg_exif_rot5.jpg", rgb, "jpeg", "EXIF orientation 5", format="JPEG", quality=90, exif=exif_block(5))
    f.save("jpeg_exif_rot2.jpg", rgb, "jpeg", "EXIF orientation 2", format="JPEG", quality=90, exif=exif_block(2))
    f.save("jpeg_exif_rot7.jpg", rgb, "jpeg", "EXIF orientation 7", format="JPEG", quality=90, exif=exif_block(7))
    f.save("jpeg_exif_rot4.jpg", rgb, "jpeg", "EXIF orientation 4", format="JPEG", quality=90, exif=exif_block(4))
    second = Image.fromarray(pattern(97, 71, 9))
    f.save("jpeg_mpo.mpo", rgb, "jpeg", "MPO (two frames)", format="MPO", save_all=True, append_images=[second])
    f.put("jpeg_no_eoi.jpg", plain[:-2], "jpeg", "end-of-image marker missing")
    f.put("jpeg_progressive_no_eoi.jpg", base[:-2], "jpeg", "progressive, end-of-image marker missing")
    f.put("jpeg_truncated.jpg", plain[: len(plain) * 2 // 3], "jpeg", "truncated in the scan")
    f.put("jpeg_header_only.jpg", plain[: plain.index(b"\xff\xda")], "jpeg", "truncated before the scan")


def write_png(f):
    rgb = pattern()
    noise = np.random.default_rng(7)
    # Pillow's own writer: the common modes.
    f.save("png_rgb8.png", Image.fromarray(rgb), "png", "RGB 8-bit", format="PNG")
    f.save("png_gray8.png", Image.fromarray(rgb).convert("L"), "png", "gray 8-bit", format="PNG")
    f.save("png_bilevel.png", Image.fromarray(rgb).convert("1"), "png", "1-bit gray (Pillow mode 1)", format="PNG")
    rgba = np.concatenate([rgb, noise.integers(0, 256, (H, W, 1), dtype=np.uint8)], axis=2)
    f.save("png_rgba8.png", Image.fromarray(rgba, "RGBA"), "png", "RGBA 8-bit", format="PNG")
    f.save("png_la8.png", Image.fromarray(rgba, "RGBA").convert("LA"), "png", "LA 8-bit", format="PNG")
    f.save("png_gray16.png", Image.fromarray(gray16()), "png", "16-bit gray", format="PNG")
    pal = Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=200)
    f.save("png_palette.png", pal, "png", "palette 8-bit", format="PNG")
    f.save("png_palette_trns.png", pal, "png", "palette with tRNS", format="PNG", transparency=bytes(range(0, 200)))
    f.save("png_palette_trns1.png", pal, "png", "palette with one transparent index", format="PNG", transparency=5)
    f.save("png_gama_iccp.png", Image.fromarray(rgb), "png", "gAMA, iCCP and text chunks", format="PNG",
           icc_profile=b"\0\0\0\x10fake profile....", pnginfo=_png_info())
    f.save("png_exif_rot6.png", Image.fromarray(rgb), "png", "eXIf orientation 6", format="PNG", exif=exif_block(6))
    frames = [Image.fromarray(pattern(seed=s)) for s in (11, 12)]
    f.save("png_apng.png", frames[0], "png", "APNG, first frame is the image", format="PNG", save_all=True,
           append_images=frames[1:])
    f.save("png_apng_default.png", frames[0], "png", "APNG with a default image outside the animation",
           format="PNG", save_all=True, append_images=frames[1:], default_image=True)

    # By hand: depths and layouts Pillow does not write, every filter type, interlacing, odd palettes.
    def gray(bits, seed):
        return np.random.default_rng(seed).integers(0, 1 << bits, size=(H, W))

    for bits in (1, 2, 4):
        f.put(f"png_gray{bits}.png", png_file(W, H, bits, 0, gray(bits, bits)), "png", f"{bits}-bit gray")
        f.put(f"png_palette{bits}.png", png_file(W, H, bits, 3, gray(bits, 10 + bits), plte=noise.integers(0, 256, 3 << bits, dtype=np.uint8).tobytes()),
              "png", f"palette {bits}-bit")
    f.put("png_rgb16.png", png_file(W, H, 16, 2, rgb16().reshape(H, -1)), "png", "RGB 16-bit")
    f.put("png_rgba16.png", png_file(W, H, 16, 6, rgb16(channels=4).reshape(H, -1)), "png", "RGBA 16-bit")
    f.put("png_la16.png", png_file(W, H, 16, 4, rgb16(channels=2).reshape(H, -1)), "png", "LA 16-bit")
    f.put("png_gray16_trns.png", png_file(W, H, 16, 0, gray16(), trns=struct.pack(">H", 300)), "png", "16-bit gray with tRNS")
    f.put("png_palette_short.png", png_file(W, H, 8, 3, gray(8, 21), plte=bytes(range(30))), "png",
          "palette of 10 entries, indices up to 255")
    f.put("png_interlaced_rgb.png", png_file(W, H, 8, 2, rgb.reshape(H, -1), interlace=True), "png",
          "Adam7 interlaced RGB, every filter")
    f.put("png_interlaced_gray2.png", png_file(W, H, 2, 0, gray(2, 31), interlace=True), "png", "Adam7 interlaced 2-bit gray")
    f.put("png_interlaced_rgba16.png", png_file(13, 9, 16, 6, rgb16(13, 9, 4).reshape(9, -1), interlace=True), "png",
          "Adam7 interlaced RGBA 16-bit")
    f.put("png_tiny_interlaced.png", png_file(3, 2, 8, 2, pattern(3, 2).reshape(2, -1), interlace=True), "png",
          "Adam7 interlaced 3x2 (empty passes)")
    raw_profile = "\nexif\n" + " %8d\n" % len(exif_block(8)) + exif_block(8).hex()
    f.put("png_raw_profile_rot8.png", png_file(W, H, 8, 2, rgb.reshape(H, -1), extra_chunks=[
        (b"zTXt", b"Raw profile type exif\0\0" + zlib.compress(raw_profile.encode()))]), "png",
        "orientation 8 in a \"Raw profile type exif\" zTXt chunk")
    f.put("png_xmp_rot3.png", png_file(W, H, 8, 2, rgb.reshape(H, -1), extra_chunks=[
        (b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta><tiff:Orientation>3</tiff:Orientation></x:xmpmeta>")]),
        "png", "orientation 3 in XMP")
    f.put("png_exif_after_idat.png", png_file(W, H, 8, 2, rgb.reshape(H, -1), after_idat=[(b"eXIf", exif_tiff(6))]),
          "png", "eXIf after the image data")
    f.put("png_bad_crc.png", png_file(W, H, 8, 2, rgb.reshape(H, -1), extra_chunks=[(b"tEXt", b"Comment\0hello")],
                                      crc_break=b"tEXt"), "png", "bad CRC in a chunk before the image data")
    f.put("png_bad_idat_crc.png", png_file(W, H, 8, 2, rgb.reshape(H, -1), crc_break=b"IDAT"), "png",
          "bad CRC in IDAT (Pillow does not check it)")
    whole = png_file(W, H, 8, 2, rgb.reshape(H, -1))
    f.put("png_truncated.png", whole[: len(whole) * 2 // 3], "png", "truncated in the image data")
    f.put("png_no_iend.png", whole[:-12], "png", "IEND missing")


def _png_info():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add(b"gAMA", struct.pack(">I", 45455))
    info.add_text("Comment", "made for the decoder tests")
    info.add_text("Software", "zipped text", zip=True)
    info.add_itxt("Title", "international text", lang="en", tkey="Title")
    return info


def write_tiff(f):
    rgb = pattern()
    noise = np.random.default_rng(8)
    im = Image.fromarray(rgb)
    f.save("tiff_rgb.tif", im, "tiff", "RGB, uncompressed", format="TIFF")
    for comp in ("tiff_lzw", "tiff_deflate", "tiff_adobe_deflate", "packbits", "jpeg"):
        f.save(f"tiff_rgb_{comp}.tif", im, "tiff", f"RGB, {comp} compression", format="TIFF", compression=comp)
    rgba = np.concatenate([rgb, noise.integers(0, 256, (H, W, 1), dtype=np.uint8)], axis=2)
    f.save("tiff_rgba_unassoc.tif", Image.fromarray(rgba, "RGBA"), "tiff", "RGBA, unassociated alpha", format="TIFF")
    f.save("tiff_rgba_unassoc_lzw.tif", Image.fromarray(rgba, "RGBA"), "tiff", "RGBA, unassociated alpha, LZW",
           format="TIFF", compression="tiff_lzw")
    cmyk = Image.fromarray(np.concatenate([rgb, noise.integers(0, 256, (H, W, 1), dtype=np.uint8)], axis=2), "CMYK")
    f.save("tiff_cmyk.tif", cmyk, "tiff", "CMYK", format="TIFF")
    f.save("tiff_cmyk_lzw.tif", cmyk, "tiff", "CMYK, LZW", format="TIFF", compression="tiff_lzw")
    f.save("tiff_gray16.tif", Image.fromarray(gray16()), "tiff", "16-bit gray, little-endian", format="TIFF")
    f.save("tiff_gray16_lzw.tif", Image.fromarray(gray16()), "tiff", "16-bit gray, LZW", format="TIFF", compression="tiff_lzw")
    f.save("tiff_gray16_be.tif", Image.frombytes("I;16B", (W, H), gray16().astype(">u2").tobytes()), "tiff",
           "16-bit gray, big-endian", format="TIFF")
    f.save("tiff_gray8.tif", im.convert("L"), "tiff", "8-bit gray", format="TIFF")
    f.save("tiff_bilevel.tif", im.convert("1"), "tiff", "1-bit", format="TIFF")
    f.save("tiff_bilevel_g4.tif", im.convert("1"), "tiff", "1-bit, CCITT group 4", format="TIFF", compression="group4")
    f.save("tiff_palette.tif", im.convert("P", palette=Image.Palette.ADAPTIVE, colors=100), "tiff", "palette", format="TIFF")
    f.save("tiff_la.tif", Image.fromarray(rgba, "RGBA").convert("LA"), "tiff", "LA", format="TIFF")
    f.save("tiff_int32.tif", Image.fromarray(noise.integers(-300, 600, (H, W), dtype=np.int32)), "tiff", "32-bit signed int", format="TIFF")
    f.save("tiff_float32.tif", Image.fromarray((noise.random((H, W)) * 400 - 50).astype(np.float32)), "tiff", "32-bit float", format="TIFF")
    f.save("tiff_orientation6.tif", im, "tiff", "Orientation tag 6 (Pillow applies it)", format="TIFF", tiffinfo={274: 6})
    f.save("tiff_orientation3_lzw.tif", im, "tiff", "Orientation tag 3, LZW", format="TIFF", tiffinfo={274: 3},
           compression="tiff_lzw")
    lab = Image.frombytes("LAB", (W, H), noise.integers(0, 256, (H, W, 3), dtype=np.uint8).tobytes())
    f.save("tiff_lab.tif", lab, "tiff", "CIELab (Pillow converts it through LittleCMS)", format="TIFF")
    f.save("tiff_lab_lzw.tif", lab, "tiff", "CIELab, LZW", format="TIFF", compression="tiff_lzw")
    f.save("tiff_multipage.tif", im, "tiff", "two pages", format="TIFF", save_all=True,
           append_images=[Image.fromarray(pattern(seed=5))])

    # By hand: what Pillow does not write.
    def planes(arr):
        return [arr[:, :, c].tobytes() for c in range(arr.shape[2])]

    assoc = rgba.copy()
    assoc[:, :, :3] = (assoc[:, :, :3].astype(np.uint32) * assoc[:, :, 3:] // 255).astype(np.uint8)
    f.put("tiff_rgba_assoc.tif", tiff_file(W, H, 4, 8, 2, [assoc.tobytes()], extra=[1]), "tiff", "RGBA, associated alpha")
    f.put("tiff_rgba_assoc_deflate.tif", tiff_file(W, H, 4, 8, 2, [assoc.tobytes()], extra=[1], compression=8), "tiff",
          "RGBA, associated alpha, deflate")
    f.put("tiff_rgba_assoc_planar_deflate.tif", tiff_file(W, H, 4, 8, 2, planes(assoc), extra=[1], compression=8, planar=2),
          "tiff", "RGBA, associated alpha, separate planes, deflate")
    f.put("tiff_rgba_unassoc_planar.tif", tiff_file(W, H, 4, 8, 2, planes(rgba), extra=[2], planar=2), "tiff",
          "RGBA, unassociated alpha, separate planes")
    f.put("tiff_rgb16.tif", tiff_file(W, H, 3, 16, 2, [rgb16().astype("<u2").tobytes()]), "tiff", "16-bit RGB")
    f.put("tiff_rgb16_be_deflate.tif", tiff_file(W, H, 3, 16, 2, [rgb16().astype(">u2").tobytes()], compression=8,
                                                 big_endian=True), "tiff", "16-bit RGB, big-endian, deflate")
    f.put("tiff_rgb16_predictor.tif", tiff_file(W, H, 3, 16, 2, [rgb16().astype("<u2").tobytes()], compression=8,
                                                predictor=2), "tiff", "16-bit RGB, deflate, horizontal predictor")
    f.put("tiff_rgba16.tif", tiff_file(W, H, 4, 16, 2, [rgb16(channels=4).astype("<u2").tobytes()], extra=[2]), "tiff",
          "16-bit RGBA")
    f.put("tiff_rgb_predictor.tif", tiff_file(W, H, 3, 8, 2, [rgb.tobytes()], compression=8, predictor=2,
                                              rows_per_strip=8), "tiff", "RGB, deflate, horizontal predictor, strips")
    f.put("tiff_rgb_planar.tif", tiff_file(W, H, 3, 8, 2, planes(rgb), planar=2, rows_per_strip=16), "tiff",
          "RGB, separate planes")
    f.put("tiff_rgb_planar_deflate.tif", tiff_file(W, H, 3, 8, 2, planes(rgb), planar=2, compression=8), "tiff",
          "RGB, separate planes, deflate")
    f.put("tiff_rgb_tiled.tif", tiff_file(W, H, 3, 8, 2, [rgb.tobytes()], tile=(32, 16)), "tiff", "RGB, 32x16 tiles")
    f.put("tiff_rgb_tiled_deflate.tif", tiff_file(W, H, 3, 8, 2, [rgb.tobytes()], tile=(32, 32), compression=8), "tiff",
          "RGB, 32x32 tiles, deflate")
    f.put("tiff_rgb_tiled_planar_deflate.tif", tiff_file(W, H, 3, 8, 2, planes(rgb), tile=(16, 16), compression=8,
                                                         planar=2), "tiff", "RGB, tiles, separate planes, deflate")
    f.put("tiff_rgb_packbits_strips.tif", tiff_file(W, H, 3, 8, 2, [rgb.tobytes()], compression=32773, rows_per_strip=5),
          "tiff", "RGB, packbits, strips of 5 rows")
    gray = np.asarray(im.convert("L"))
    f.put("tiff_miniswhite.tif", tiff_file(W, H, 1, 8, 0, [gray.tobytes()]), "tiff", "8-bit MinIsWhite")
    f.put("tiff_miniswhite_deflate.tif", tiff_file(W, H, 1, 8, 0, [gray.tobytes()], compression=8), "tiff",
          "8-bit MinIsWhite, deflate")
    bits = np.packbits(gray > 128, axis=1)
    f.put("tiff_bilevel_miniswhite.tif", tiff_file(W, H, 1, 1, 0, [bits.tobytes()]), "tiff", "1-bit MinIsWhite")
    f.put("tiff_gray4.tif", tiff_file(W, H, 1, 4, 1, [b"".join(pack_rows(gray[:, :] >> 4, 4))]), "tiff", "4-bit gray")
    f.put("tiff_gray2_miniswhite.tif", tiff_file(W, H, 1, 2, 0, [b"".join(pack_rows(gray >> 6, 2))]), "tiff",
          "2-bit MinIsWhite")
    f.put("tiff_gray16_miniswhite.tif", tiff_file(W, H, 1, 16, 0, [gray16().astype("<u2").tobytes()]), "tiff",
          "16-bit MinIsWhite (Pillow does not invert it)")
    f.put("tiff_gray16_signed.tif", tiff_file(W, H, 1, 16, 1, [(gray16().astype(np.int32) - 300).astype("<i2").tobytes()],
                                              sample_format=2), "tiff", "16-bit signed gray")
    f.put("tiff_bilevel_fillorder2.tif", tiff_file(W, H, 1, 1, 1, [bits.tobytes()], fill_order=2), "tiff",
          "1-bit, fill order 2")
    cmyk16 = rgb16(channels=4)
    f.put("tiff_cmyk16.tif", tiff_file(W, H, 4, 16, 5, [cmyk16.astype("<u2").tobytes()]), "tiff", "16-bit CMYK")
    f.put("tiff_cmyk_planar_deflate.tif", tiff_file(W, H, 4, 8, 5, planes(np.asarray(cmyk)), compression=8, planar=2),
          "tiff", "CMYK, separate planes, deflate")
    f.put("tiff_rgbx.tif", tiff_file(W, H, 4, 8, 2, [rgba.tobytes()], extra=[0]), "tiff", "RGB + unspecified extra sample")
    f.put("tiff_orientation8_tiled.tif", tiff_file(W, H, 3, 8, 2, [rgb.tobytes()], tile=(16, 16), orientation=8,
                                                   compression=8), "tiff", "Orientation 8, tiles, deflate")
    f.put("tiff_orientation5.tif", tiff_file(W, H, 3, 8, 2, [rgb.tobytes()], orientation=5), "tiff", "Orientation 5")
    cmap = list(noise.integers(0, 65536, 3 * 16))
    f.put("tiff_palette4.tif", tiff_file(W, H, 1, 4, 3, [b"".join(pack_rows(gray >> 4, 4))], colormap=cmap), "tiff",
          "4-bit palette")
    f.put("tiff_truncated.tif", open(os.path.join(f.out, "tiff_rgb.tif"), "rb").read()[:3000], "tiff",
          "truncated uncompressed data")
    lzw = open(os.path.join(f.out, "tiff_rgb_tiff_lzw.tif"), "rb").read()
    f.put("tiff_lzw_truncated.tif", lzw[: len(lzw) // 2], "tiff", "truncated LZW data")


def write_webp(f):
    rgb = Image.fromarray(pattern())
    noise = np.random.default_rng(9)
    f.save("webp_lossy.webp", rgb, "webp", "lossy", format="WEBP", quality=80)
    f.save("webp_lossless.webp", rgb, "webp", "lossless", format="WEBP", lossless=True)
    rgba = Image.fromarray(np.concatenate([pattern(), noise.integers(0, 256, (H, W, 1), dtype=np.uint8)], axis=2), "RGBA")
    f.save("webp_lossy_alpha.webp", rgba, "webp", "lossy with alpha", format="WEBP", quality=80)
    f.save("webp_lossless_alpha.webp", rgba, "webp", "lossless with alpha", format="WEBP", lossless=True, exact=True)
    frames = [Image.fromarray(pattern(seed=s)) for s in (21, 22, 23)]
    f.save("webp_animated.webp", frames[0], "webp", "animated, 3 frames", format="WEBP", save_all=True,
           append_images=frames[1:], duration=100)
    f.save("webp_animated_alpha.webp", rgba, "webp", "animated with alpha", format="WEBP", save_all=True,
           append_images=[rgba.rotate(90)], lossless=True)
    f.save("webp_exif_rot6.webp", rgb, "webp", "EXIF orientation 6", format="WEBP", exif=exif_block(6))
    data = open(os.path.join(f.out, "webp_lossy.webp"), "rb").read()
    f.put("webp_truncated.webp", data[: len(data) // 2], "webp", "truncated")


def write_jpeg2000(f):
    rgb = Image.fromarray(pattern(97, 71))
    noise = np.random.default_rng(10)
    f.save("j2k_rgb.jp2", rgb, "jpeg2000", "JP2, RGB, lossless", format="JPEG2000")
    f.save("j2k_rgb_irreversible.jp2", rgb, "jpeg2000", "JP2, RGB, irreversible wavelet, colour transform",
           format="JPEG2000", irreversible=True, mct=1, quality_mode="rates", quality_layers=[20])
    f.save("j2k_codestream.j2k", rgb, "jpeg2000", "bare codestream, RGB", format="JPEG2000", no_jp2=True)
    f.save("j2k_tiled.jp2", rgb, "jpeg2000", "JP2, 32x32 tiles, offset origin", format="JPEG2000",
           tile_size=(32, 32), offset=(5, 3), tile_offset=(2, 1))
    f.save("j2k_layers.jp2", rgb, "jpeg2000", "JP2, three quality layers, RPCL", format="JPEG2000",
           quality_mode="dB", quality_layers=[30, 40, 50], progression="RPCL", num_resolutions=4)
    f.save("j2k_gray.jp2", rgb.convert("L"), "jpeg2000", "JP2, gray", format="JPEG2000")
    f.save("j2k_gray.j2k", rgb.convert("L"), "jpeg2000", "bare codestream, gray", format="JPEG2000", no_jp2=True)
    rgba = Image.fromarray(np.concatenate([pattern(97, 71), noise.integers(0, 256, (71, 97, 1), dtype=np.uint8)],
                                          axis=2), "RGBA")
    f.save("j2k_rgba.jp2", rgba, "jpeg2000", "JP2, RGBA", format="JPEG2000")
    f.save("j2k_la.jp2", rgba.convert("LA"), "jpeg2000", "JP2, gray + alpha", format="JPEG2000")
    f.save("j2k_gray16.jp2", Image.fromarray(gray16(97, 71)), "jpeg2000", "JP2, 16-bit gray", format="JPEG2000")
    f.save("j2k_gray16.j2k", Image.fromarray(gray16(97, 71)), "jpeg2000", "bare codestream, 16-bit gray",
           format="JPEG2000", no_jp2=True)
    data = open(os.path.join(f.out, "j2k_rgb.jp2"), "rb").read()
    f.put("j2k_truncated.jp2", data[: len(data) // 2], "jpeg2000", "truncated")


def fits_file(cards, data):
    """A FITS file: 80-byte cards, END, padding to 2880 bytes, the data (padded too)."""
    header = b"".join((key.ljust(8) + "= " + value.rjust(20)).ljust(80).encode() for key, value in cards)
    header += b"END".ljust(80)
    header += b" " * (-len(header) % 2880)
    return header + data + bytes(-len(data) % 2880)


def write_fits(f):
    noise = np.random.default_rng(11)
    base = [("SIMPLE", "T")]
    for bits, dtype in ((8, ">u1"), (16, ">i2"), (32, ">i4"), (-32, ">f4"), (-64, ">f8")):
        values = noise.integers(0, 255, (H, W)) if bits > 0 else noise.random((H, W)) * 300 - 20
        data = values.astype(dtype).tobytes()
        cards = base + [("BITPIX", str(bits)), ("NAXIS", "2"), ("NAXIS1", str(W)), ("NAXIS2", str(H))]
        f.put(f"fits_bitpix{bits}.fits".replace("-", "m"), fits_file(cards, data), "fits", f"BITPIX {bits}")
    f.put("fits_one_axis.fits", fits_file(base + [("BITPIX", "8"), ("NAXIS", "1"), ("NAXIS1", "40")],
                                          bytes(range(40))), "fits", "one axis")
    f.put("fits_native_le.fits", fits_file(base + [("BITPIX", "32"), ("NAXIS", "2"), ("NAXIS1", str(W)),
                                                   ("NAXIS2", str(H))],
                                           noise.integers(-100, 400, (H, W)).astype("<i4").tobytes()), "fits",
          "BITPIX 32, little-endian data (what Pillow's raw mode reads)")
    f.put("fits_comment.fits", fits_file([("SIMPLE", "T / standard"), ("BITPIX", "8"), ("NAXIS", "2"),
                                          ("NAXIS1", "4"), ("NAXIS2", "3")], bytes(12)), "fits",
          "a comment after SIMPLE")
    f.put("fits_no_data.fits", fits_file(base + [("BITPIX", "8"), ("NAXIS", "0")], b""), "fits", "no image")
    f.put("fits_truncated.fits", fits_file(base + [("BITPIX", "8"), ("NAXIS", "2"), ("NAXIS1", "400"),
                                                   ("NAXIS2", "300")], b"")[:2880 + 100], "fits", "truncated")


def write_refused(f):
    f.put("hdr_radiance.hdr", b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 2 +X 2\n" + bytes(16), "refused", "Radiance HDR")
    f.put("exr_openexr.exr", b"\x76\x2f\x31\x01\x02\x00\x00\x00" + bytes(64), "refused", "OpenEXR")
    f.put("pfm_color.pfm", b"PF\n2 2\n-1.0\n" + bytes(48), "refused", "PFM")
    f.put("text_named.jpg", b"This is a plain text file with a .jpg name, not an image.\n", "refused", "text named .jpg")
    f.save("pdf_document.pdf", Image.fromarray(pattern()), "refused", "PDF Pillow wrote", format="PDF")
    f.save("eps_document.eps", Image.fromarray(pattern()), "refused", "EPS (needs Ghostscript)", format="EPS")
    f.put("empty.png", b"", "refused", "empty file")
    f.put("heic_header.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(32), "refused", "HEIF header")


# --------------------------------------------------------------------------------------------------------
# What Pillow and torchvision make of each file


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def reference_of(out, name, preprocess):
    path = os.path.join(out, name)
    row = {"file": "images/" + name}
    try:
        with Image.open(path) as im:
            row["pillow"] = {"format": im.format, "mode": im.mode, "size": list(im.size)}
            rgb = im.convert("RGB")
    except Exception as e:  # what Pillow refuses, and how
        row["refused"] = True
        row["error"] = f"{type(e).__name__}: {e}"
        return row
    arr = np.asarray(rgb, dtype=np.uint8)
    raw = arr.tobytes()
    with open(path + ".rgb", "wb") as fh:
        fh.write(raw)
    row["refused"] = False
    row["width"], row["height"] = rgb.size
    row["rgb"] = "images/" + name + ".rgb"
    row["rgb_sha256"] = sha256(raw)
    for preset, size in (("v1", 256), ("v2", 232)):
        x, _ = preprocess(path, size)
        np.save(path + f".{preset}.npy", x.numpy().astype(np.float32))
        row[preset] = "images/" + name + f".{preset}.npy"
    try:
        with Image.open(path) as im:
            orientation = im.getexif().get(0x0112)
    except Exception:  # unreadable EXIF: exif_transpose would fail too
        orientation = None
    if orientation in range(2, 9) and row["pillow"]["format"] != "TIFF":
        with Image.open(path) as im:
            shown = ImageOps.exif_transpose(im).convert("RGB")
        data = np.asarray(shown, dtype=np.uint8).tobytes()
        with open(path + ".display.rgb", "wb") as fh:
            fh.write(data)
        row["display"] = {"rgb": "images/" + name + ".display.rgb", "width": shown.size[0],
                          "height": shown.size[1], "orientation": orientation}
    return row


def stamp():
    digest = hashlib.sha256()
    for script in ("make_images.py", "hand_images.py", "make_reference.py"):
        with open(os.path.join(HERE, script), "rb") as fh:
            digest.update(fh.read())
    import torch
    import torchvision

    digest.update(f"{PIL.__version__} {np.__version__} {torch.__version__} {torchvision.__version__}".encode())
    digest.update(subprocess.run(["jpegtran", "-version"], stderr=subprocess.STDOUT, stdout=subprocess.PIPE).stdout)
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="the reference folder; images/ is created in it")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # Pillow warns about some of the odd files; their decoding is the point
    t0 = time.time()
    out = os.path.join(os.path.abspath(args.out), "images")
    if shutil.which("jpegtran") is None:
        sys.exit("make_images.py needs jpegtran (Debian package libjpeg-turbo-progs; scripts/setup.sh --tests)")
    wanted = stamp()
    stamp_file = os.path.join(out, "stamp")
    if os.path.exists(stamp_file) and open(stamp_file).read() == wanted:
        print(f"images in {out} are up to date")
        return
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)

    f = Files(out)
    write_jpeg(f)
    write_png(f)
    write_tiff(f)
    write_webp(f)
    write_jpeg2000(f)
    write_fits(f)
    write_refused(f)
    for name in hand_images.write(out):
        f.rows.append((name, "hand", "hand-made (hand_images.py)"))
    for name in hand_images.write_saved(out):
        f.rows.append((name, "saved", "saved by Pillow (hand_images.py)"))

    from make_reference import preprocess  # torchvision's pipeline, the same as the main reference

    rows = []
    for name, kind, variant in f.rows:
        row = reference_of(out, name, preprocess)
        row["kind"], row["variant"] = kind, variant
        rows.append(row)
    manifest = {"generator": "tests/reference/make_images.py", "pillow": PIL.__version__, "images": rows}
    with open(os.path.join(out, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=1)
    with open(stamp_file, "w") as fh:
        fh.write(wanted)
    refused = sum(r["refused"] for r in rows)
    print(f"wrote {len(rows)} files ({refused} refused by Pillow) into {out} in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
