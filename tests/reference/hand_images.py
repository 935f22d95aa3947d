"""Image files for the decoder tests, in every variant of the hand-written formats (BMP/DIB, GIF, TGA,
ICO/CUR, PPM/PGM/PBM/PAM, PCX/DCX, SGI, XBM, MSP, IM, DDS, ICNS, SPIDER, SUN, ...).

write(out_dir) builds, byte by byte with struct and zlib, the variants Pillow cannot write itself (RLE
bitmaps, bitfields, OS/2 headers, odd palettes, GIF frames off the screen, 16-bit PGM, ...) together with
files Pillow must refuse; write_saved(out_dir) has Pillow save every variant it can write for these formats.
Both return the names of the files they wrote. The caller records Pillow 9.4's own decoding of each file
(`Image.open(p).convert("RGB")`, or the error it raises) as the reference, so nothing here states what a
file should decode to.

Every file is small and deterministic (a fixed linear congruential generator, no randomness).
"""

import io
import os
import struct
import zlib


class Noise:
    """Deterministic bytes (a 32-bit LCG), the same on every run and every Python version."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFF

    def byte(self):
        self.state = (self.state * 1103515245 + 12345) & 0xFFFFFFFF
        return (self.state >> 16) & 0xFF

    def bytes(self, count):
        return bytes(self.byte() for _ in range(count))


def _u16(v):
    return struct.pack("<H", v & 0xFFFF)


def _u32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


class _Writer:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.names = []

    def put(self, name, data):
        with open(os.path.join(self.out_dir, name), "wb") as f:
            f.write(data)
        self.names.append(name)


# --------------------------------------------------------------------------------------------------------
# BMP / DIB


def _bmp_rows(width, height, bits, noise):
    """Packed rows (each padded to 4 bytes) of noise pixels."""
    stride = ((width * bits + 31) >> 3) & ~3
    return b"".join(noise.bytes(stride) for _ in range(height))


def _info_header(width, height, bits, compression=0, colors=0, size=40, masks=None, image_size=0):
    header = struct.pack(
        "<IiiHHIIiiII", size, width, height, 1, bits, compression, image_size, 2835, 2835, colors, colors
    )
    if size > 40:
        extra = b""
        if masks is not None:
            extra = b"".join(_u32(m) for m in masks)
        header += (extra + b"\0" * (size - 40))[: size - 40]
    return header


def _bmp(info, palette=b"", pixels=b"", extra=b"", offset=None):
    """A BMP file: file header + info header + extra (masks) + palette + pixels."""
    body = info + extra + palette
    if offset is None:
        offset = 14 + len(body)
    data = body + pixels
    return b"BM" + _u32(14 + len(data)) + _u32(0) + _u32(offset) + data


def _bgrx_palette(colors, noise):
    return b"".join(noise.bytes(3) + b"\0" for _ in range(colors))


def _gray_palette(count, step=4):
    return b"".join(bytes((i & 255,) * 3) + b"\0" * (step - 3) for i in range(count))


def _rle8_sample(width, height, delta_row=None):
    """RLE8 stream using encoded runs, absolute runs (odd and even), end-of-line and end-of-bitmap, and a
    delta (2 right, 1 up) in place of row delta_row."""
    out = bytearray()
    for y in range(height):
        if y == delta_row:
            out += bytes((0, 2, 2, 1))
            out += bytes((0, 0))
            continue
        out += bytes((3, 7 + y))  # encoded run of 3
        out += bytes((0, 3, 1, 2, 3, 0))  # absolute run of 3 (odd: padded)
        out += bytes((0, 4, 4, 5, 6, 7))  # absolute run of 4
        out += bytes((width, 9))  # run past the end of the row: clipped
        out += bytes((0, 0))  # end of line
    out += bytes((0, 1))
    return bytes(out)


def _rle4_sample(width, height):
    out = bytearray()
    for y in range(height):
        out += bytes((5, 0x12 + y))  # encoded run of 5 nibbles
        out += bytes((0, 3, 0x34, 0x50))  # absolute run of 3 nibbles
        out += bytes((0, 4, 0x67, 0x89))  # absolute run of 4 nibbles
        out += bytes((0, 0))
    out += bytes((0, 1))
    return bytes(out)


def _write_bmp(w):
    n = Noise(1)
    # Palette depths, full and short palettes.
    for bits, colors in ((1, 0), (4, 0), (8, 0), (4, 5), (8, 20), (1, 1)):
        count = colors or (1 << bits)
        info = _info_header(13, 7, bits, colors=colors)
        w.put(f"bmp_pal{bits}_colors{colors}.bmp", _bmp(info, _bgrx_palette(count, n), _bmp_rows(13, 7, bits, n)))
    # Gray palettes: Pillow reads them as mode L or 1, whatever the depth.
    w.put("bmp_gray8_ramp.bmp", _bmp(_info_header(9, 5, 8), _gray_palette(256), _bmp_rows(9, 5, 8, n)))
    w.put("bmp_gray8_ramp16.bmp", _bmp(_info_header(9, 5, 8, colors=16), _gray_palette(16), _bmp_rows(9, 5, 8, n)))
    w.put("bmp_gray1_bw.bmp", _bmp(_info_header(21, 5, 1), _gray_palette(1) + b"\xff\xff\xff\0", _bmp_rows(21, 5, 1, n)))
    w.put("bmp_gray1_wb.bmp", _bmp(_info_header(21, 5, 1), b"\xff\xff\xff\0" + _gray_palette(1), _bmp_rows(21, 5, 1, n)))
    w.put("bmp_gray4_ramp16_w3.bmp", _bmp(_info_header(3, 4, 4), _gray_palette(16), _bmp_rows(3, 4, 4, n)))
    w.put("bmp_gray4_ramp16_w9.bmp", _bmp(_info_header(9, 4, 4), _gray_palette(16), _bmp_rows(9, 4, 4, n)))
    w.put("bmp_gray8_bw2.bmp", _bmp(_info_header(17, 3, 8, colors=2), _gray_palette(1) + b"\xff\xff\xff\0", _bmp_rows(17, 3, 8, n)))
    w.put("bmp_gray1_ramp256.bmp", _bmp(_info_header(2, 3, 1, colors=256), _gray_palette(256), _bmp_rows(2, 3, 1, n)))
    w.put("bmp_gray8_ramp300.bmp", _bmp(_info_header(4, 3, 8, colors=300), _gray_palette(300), _bmp_rows(4, 3, 8, n)))
    w.put("bmp_pal8_colors300.bmp", _bmp(_info_header(4, 3, 8, colors=300), _bgrx_palette(300, n), _bmp_rows(4, 3, 8, n)))
    w.put("bmp_pal8_colors70000.bmp", _bmp(_info_header(4, 3, 8, colors=70000), _bgrx_palette(4, n), _bmp_rows(4, 3, 8, n)))
    # A palette cut short by the end of the file.
    pal_short = _bmp(_info_header(4, 2, 8), _bgrx_palette(256, n), b"", offset=14 + 40 + 1024)[: 14 + 40 + 37]
    w.put("bmp_pal8_palette_truncated.bmp", pal_short)
    # bfOffBits pointing at the palette (Pillow skips 4 * colours), and bfOffBits 0.
    w.put("bmp_pal8_offset_at_palette.bmp",
          _bmp(_info_header(6, 4, 8, colors=10), _bgrx_palette(10, n), _bmp_rows(6, 4, 8, n), offset=14 + 40))
    w.put("bmp_pal4_offset_zero.bmp", _bmp(_info_header(6, 4, 4), _bgrx_palette(16, n), _bmp_rows(6, 4, 4, n), offset=0))
    w.put("bmp_rgb24_offset_gap.bmp",
          _bmp(_info_header(5, 3, 24), b"", b"\x55" * 10 + _bmp_rows(5, 3, 24, n), offset=14 + 40 + 10))
    # 16-bit: BI_RGB is 5-5-5; bitfields 5-6-5 and 5-5-5 (masks after a 40-byte header, or inside a v4/v5).
    for width in (1, 2, 7):
        w.put(f"bmp_rgb16_555_w{width}.bmp", _bmp(_info_header(width, 5, 16), b"", _bmp_rows(width, 5, 16, n)))
    w.put("bmp_bitfields16_565.bmp",
          _bmp(_info_header(7, 5, 16, compression=3), b"", _bmp_rows(7, 5, 16, n), extra=_u32(0xF800) + _u32(0x7E0) + _u32(0x1F)))
    w.put("bmp_bitfields16_555.bmp",
          _bmp(_info_header(7, 5, 16, compression=3), b"", _bmp_rows(7, 5, 16, n), extra=_u32(0x7C00) + _u32(0x3E0) + _u32(0x1F)))
    w.put("bmp_bitfields16_565_v5.bmp",
          _bmp(_info_header(7, 5, 16, compression=3, size=124, masks=(0xF800, 0x7E0, 0x1F, 0)), b"", _bmp_rows(7, 5, 16, n)))
    w.put("bmp_bitfields16_444_refused.bmp",
          _bmp(_info_header(7, 5, 16, compression=3), b"", _bmp_rows(7, 5, 16, n), extra=_u32(0xF00) + _u32(0xF0) + _u32(0xF)))
    # 24-bit with every row padding, bottom-up and top-down.
    for width in (1, 2, 3, 4, 5):
        w.put(f"bmp_rgb24_w{width}.bmp", _bmp(_info_header(width, 3, 24), b"", _bmp_rows(width, 3, 24, n)))
    w.put("bmp_rgb24_topdown.bmp", _bmp(_info_header(5, -4, 24), b"", _bmp_rows(5, 4, 24, n)))
    w.put("bmp_pal8_topdown.bmp", _bmp(_info_header(5, -4, 8), _bgrx_palette(256, n), _bmp_rows(5, 4, 8, n)))
    w.put("bmp_bitfields24.bmp",
          _bmp(_info_header(5, 3, 24, compression=3), b"", _bmp_rows(5, 3, 24, n), extra=_u32(0xFF0000) + _u32(0xFF00) + _u32(0xFF)))
    # 32-bit: BI_RGB ignores the fourth byte; bitfields layouts with and without alpha.
    w.put("bmp_rgb32_bi_rgb.bmp", _bmp(_info_header(6, 4, 32), b"", _bmp_rows(6, 4, 32, n)))
    w.put("bmp_bitfields32_bgrx.bmp",
          _bmp(_info_header(6, 4, 32, compression=3), b"", _bmp_rows(6, 4, 32, n), extra=_u32(0xFF0000) + _u32(0xFF00) + _u32(0xFF)))
    w.put("bmp_bitfields32_xbgr.bmp",
          _bmp(_info_header(6, 4, 32, compression=3), b"", _bmp_rows(6, 4, 32, n), extra=_u32(0xFF000000) + _u32(0xFF0000) + _u32(0xFF00)))
    for label, masks in (
        ("bgra", (0xFF0000, 0xFF00, 0xFF, 0xFF000000)),
        ("rgba", (0xFF, 0xFF00, 0xFF0000, 0xFF000000)),
        ("abgr", (0xFF000000, 0xFF0000, 0xFF00, 0xFF)),
        ("zero", (0, 0, 0, 0)),
        ("bgrx", (0xFF0000, 0xFF00, 0xFF, 0)),
        ("argb_refused", (0xFF00, 0xFF0000, 0xFF000000, 0xFF)),
    ):
        w.put(f"bmp_bitfields32_{label}_v4.bmp",
              _bmp(_info_header(6, 4, 32, compression=3, size=108, masks=masks), b"", _bmp_rows(6, 4, 32, n)))
    w.put("bmp_bitfields32_bgra_v5_topdown.bmp",
          _bmp(_info_header(6, -4, 32, compression=3, size=124, masks=(0xFF0000, 0xFF00, 0xFF, 0xFF000000)), b"",
               _bmp_rows(6, 4, 32, n)))
    w.put("bmp_v5_rgb24.bmp", _bmp(_info_header(5, 3, 24, size=124), b"", _bmp_rows(5, 3, 24, n)))
    w.put("bmp_v4_pal8.bmp", _bmp(_info_header(5, 3, 8, size=108), _bgrx_palette(256, n), _bmp_rows(5, 3, 8, n)))
    w.put("bmp_os2v2_64.bmp", _bmp(_info_header(5, 3, 24, size=64), b"", _bmp_rows(5, 3, 24, n)))
    # OS/2 1.x (BITMAPCOREHEADER): 16-bit sizes, 3-byte palette entries.
    for bits in (1, 4, 8, 24):
        core = struct.pack("<IHHHH", 12, 11, 6, 1, bits)
        palette = b"".join(n.bytes(3) for _ in range(1 << bits)) if bits <= 8 else b""
        w.put(f"bmp_os2_core{bits}.bmp", _bmp(core, palette, _bmp_rows(11, 6, bits, n)))
    w.put("bmp_os2_core8_gray.bmp", _bmp(struct.pack("<IHHHH", 12, 4, 4, 1, 8), _gray_palette(256, step=3), _bmp_rows(4, 4, 8, n)))
    # RLE.
    pal = _bgrx_palette(256, n)
    w.put("bmp_rle8.bmp", _bmp(_info_header(10, 4, 8, compression=1), pal, _rle8_sample(10, 4)))
    w.put("bmp_rle8_topdown.bmp", _bmp(_info_header(10, -4, 8, compression=1), pal, _rle8_sample(10, 4)))
    w.put("bmp_rle8_gray.bmp", _bmp(_info_header(10, 4, 8, compression=1), _gray_palette(256), _rle8_sample(10, 4)))
    w.put("bmp_rle8_early_end.bmp", _bmp(_info_header(10, 6, 8, compression=1), pal, _rle8_sample(10, 4)))
    w.put("bmp_rle8_truncated.bmp", _bmp(_info_header(10, 4, 8, compression=1), pal, _rle8_sample(10, 4)[:13]))
    w.put("bmp_rle8_no_eol.bmp",
          _bmp(_info_header(4, 3, 8, compression=1), pal, bytes((4, 1, 4, 2, 4, 3, 0, 1))))
    w.put("bmp_rle8_absolute_long.bmp",
          _bmp(_info_header(4, 3, 8, compression=1), pal, bytes((0, 12)) + bytes(range(12)) + bytes((0, 1))))
    w.put("bmp_rle8_delta.bmp", _bmp(_info_header(10, 4, 8, compression=1), pal, _rle8_sample(10, 7, delta_row=1)))
    w.put("bmp_rle8_delta_short.bmp", _bmp(_info_header(10, 4, 8, compression=1), pal, _rle8_sample(10, 4, delta_row=1)))
    w.put("bmp_rle8_delta_at_end.bmp", _bmp(_info_header(10, 4, 8, compression=1), pal, _rle8_sample(10, 3) + bytes((0, 2, 1))))
    w.put("bmp_rle8_delta_far.bmp",
          _bmp(_info_header(4, 3, 8, compression=1), pal, bytes((2, 5, 0, 2, 1, 1, 2, 6, 0, 0, 0, 2, 0, 9, 0, 1))))
    w.put("bmp_rle4.bmp", _bmp(_info_header(12, 3, 4, compression=2), _bgrx_palette(16, n), _rle4_sample(12, 3)))
    w.put("bmp_rle4_odd_offset.bmp",
          _bmp(_info_header(12, 3, 4, compression=2), _bgrx_palette(16, n), b"\0" + _rle4_sample(12, 3), offset=14 + 40 + 64 + 1))
    w.put("bmp_rle8_24bit_refused.bmp", _bmp(_info_header(4, 2, 24, compression=1), b"", _rle8_sample(4, 2)))
    w.put("bmp_rle8_bw_palette.bmp",
          _bmp(_info_header(4, 2, 8, compression=1, colors=2), _gray_palette(1) + b"\xff\xff\xff\0", bytes((4, 1, 0, 0, 4, 0, 0, 1))))
    # Files Pillow refuses or does not identify.
    good = _bmp(_info_header(5, 4, 24), b"", _bmp_rows(5, 4, 24, n))
    w.put("bmp_truncated_pixels.bmp", good[:-20])
    w.put("bmp_truncated_last_padding.bmp", good[:-3])
    w.put("bmp_truncated_header.bmp", good[:30])
    w.put("bmp_truncated_file_header.bmp", good[:10])
    w.put("bmp_depth2_refused.bmp", _bmp(_info_header(5, 4, 2), _bgrx_palette(4, n), _bmp_rows(5, 4, 2, n)))
    w.put("bmp_jpeg_refused.bmp", _bmp(_info_header(5, 4, 24, compression=4), b"", b"\xff\xd8\xff" + b"\0" * 40))
    w.put("bmp_header_size_50.bmp", _bmp(struct.pack("<I", 50) + b"\0" * 46, b"", b"\0" * 40))
    w.put("bmp_zero_width.bmp", _bmp(_info_header(0, 4, 24), b"", b"\0" * 40))
    w.put("bmp_bitfields_masks_missing.bmp", _bmp(_info_header(6, 4, 32, compression=3), b"", b"")[: 14 + 40 + 6])
    w.put("bmp_huge.bmp", _bmp(_info_header(100000, 100000, 24), b"", b"\0" * 64))
    w.put("bmp_huge_topdown.bmp", _bmp(_info_header(70000, -70000, 8), _gray_palette(256), b"\0" * 64))
    # Bare DIBs (Pillow's DIB plugin).
    w.put("dib_pal8.dib", _info_header(7, 3, 8) + _bgrx_palette(256, n) + _bmp_rows(7, 3, 8, n))
    w.put("dib_rgb24.dib", _info_header(7, 3, 24) + _bmp_rows(7, 3, 24, n))
    w.put("dib_bitfields16.dib", _info_header(7, 3, 16, compression=3) + _u32(0xF800) + _u32(0x7E0) + _u32(0x1F) + _bmp_rows(7, 3, 16, n))
    w.put("dib_os2_core4.dib", struct.pack("<IHHHH", 12, 7, 3, 1, 4) + n.bytes(48) + _bmp_rows(7, 3, 4, n))


def _save_bmp(w, Image):
    base = _gradient(Image, 23, 9)
    for mode in ("1", "L", "P", "RGB", "RGBA"):
        im = base.convert(mode) if mode != "P" else base.convert("P", palette=Image.ADAPTIVE, colors=37)
        for fmt, ext in (("BMP", "bmp"), ("DIB", "dib")):
            buf = io.BytesIO()
            im.save(buf, fmt)
            w.put(f"saved_{ext}_{mode}.{ext}", buf.getvalue())


def _gradient(Image, width, height):
    """An RGBA image with every channel varying."""
    im = Image.new("RGBA", (width, height))
    im.putdata([((x * 255) // max(1, width - 1), (y * 255) // max(1, height - 1), (x * y * 7) & 255,
                 (x * 37 + y * 11) & 255) for y in range(height) for x in range(width)])
    return im


# --------------------------------------------------------------------------------------------------------
# GIF


def _lzw(indices, min_bits, end=True, clear_every=None):
    """GIF LZW: a clear code first, variable-width codes, then (unless end is False) the end code. With
    clear_every, a clear code after that many codes (exercising resets)."""
    clear = 1 << min_bits
    codes = [clear]
    table = {bytes((i,)): i for i in range(min(clear, 256))}
    next_code = clear + 2
    widths = []
    size = min_bits + 1
    widths.append(size)
    prefix = b""
    emitted = 0

    def emit(code):
        nonlocal size, emitted
        codes.append(code)
        widths.append(size)
        emitted += 1

    for value in indices:
        candidate = prefix + bytes((value,))
        if candidate in table:
            prefix = candidate
            continue
        emit(table[prefix])
        if next_code < 4096:
            table[candidate] = next_code
            next_code += 1
            if next_code > (1 << size) and size < 12:
                size += 1
        prefix = bytes((value,))
        if clear_every and emitted % clear_every == 0:
            emit(clear)
            table = {bytes((i,)): i for i in range(min(clear, 256))}
            next_code = clear + 2
            size = min_bits + 1
    if prefix:
        emit(table[prefix])
    if end:
        emit(clear + 1)
    # Pack LSB first.
    out = bytearray()
    acc = 0
    nbits = 0
    for code, width in zip(codes, widths):
        acc |= code << nbits
        nbits += width
        while nbits >= 8:
            out.append(acc & 255)
            acc >>= 8
            nbits -= 8
    if nbits:
        out.append(acc & 255)
    return bytes(out)


def _sub_blocks(data, size=255):
    out = bytearray()
    for i in range(0, len(data), size):
        chunk = data[i : i + size]
        out += bytes((len(chunk),)) + chunk
    return bytes(out) + b"\0"


def _gif_palette(count, noise):
    return noise.bytes(3 * count)


def _gif(width, height, frame, global_palette=None, version=b"GIF89a", extensions=b"", trailer=b";",
         background=0):
    """frame: bytes of one image (descriptor onwards), or several frames joined."""
    flags = 0
    table = b""
    if global_palette is not None:
        entries = max(2, len(global_palette) // 3)
        bits = max(1, (entries - 1).bit_length())
        flags = 0x80 | (bits - 1)
        table = global_palette + b"\0" * (3 * (1 << bits) - len(global_palette))
    screen = version + struct.pack("<HHBBB", width, height, flags, background, 0)
    return screen + table + extensions + frame + trailer


def _gif_frame(x, y, width, height, indices, min_bits=8, local_palette=None, interlace=False, lzw=None,
               local_bits=None):
    flags = 0x40 if interlace else 0
    table = b""
    if local_palette is not None:
        entries = max(2, len(local_palette) // 3)
        bits = local_bits or max(1, (entries - 1).bit_length())
        flags |= 0x80 | (bits - 1)
        table = (local_palette + b"\0" * (3 * (1 << bits)))[: 3 * (1 << bits)]
    if lzw is None:
        rows = [indices[r * width : (r + 1) * width] for r in range(height)]
        if interlace:
            order = list(range(0, height, 8)) + list(range(4, height, 8)) + list(range(2, height, 4)) + list(
                range(1, height, 2))
            rows = [rows[r] for r in order]
        lzw = _lzw(b"".join(rows), min_bits)
    return b"," + struct.pack("<HHHHB", x, y, width, height, flags) + table + bytes((min_bits,)) + _sub_blocks(lzw)


def _gce(transparency=None, disposal=0, delay=10):
    flags = (disposal << 2) | (1 if transparency is not None else 0)
    return b"!\xf9\x04" + struct.pack("<BHB", flags, delay, transparency or 0) + b"\0"


def _write_gif(w):
    n = Noise(2)
    pal = _gif_palette(256, n)
    px = n.bytes(12 * 9)
    w.put("gif_basic.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, px), pal))
    w.put("gif_87a.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, px), pal, version=b"GIF87a"))
    w.put("gif_no_palette.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, px)))
    w.put("gif_identity_palette.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, px), bytes(i for i in range(256) for _ in range(3))))
    w.put("gif_local_palette.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, px, local_palette=_gif_palette(256, n)), pal))
    w.put("gif_local_only.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, px, local_palette=_gif_palette(256, n))))
    w.put("gif_local_identity_with_global.gif",
          _gif(12, 9, _gif_frame(0, 0, 12, 9, px, local_palette=bytes(i for i in range(256) for _ in range(3))), pal))
    small = bytes(v & 3 for v in px)
    w.put("gif_palette4_min2.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, small, min_bits=2), _gif_palette(4, n)))
    w.put("gif_short_palette_big_indices.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, px), _gif_palette(2, n)))
    w.put("gif_min_bits_2_indices_8bit.gif",
          _gif(12, 9, _gif_frame(0, 0, 12, 9, px, min_bits=8, lzw=_lzw(small, 2)), pal))
    for bits in (1, 3, 4, 7):
        vals = bytes(v & ((1 << bits) - 1) for v in px)
        w.put(f"gif_min_bits_{bits}.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, vals, min_bits=bits), pal))
    for bits in (9, 12):
        w.put(f"gif_min_bits_{bits}.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, px, min_bits=bits), pal))
    w.put("gif_min_bits_13.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, px, min_bits=13, lzw=b"\0" * 20), pal))
    w.put("gif_min_bits_0.gif", _gif(4, 2, _gif_frame(0, 0, 4, 2, bytes(8), min_bits=0, lzw=bytes((0b01000000, 0, 0))), pal))
    w.put("gif_clear_codes.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, px, lzw=_lzw(px, 8, clear_every=7)), pal))
    big = bytes(((x * 7) ^ (y * 3)) & 255 for y in range(64) for x in range(80))
    w.put("gif_table_full.gif", _gif(80, 64, _gif_frame(0, 0, 80, 64, big, lzw=_lzw(n.bytes(80 * 64), 8)), pal))
    for height in (1, 2, 3, 5, 8, 9, 17):
        vals = n.bytes(5 * height)
        w.put(f"gif_interlaced_h{height}.gif", _gif(5, height, _gif_frame(0, 0, 5, height, vals, interlace=True), pal))
    # Frames off the screen and smaller than it.
    inner = n.bytes(4 * 3)
    w.put("gif_frame_inside.gif", _gif(12, 9, _gif_frame(3, 2, 4, 3, inner), pal))
    w.put("gif_frame_inside_transparent.gif", _gif(12, 9, _gif_frame(3, 2, 4, 3, inner), pal, extensions=_gce(transparency=77)))
    w.put("gif_frame_inside_transparent_bg.gif",
          _gif(12, 9, _gif_frame(3, 2, 4, 3, inner), pal, extensions=_gce(transparency=5), background=9))
    w.put("gif_frame_inside_background.gif", _gif(12, 9, _gif_frame(3, 2, 4, 3, inner), pal, background=9))
    w.put("gif_frame_overflow.gif", _gif(6, 5, _gif_frame(4, 3, 5, 4, n.bytes(20)), pal))
    w.put("gif_frame_overflow_transparent.gif", _gif(6, 5, _gif_frame(4, 3, 5, 4, n.bytes(20)), pal, extensions=_gce(transparency=3)))
    w.put("gif_screen_zero.gif", _gif(0, 0, _gif_frame(0, 0, 5, 4, n.bytes(20)), pal))
    w.put("gif_frame_x0_width0.gif", _gif(6, 5, _gif_frame(0, 2, 0, 3, b"", lzw=_lzw(n.bytes(30), 8)), pal))
    w.put("gif_frame_height0.gif", _gif(6, 5, _gif_frame(2, 2, 3, 0, b"", lzw=_lzw(b"\1", 8)), pal))
    w.put("gif_frame_huge.gif", _gif(6, 5, _gif_frame(0, 0, 65535, 65535, b"", lzw=_lzw(b"\1", 8)), pal))
    w.put("gif_screen_huge.gif", _gif(65535, 65535, _gif_frame(0, 0, 2, 2, b"\1\2\3\4"), pal))
    # Transparency index shows its palette colour.
    w.put("gif_transparent_index_used.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, px), pal, extensions=_gce(transparency=px[0])))
    # Extensions Pillow reads or skips, and stray bytes between blocks.
    comment = b"!\xfe" + _sub_blocks(b"made by hand for the decoder tests")
    netscape = b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    plain = b"!\x01" + _sub_blocks(b"\x00" * 12 + b"text")
    w.put("gif_extensions.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, px), pal, extensions=comment + netscape + plain + _gce(None, 2)))
    w.put("gif_stray_bytes.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, px), pal, extensions=b"\x00\x07zz"))
    w.put("gif_empty_gce.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, px), pal, extensions=b"!\xf9\x00"))
    w.put("gif_short_gce.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, px), pal, extensions=b"!\xf9\x02\x01\x00\x00"))
    w.put("gif_empty_app_ext.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, px), pal, extensions=b"!\xff\x00"))
    w.put("gif_netscape_empty.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, px), pal, extensions=b"!\xff\x0bNETSCAPE2.0\x00"))
    # Truncation and broken streams.
    good = _gif(12, 9, _gif_frame(0, 0, 12, 9, px), pal)
    w.put("gif_truncated_data.gif", good[: len(good) - 40])
    w.put("gif_truncated_header.gif", good[:11])
    w.put("gif_truncated_palette_entry.gif", _gif(4, 4, b"", bytes((0, 0, 0, 1, 1))[:5], trailer=b"")[:13 + 4])
    w.put("gif_no_image.gif", _gif(12, 9, b"", pal))
    w.put("gif_no_trailer.gif", good[:-1])
    w.put("gif_early_end_code.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, b"", lzw=_lzw(px[:50], 8)), pal))
    w.put("gif_early_end_then_frame.gif",
          _gif(12, 9, _gif_frame(0, 0, 12, 9, b"", lzw=_lzw(px[:50], 8)) + _gif_frame(0, 0, 12, 9, px), pal))
    w.put("gif_no_end_code.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, b"", lzw=_lzw(px, 8, end=False)), pal))
    w.put("gif_extra_data.gif", _gif(12, 9, _gif_frame(0, 0, 12, 9, b"", lzw=_lzw(px + px, 8)), pal))
    w.put("gif_bad_first_code.gif", _gif(4, 4, _gif_frame(0, 0, 4, 4, b"", min_bits=2, lzw=bytes((0b00111111, 0xFF))), pal))
    w.put("gif_code_too_big.gif", _gif(4, 4, _gif_frame(0, 0, 4, 4, b"", min_bits=2, lzw=bytes((0b11000100, 0b1111))), pal))
    # Two frames: only the first counts.
    w.put("gif_two_frames.gif",
          _gif(12, 9, _gif_frame(0, 0, 12, 9, px) + _gce(4, 1) + _gif_frame(2, 2, 4, 3, inner), pal))
    # A big frame (more than one 64 KiB read) with an early end code in the middle of the data.
    wide = n.bytes(300 * 300)
    lzw_a = _lzw(wide[:1000], 8)
    lzw_b = _lzw(wide, 8)
    w.put("gif_large_early_end.gif", _gif(300, 300, _gif_frame(0, 0, 300, 300, b"", lzw=lzw_a + lzw_b), pal))


def _save_gif(w, Image):
    base = _gradient(Image, 31, 17)
    rgb = base.convert("RGB")
    p = rgb.convert("P", palette=Image.ADAPTIVE, colors=200)
    small = rgb.convert("P", palette=Image.ADAPTIVE, colors=6)
    variants = {
        "P": (p, {}),
        "P_interlace_off": (p, {"interlace": False}),
        "P_optimize": (small, {"optimize": True}),
        "P_no_optimize": (small, {"optimize": False}),
        "P_transparency": (p, {"transparency": 3}),
        "L": (base.convert("L"), {}),
        "1": (base.convert("1"), {}),
        "RGB": (rgb, {}),
        "RGBA": (base, {}),
        "comment": (p, {"comment": b"a comment", "loop": 0, "duration": 40}),
        "87a": (p, {"version": "87a"}),
    }
    for label, (im, options) in variants.items():
        buf = io.BytesIO()
        im.save(buf, "GIF", **options)
        w.put(f"saved_gif_{label}.gif", buf.getvalue())
    frames = [rgb, rgb.rotate(90, expand=False), rgb.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    for label, options in (("animated", {}), ("animated_disposal2", {"disposal": 2, "transparency": 0}),
                           ("animated_optimize", {"optimize": True})):
        buf = io.BytesIO()
        frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], **options)
        w.put(f"saved_gif_{label}.gif", buf.getvalue())
    # A first frame smaller than the screen (Pillow crops animated frames to their changed box).
    buf = io.BytesIO()
    first = Image.new("P", (40, 30), 0)
    first.putpalette(bytes(range(256)) * 3)
    frames = [first, first.copy()]
    frames[1].paste(7, (5, 5, 20, 20))
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    w.put("saved_gif_animated_palette.gif", buf.getvalue())


# --------------------------------------------------------------------------------------------------------
# TGA


def _tga(image_type, width, height, depth, pixels, flags=0, id_section=b"", cmap=None, cmap_start=0,
         cmap_depth=24, cmap_count=None, footer=False):
    cmap_type = 1 if cmap is not None else 0
    count = cmap_count if cmap_count is not None else (len(cmap) // max(1, cmap_depth // 8) if cmap else 0)
    header = struct.pack("<BBBHHBHHHHBB", len(id_section), cmap_type, image_type, cmap_start, count,
                         cmap_depth if cmap is not None else 0, 0, 0, width, height, depth, flags)
    data = header + id_section + (cmap or b"") + pixels
    if footer:
        data += b"\0" * 8 + b"TRUEVISION-XFILE.\0"
    return data


def _tga_rle(pixels, bpp, width, packets):
    """RLE packets over `pixels` (bpp bytes each): packets is a list of ("run"|"raw", count)."""
    out = bytearray()
    i = 0
    for kind, count in packets:
        if kind == "run":
            out += bytes((0x80 | (count - 1),)) + pixels[i * bpp : (i + 1) * bpp]
        else:
            out += bytes((count - 1,)) + pixels[i * bpp : (i + count) * bpp]
        i += count
    return bytes(out)


def _row_packets(width, height, pattern):
    """Packets that never cross a line: each row split as in pattern (counts summing to width)."""
    packets = []
    for _ in range(height):
        packets += pattern
    return packets


def _write_tga(w):
    n = Noise(3)
    W, H = 7, 5
    px8 = n.bytes(W * H)
    cmap24 = n.bytes(3 * 256)
    cmap16 = n.bytes(2 * 256)
    # Colour-mapped.
    w.put("tga_cmap8_map24.tga", _tga(1, W, H, 8, px8, cmap=cmap24))
    w.put("tga_cmap8_map16.tga", _tga(1, W, H, 8, px8, cmap=cmap16, cmap_depth=16))
    w.put("tga_cmap8_map32.tga", _tga(1, W, H, 8, px8, cmap=n.bytes(4 * 256), cmap_depth=32))
    w.put("tga_cmap8_map15.tga", _tga(1, W, H, 8, px8, cmap=n.bytes(2 * 16), cmap_depth=15, cmap_count=16))
    w.put("tga_cmap8_map24_start10.tga", _tga(1, W, H, 8, px8, cmap=n.bytes(3 * 20), cmap_start=10))
    w.put("tga_cmap8_map24_start250.tga", _tga(1, W, H, 8, px8, cmap=n.bytes(3 * 20), cmap_start=250))
    w.put("tga_cmap8_map24_short.tga", _tga(1, W, H, 8, px8, cmap=n.bytes(3 * 12)))
    w.put("tga_cmap8_no_map.tga", _tga(1, W, H, 8, px8))
    w.put("tga_cmap16_refused.tga", _tga(1, W, H, 16, n.bytes(2 * W * H), cmap=cmap24))
    # Gray.
    w.put("tga_gray8.tga", _tga(3, W, H, 8, px8))
    w.put("tga_gray8_map24.tga", _tga(3, W, H, 8, px8, cmap=cmap24))
    w.put("tga_gray16_la.tga", _tga(3, W, H, 16, n.bytes(2 * W * H), flags=8))
    w.put("tga_gray16_la_map24.tga", _tga(3, W, H, 16, n.bytes(2 * W * H), cmap=cmap24))
    w.put("tga_gray1.tga", _tga(3, 13, H, 1, n.bytes(2 * H)))
    w.put("tga_gray1_map24.tga", _tga(3, 13, H, 1, n.bytes(2 * H), cmap=cmap24))
    w.put("tga_gray24_refused.tga", _tga(3, W, H, 24, n.bytes(3 * W * H)))
    # True colour; the top bit of 16-bit pixels and the alpha of 32-bit ones.
    w.put("tga_rgb16.tga", _tga(2, W, H, 16, n.bytes(2 * W * H)))
    w.put("tga_rgb16_alpha_bit.tga", _tga(2, W, H, 16, n.bytes(2 * W * H), flags=1))
    w.put("tga_rgb24.tga", _tga(2, W, H, 24, n.bytes(3 * W * H)))
    w.put("tga_rgb32.tga", _tga(2, W, H, 32, n.bytes(4 * W * H), flags=8))
    w.put("tga_rgb32_no_alpha_bits.tga", _tga(2, W, H, 32, n.bytes(4 * W * H)))
    w.put("tga_rgb24_map24.tga", _tga(2, W, H, 24, n.bytes(3 * W * H), cmap=cmap24))
    w.put("tga_rgb8_refused.tga", _tga(2, W, H, 8, px8))
    w.put("tga_rgb24_id_section.tga", _tga(2, W, H, 24, n.bytes(3 * W * H), id_section=b"made by hand"))
    w.put("tga_rgb24_footer.tga", _tga(2, W, H, 24, n.bytes(3 * W * H), footer=True))
    for flags, label in ((0x00, "bottom_left"), (0x10, "bottom_right"), (0x20, "top_left"), (0x30, "top_right")):
        w.put(f"tga_rgb24_{label}.tga", _tga(2, W, H, 24, n.bytes(3 * W * H), flags=flags))
        w.put(f"tga_cmap8_{label}.tga", _tga(1, W, H, 8, px8, cmap=cmap24, flags=flags))
        w.put(f"tga_gray8_map_{label}.tga", _tga(3, W, H, 8, px8, cmap=cmap24, flags=flags))
    # RLE.
    pattern = [("run", 3), ("raw", 2), ("run", 2)]
    rgb = n.bytes(3 * W * H)
    w.put("tga_rle_rgb24.tga", _tga(10, W, H, 24, _tga_rle(rgb, 3, W, _row_packets(W, H, pattern))))
    w.put("tga_rle_rgb24_top.tga", _tga(10, W, H, 24, _tga_rle(rgb, 3, W, _row_packets(W, H, pattern)), flags=0x20))
    w.put("tga_rle_rgb24_top_right.tga", _tga(10, W, H, 24, _tga_rle(rgb, 3, W, _row_packets(W, H, pattern)), flags=0x30))
    rgba = n.bytes(4 * W * H)
    w.put("tga_rle_rgb32.tga", _tga(10, W, H, 32, _tga_rle(rgba, 4, W, _row_packets(W, H, pattern)), flags=8))
    w.put("tga_rle_rgb16.tga", _tga(10, W, H, 16, _tga_rle(n.bytes(2 * W * H), 2, W, _row_packets(W, H, pattern))))
    w.put("tga_rle_gray8.tga", _tga(11, W, H, 8, _tga_rle(px8, 1, W, _row_packets(W, H, pattern))))
    w.put("tga_rle_gray16.tga", _tga(11, W, H, 16, _tga_rle(n.bytes(2 * W * H), 2, W, _row_packets(W, H, pattern))))
    w.put("tga_rle_cmap8.tga", _tga(9, W, H, 8, _tga_rle(px8, 1, W, _row_packets(W, H, pattern)), cmap=cmap24))
    w.put("tga_rle_gray1.tga", _tga(11, 8, 2, 1, bytes((0x81, 0xFF, 0x81, 0x0F)) * 4))
    # Literal packets that cross lines are fine for Pillow; runs that cross lines are not.
    w.put("tga_rle_literal_across_lines.tga", _tga(10, W, H, 24, _tga_rle(rgb, 3, W, [("raw", 10), ("raw", 25)])))
    w.put("tga_rle_literal_many_lines.tga", _tga(10, 3, 6, 24, _tga_rle(rgb, 3, 3, [("raw", 17), ("raw", 1)])))
    w.put("tga_rle_run_across_lines.tga", _tga(10, W, H, 24, _tga_rle(rgb, 3, W, [("run", 10), ("raw", 25)])))
    w.put("tga_rle_truncated.tga", _tga(10, W, H, 24, _tga_rle(rgb, 3, W, _row_packets(W, H, pattern)))[:-5])
    w.put("tga_rle_extra_data.tga", _tga(10, W, H, 24, _tga_rle(rgb, 3, W, _row_packets(W, H, pattern)) + b"\x85\1\2\3"))
    # Refusals and files Pillow does not identify.
    w.put("tga_truncated.tga", _tga(2, W, H, 24, n.bytes(3 * W * H - 4)))
    w.put("tga_zero_width.tga", _tga(2, 0, H, 24, b""))
    w.put("tga_depth15.tga", _tga(2, W, H, 15, n.bytes(2 * W * H)))
    w.put("tga_type0.tga", _tga(0, W, H, 8, b""))
    w.put("tga_cmap_type2.tga", _tga(1, W, H, 8, px8, cmap=cmap24)[:1] + b"\x02" + _tga(1, W, H, 8, px8, cmap=cmap24)[2:])
    w.put("tga_short_header.tga", _tga(2, W, H, 24, b"")[:17])
    w.put("tga_huge.tga", _tga(2, 65535, 65535, 24, b"\0" * 10))


def _save_tga(w, Image):
    base = _gradient(Image, 19, 11)
    modes = {
        "1": base.convert("1"),
        "L": base.convert("L"),
        "LA": base.convert("LA"),
        "P": base.convert("RGB").convert("P", palette=Image.ADAPTIVE, colors=50),
        "RGB": base.convert("RGB"),
        "RGBA": base,
    }
    for mode, im in modes.items():
        for rle in (False, True):
            for orientation in (-1, 1):
                buf = io.BytesIO()
                im.save(buf, "TGA", rle=rle, orientation=orientation)
                w.put(f"saved_tga_{mode}_rle{int(rle)}_o{orientation}.tga", buf.getvalue())
    buf = io.BytesIO()
    modes["RGB"].save(buf, "TGA", id_section=b"an id section", compression="tga_rle")
    w.put("saved_tga_RGB_id_section.tga", buf.getvalue())


# --------------------------------------------------------------------------------------------------------
# ICO / CUR


def _png_rgba(width, height, noise):
    """A minimal 8-bit RGBA PNG made with zlib."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\0" + noise.bytes(4 * width) for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _icon_dib(width, height, bits, noise, palette_colors=None, mask=True, height_field=None, compression=0,
              pixels=None):
    """BITMAPINFOHEADER (height doubled) + palette + XOR pixels + AND mask."""
    colors = palette_colors if palette_colors is not None else (1 << bits if bits <= 8 else 0)
    info = _info_header(width, height * 2 if height_field is None else height_field, bits, compression=compression,
                        colors=palette_colors or 0)
    palette = _bgrx_palette(colors, noise) if bits <= 8 else b""
    xor = pixels if pixels is not None else _bmp_rows(width, height, bits, noise)
    and_mask = _bmp_rows(width, height, 1, noise) if mask else b""
    return info + palette + xor + and_mask


def _ico(entries, magic=b"\0\0\1\0", count=None):
    """entries: list of (width byte, height byte, colours, bpp, payload); offsets computed."""
    header = magic + _u16(len(entries) if count is None else count)
    offset = 6 + 16 * len(entries)
    directory = b""
    body = b""
    for width, height, colors, bpp, payload in entries:
        directory += struct.pack("<BBBBHHII", width & 255, height & 255, colors, 0, 1, bpp, len(payload), offset)
        body += payload
        offset += len(payload)
    return header + directory + body


def _write_ico(w):
    n = Noise(4)
    for bits in (1, 4, 8, 24, 32):
        for width, height in ((16, 16), (13, 7)):
            dib = _icon_dib(width, height, bits, n)
            w.put(f"ico_bmp{bits}_{width}x{height}.ico", _ico([(width, height, 0, bits, dib)]))
    w.put("ico_bmp32_dir_bpp32_dib24.ico", _ico([(8, 8, 0, 32, _icon_dib(8, 8, 24, n) + n.bytes(64))]))
    w.put("ico_bmp8_dir_bpp0.ico", _ico([(8, 8, 0, 0, _icon_dib(8, 8, 8, n))]))
    w.put("ico_bmp8_gray_palette.ico", _ico([(4, 4, 0, 8, _info_header(4, 8, 8) + _gray_palette(256) + n.bytes(16) + n.bytes(16))]))
    w.put("ico_bmp1_bw_palette.ico", _ico([(8, 8, 2, 1, _info_header(8, 16, 1) + _gray_palette(1) + b"\xff\xff\xff\0" + n.bytes(64))]))
    w.put("ico_bmp4_short_palette.ico", _ico([(8, 8, 5, 4, _icon_dib(8, 8, 4, n, palette_colors=5))]))
    w.put("ico_png.ico", _ico([(9, 6, 0, 32, _png_rgba(9, 6, n))]))
    w.put("ico_png_and_bmp.ico", _ico([(16, 16, 0, 32, _icon_dib(16, 16, 32, n)), (32, 32, 0, 32, _png_rgba(32, 32, n))]))
    w.put("ico_256_as_zero.ico", _ico([(0, 0, 0, 8, _icon_dib(256, 256, 8, n)), (32, 32, 0, 32, _icon_dib(32, 32, 32, n))]))
    # Pillow's choice: the largest area, then the deepest, then the last in the file.
    w.put("ico_pick_largest.ico",
          _ico([(16, 16, 0, 32, _icon_dib(16, 16, 32, n)), (24, 24, 0, 8, _icon_dib(24, 24, 8, n)), (8, 8, 0, 24, _icon_dib(8, 8, 24, n))]))
    w.put("ico_pick_deepest.ico",
          _ico([(16, 16, 0, 8, _icon_dib(16, 16, 8, n)), (16, 16, 0, 24, _icon_dib(16, 16, 24, n)), (16, 16, 0, 4, _icon_dib(16, 16, 4, n))]))
    w.put("ico_pick_last_of_equal.ico",
          _ico([(16, 16, 0, 8, _icon_dib(16, 16, 8, n)), (16, 16, 0, 8, _icon_dib(16, 16, 8, n))]))
    w.put("ico_pick_by_colour_count.ico",
          _ico([(16, 16, 16, 0, _icon_dib(16, 16, 4, n)), (16, 16, 2, 0, _icon_dib(16, 16, 1, n)), (16, 16, 0, 0, _icon_dib(16, 16, 8, n))]))
    w.put("ico_pick_colour_count_1.ico",
          _ico([(16, 16, 1, 0, _icon_dib(16, 16, 8, n)), (16, 16, 200, 0, _icon_dib(16, 16, 8, n))]))
    w.put("ico_dir_size_differs.ico", _ico([(32, 32, 0, 8, _icon_dib(16, 8, 8, n))]))
    w.put("ico_odd_height_field.ico", _ico([(8, 8, 0, 24, _icon_dib(8, 8, 24, n, height_field=17) + n.bytes(64))]))
    w.put("ico_topdown.ico", _ico([(8, 8, 0, 24, _icon_dib(8, 8, 24, n, height_field=-16))]))
    w.put("ico_height1.ico", _ico([(8, 1, 0, 24, _icon_dib(8, 1, 24, n, height_field=1))]))
    w.put("ico_bmp_rle8.ico", _ico([(10, 4, 0, 8, _icon_dib(10, 4, 8, n, compression=1, pixels=_rle8_sample(10, 4), mask=False))]))
    # Refusals and unidentified files.
    w.put("ico_mask_truncated.ico", _ico([(16, 16, 0, 8, _icon_dib(16, 16, 8, n))])[:-30])
    w.put("ico_pixels_truncated.ico", _ico([(16, 16, 0, 24, _icon_dib(16, 16, 24, n, mask=False)[:-100])]))
    w.put("ico_bmp32_alpha_truncated.ico", _ico([(16, 16, 0, 32, _icon_dib(16, 16, 32, n, mask=False)[:-10])]))
    w.put("ico_no_entries.ico", _ico([]))
    w.put("ico_directory_truncated.ico", _ico([(16, 16, 0, 8, _icon_dib(16, 16, 8, n))], count=3)[:40])
    w.put("ico_offset_past_end.ico", _ico([(16, 16, 0, 8, b"")]) + b"")
    w.put("ico_bad_header_size.ico", _ico([(16, 16, 0, 8, struct.pack("<I", 99) + b"\0" * 200)]))
    w.put("ico_zero_width_dib.ico", _ico([(16, 16, 0, 8, _info_header(0, 32, 8) + b"\0" * 1100)]))
    w.put("ico_huge_dib.ico", _ico([(16, 16, 0, 24, _info_header(60000, 60000, 24) + b"\0" * 100)]))
    # Cursors.
    w.put("cur_bmp32_at22.cur", _ico([(16, 16, 0, 32, _icon_dib(16, 16, 32, n))], magic=b"\0\0\2\0"))
    w.put("cur_bmp8.cur", _ico([(16, 16, 0, 8, _icon_dib(16, 16, 8, n))], magic=b"\0\0\2\0"))
    w.put("cur_bmp1.cur", _ico([(32, 32, 2, 1, _icon_dib(32, 32, 1, n))], magic=b"\0\0\2\0"))
    w.put("cur_bmp8_gray.cur", _ico([(4, 4, 0, 8, _info_header(4, 8, 8) + _gray_palette(256) + n.bytes(32))], magic=b"\0\0\2\0"))
    w.put("cur_bmp32_second.cur",
          _ico([(16, 16, 0, 8, _icon_dib(16, 16, 8, n)), (32, 32, 0, 32, _icon_dib(32, 32, 32, n))], magic=b"\0\0\2\0"))
    w.put("cur_pick_wider_only.cur",
          _ico([(16, 16, 0, 8, _icon_dib(16, 16, 8, n)), (32, 16, 0, 24, _icon_dib(32, 16, 24, n))], magic=b"\0\0\2\0"))
    w.put("cur_pick_larger.cur",
          _ico([(16, 16, 0, 8, _icon_dib(16, 16, 8, n)), (24, 24, 0, 24, _icon_dib(24, 24, 24, n))], magic=b"\0\0\2\0"))
    offset_zero = bytearray(_ico([(8, 8, 0, 24, _icon_dib(8, 8, 24, n))], magic=b"\0\0\2\0"))
    offset_zero[6 + 12 : 6 + 16] = b"\0\0\0\0"
    w.put("cur_offset_zero.cur", bytes(offset_zero))
    w.put("cur_no_entries.cur", _ico([], magic=b"\0\0\2\0"))
    w.put("cur_directory_truncated.cur", _ico([(16, 16, 0, 8, _icon_dib(16, 16, 8, n))], magic=b"\0\0\2\0", count=2)[:30])
    w.put("cur_height1.cur", _ico([(8, 1, 0, 24, _icon_dib(8, 1, 24, n, height_field=1))], magic=b"\0\0\2\0"))
    w.put("cur_png_refused.cur", _ico([(9, 6, 0, 32, _png_rgba(9, 6, n))], magic=b"\0\0\2\0"))
    w.put("cur_truncated.cur", _ico([(16, 16, 0, 24, _icon_dib(16, 16, 24, n))], magic=b"\0\0\2\0")[:200])


def _save_ico(w, Image):
    base = _gradient(Image, 32, 32)
    buf = io.BytesIO()
    base.save(buf, "ICO")
    w.put("saved_ico_default.ico", buf.getvalue())
    buf = io.BytesIO()
    base.save(buf, "ICO", sizes=[(16, 16), (32, 32)])
    w.put("saved_ico_png_sizes.ico", buf.getvalue())
    for mode in ("1", "L", "P", "RGB", "RGBA"):
        im = base.convert(mode) if mode != "P" else base.convert("RGB").convert("P", palette=Image.ADAPTIVE, colors=40)
        buf = io.BytesIO()
        im.save(buf, "ICO", bitmap_format="bmp", sizes=[(16, 16), (32, 32)])
        w.put(f"saved_ico_bmp_{mode}.ico", buf.getvalue())
    buf = io.BytesIO()
    base.save(buf, "ICO", bitmap_format="bmp", sizes=[(32, 32)], append_images=[base.convert("P")])
    w.put("saved_ico_bmp_two_depths.ico", buf.getvalue())


# --------------------------------------------------------------------------------------------------------
# PPM / PGM / PBM


def _plain(values, per_line=7, sep=b" "):
    lines = []
    for i in range(0, len(values), per_line):
        lines.append(sep.join(b"%d" % v for v in values[i : i + per_line]))
    return b"\n".join(lines) + b"\n"


def _be16(values):
    return b"".join(struct.pack(">H", v) for v in values)


def _write_ppm(w):
    n = Noise(5)
    W, H = 9, 5
    # Binary, maxval 255 and others (rescaled, rounded half to even), 16-bit.
    w.put("ppm_p5_255.pgm", b"P5\n%d %d\n255\n" % (W, H) + n.bytes(W * H))
    w.put("ppm_p6_255.ppm", b"P6\n%d %d\n255\n" % (W, H) + n.bytes(3 * W * H))
    for maxval in (1, 15, 100, 254, 256, 1000, 4095, 65534, 65535):
        samples = [(b * 257 + a) % (maxval + 1) for a, b in zip(n.bytes(W * H), n.bytes(W * H))]
        body = bytes(samples) if maxval < 256 else _be16(samples)
        w.put(f"ppm_p5_max{maxval}.pgm", b"P5 %d %d %d\n" % (W, H, maxval) + body)
        rgb = [(b * 257 + a) % (maxval + 1) for a, b in zip(n.bytes(3 * W * H), n.bytes(3 * W * H))]
        body = bytes(rgb) if maxval < 256 else _be16(rgb)
        w.put(f"ppm_p6_max{maxval}.ppm", b"P6 %d %d %d\n" % (W, H, maxval) + body)
    w.put("ppm_p5_max100_over.pgm", b"P5 4 1 100\n" + bytes((0, 100, 101, 255)))
    w.put("ppm_p5_max1000_over.pgm", b"P5 4 1 1000\n" + _be16((0, 1000, 1001, 65535)))
    for width in (1, 7, 8, 9, 17):
        w.put(f"ppm_p4_w{width}.pbm", b"P4\n%d 3\n" % width + n.bytes(3 * ((width + 7) // 8)))
    # Plain formats.
    bits = [v & 1 for v in n.bytes(W * H)]
    w.put("ppm_p1.pbm", b"P1\n%d %d\n" % (W, H) + _plain(bits))
    w.put("ppm_p1_packed.pbm", b"P1\n%d %d\n" % (W, H) + bytes(48 + b for b in bits) + b"\n")
    w.put("ppm_p1_comments.pbm", b"P1\n# c\n%d %d\n" % (W, H) + bytes(48 + b for b in bits[:10]) + b"#x\n"
          + bytes(48 + b for b in bits[10:]))
    w.put("ppm_p1_bad_char.pbm", b"P1\n2 2\n0101 2\n")
    w.put("ppm_p1_extra.pbm", b"P1\n2 2\n010111\n")
    w.put("ppm_p1_short.pbm", b"P1\n2 2\n010\n")
    gray = list(n.bytes(W * H))
    w.put("ppm_p2_255.pgm", b"P2\n%d %d\n255\n" % (W, H) + _plain(gray))
    w.put("ppm_p2_15.pgm", b"P2\n%d %d\n15\n" % (W, H) + _plain([v % 16 for v in gray]))
    w.put("ppm_p2_1000.pgm", b"P2\n%d %d\n1000\n" % (W, H) + _plain([v * 3 for v in gray]))
    w.put("ppm_p2_65535.pgm", b"P2\n%d %d\n65535\n" % (W, H) + _plain([v * 257 for v in gray]))
    w.put("ppm_p2_no_final_newline.pgm", b"P2 3 2 255 1 2 3 4 5 6")
    w.put("ppm_p2_short_last_token_repeated.pgm", b"P2 3 2 255 10 20 30 40")
    w.put("ppm_p2_short_ends_with_space.pgm", b"P2 3 2 255 10 20 30 40 ")
    w.put("ppm_p2_comment_inside_token.pgm", b"P2 3 1 255 1#c\n2 3 4")
    w.put("ppm_p2_signs_underscores.pgm", b"P2 4 1 255 +7 1_0 -3 0_0_1\n")
    w.put("ppm_p2_negative_16bit.pgm", b"P2 2 1 1000 5 -3\n")
    w.put("ppm_p2_over_maxval.pgm", b"P2 2 1 100 5 101\n")
    w.put("ppm_p2_not_a_number.pgm", b"P2 2 1 100 5 x\n")
    w.put("ppm_p2_token_too_long.pgm", b"P2 2 1 100 5 00000000001\n")
    w.put("ppm_p2_cr_comments.pgm", b"P2 3 1 255\r# comment\r7 8\r#x\n9\r")
    rgb = list(n.bytes(3 * W * H))
    w.put("ppm_p3_255.ppm", b"P3\n%d %d\n255\n" % (W, H) + _plain(rgb))
    w.put("ppm_p3_100.ppm", b"P3\n%d %d\n100\n" % (W, H) + _plain([v % 101 for v in rgb]))
    w.put("ppm_p3_1000.ppm", b"P3\n%d %d\n1000\n" % (W, H) + _plain([v * 3 for v in rgb], sep=b"\t"))
    # More than one 1 MiB block: a token split across the boundary, and data short by a few values after
    # it (Pillow then repeats the split token).
    big_w, big_h = 300, 300
    values = [(i * 7) % 256 for i in range(big_w * big_h * 3)]
    body = _plain(values, per_line=50)
    w.put("ppm_p3_two_blocks.ppm", b"P3\n%d %d\n255\n" % (big_w, big_h) + body)
    header = b"P3\n%d %d\n255\n" % (big_w, big_h)
    cut = 1024 * 1024 - len(header)
    text = body[: cut - 1] + b"12" + body[cut + 1 :]
    w.put("ppm_p3_two_blocks_short.ppm", header + text[: len(text) - 40])
    # Header details.
    w.put("ppm_header_comments.ppm", b"P6 # comment\n#another\n 3 #x\n 2\n#y\n255\n" + n.bytes(18))
    w.put("ppm_header_comment_in_token.ppm", b"P6\n1#c\n2 1\n255\n" + n.bytes(36))
    w.put("ppm_header_comment_after_maxval.pgm", b"P5\n2 2\n255#c\n" + n.bytes(4))
    w.put("ppm_header_tabs.pgm", b"P5\t2\x0b2\x0c255\r" + n.bytes(4))
    w.put("ppm_header_leading_zeros.pgm", b"P5 002 0002 0255\n" + n.bytes(4))
    w.put("ppm_maxval_0.pgm", b"P5 2 2 0\n" + n.bytes(4))
    w.put("ppm_maxval_65536.pgm", b"P5 2 2 65536\n" + n.bytes(8))
    w.put("ppm_header_eof.pgm", b"P5 2 2")
    w.put("ppm_header_token_long.pgm", b"P5 2 22222222222 255\n")
    w.put("ppm_header_not_number.pgm", b"P5 2 x 255\n")
    w.put("ppm_zero_width.pgm", b"P5 0 2 255\n")
    w.put("ppm_negative_height.pgm", b"P5 2 -2 255\n" + n.bytes(4))
    w.put("ppm_huge.pgm", b"P5 100000 100000 255\n" + n.bytes(40))
    w.put("ppm_p7_pam.pam", b"P7\nWIDTH 2\nHEIGHT 2\nDEPTH 1\nMAXVAL 255\nTUPLTYPE GRAYSCALE\nENDHDR\n" + n.bytes(4))
    w.put("ppm_p8.ppm", b"P8 2 2 255\n" + n.bytes(4))
    w.put("ppm_magic_too_long.ppm", b"P61 2 2 255\n" + n.bytes(12))
    w.put("ppm_truncated_p6.ppm", b"P6 4 4 255\n" + n.bytes(40))
    w.put("ppm_truncated_p5_16.pgm", b"P5 4 4 1000\n" + n.bytes(20))
    w.put("ppm_truncated_p4.pbm", b"P4 16 4\n" + n.bytes(7))
    # Pillow's own extensions.
    w.put("ppm_pyp.ppm", b"PyP 4 3 255\n" + n.bytes(12))
    w.put("ppm_pyrgba.ppm", b"PyRGBA 4 3 255\n" + n.bytes(48))
    w.put("ppm_pycmyk.ppm", b"PyCMYK 4 3 255\n" + n.bytes(48))
    w.put("ppm_p0cmyk.ppm", b"P0CMYK 4 3 255\n" + n.bytes(48))
    w.put("ppm_p0cmyk_max1000.ppm", b"P0CMYK 4 3 1000\n" + _be16([v * 3 for v in n.bytes(48)]))


def _save_ppm(w, Image):
    base = _gradient(Image, 21, 13)
    for mode, ext in (("1", "pbm"), ("L", "pgm"), ("I", "pgm"), ("RGB", "ppm"), ("RGBA", "ppm")):
        im = base.convert(mode) if mode != "I" else base.convert("L").point(lambda v: v * 200, "I")
        buf = io.BytesIO()
        im.save(buf, "PPM")
        w.put(f"saved_ppm_{mode}.{ext}", buf.getvalue())


# --------------------------------------------------------------------------------------------------------
# PCX / DCX


def _pcx_rle(line):
    out = bytearray()
    i = 0
    while i < len(line):
        j = i
        while j < len(line) and j - i < 63 and line[j] == line[i]:
            j += 1
        count = j - i
        if count > 1 or line[i] >= 0xC0:
            out += bytes((0xC0 | count, line[i]))
        else:
            out.append(line[i])
        i = j
    return bytes(out)


def _pcx(width, height, bits, planes, lines, version=5, stride=None, palette16=b"", x0=0, y0=0, tail=b""):
    if stride is None:
        stride = (width * bits + 7) // 8
        stride += stride % 2
    header = struct.pack("<BBBBHHHHHH", 10, version, 1, bits, x0, y0, x0 + width - 1, y0 + height - 1, 72, 72)
    header += (palette16 + b"\0" * 48)[:48] + b"\0" + bytes((planes,)) + _u16(stride) + _u16(1)
    header += b"\0" * (128 - len(header))
    return header + b"".join(_pcx_rle(l) for l in lines) + tail


def _pcx_lines(width, height, bits, planes, noise, stride=None):
    if stride is None:
        stride = (width * bits + 7) // 8
        stride += stride % 2
    return [noise.bytes(stride * planes) for _ in range(height)]


def _write_pcx(w):
    n = Noise(6)
    pal16 = n.bytes(48)
    for width in (5, 8, 13, 16):
        w.put(f"pcx_1bit_w{width}.pcx", _pcx(width, 4, 1, 1, _pcx_lines(width, 4, 1, 1, n)))
        w.put(f"pcx_2plane_w{width}.pcx", _pcx(width, 4, 1, 2, _pcx_lines(width, 4, 1, 2, n), palette16=pal16))
        w.put(f"pcx_4plane_w{width}.pcx", _pcx(width, 4, 1, 4, _pcx_lines(width, 4, 1, 4, n), palette16=pal16))
    for width in (5, 6, 31):
        lines = _pcx_lines(width, 7, 8, 1, n)
        w.put(f"pcx_8bit_palette_w{width}.pcx", _pcx(width, 7, 8, 1, lines, tail=b"\x0c" + n.bytes(768)))
        w.put(f"pcx_8bit_gray_palette_w{width}.pcx",
              _pcx(width, 7, 8, 1, lines, tail=b"\x0c" + bytes(i for i in range(256) for _ in range(3))))
        w.put(f"pcx_8bit_no_marker_w{width}.pcx", _pcx(width, 7, 8, 1, lines, tail=b"\x0b" + n.bytes(768)))
        w.put(f"pcx_rgb_w{width}.pcx", _pcx(width, 7, 8, 3, _pcx_lines(width, 7, 8, 3, n)))
    lines = _pcx_lines(40, 30, 8, 1, n)
    w.put("pcx_8bit_no_palette_big.pcx", _pcx(40, 30, 8, 1, lines))
    w.put("pcx_8bit_small_file.pcx", _pcx(5, 3, 8, 1, _pcx_lines(5, 3, 8, 1, n)))
    w.put("pcx_offset_box.pcx", _pcx(6, 4, 8, 3, _pcx_lines(6, 4, 8, 3, n), x0=100, y0=7))
    w.put("pcx_stride_odd_header.pcx", _pcx(5, 4, 8, 3, _pcx_lines(5, 4, 8, 3, n, stride=5), stride=5))
    w.put("pcx_stride_header_larger.pcx", _pcx(5, 4, 8, 3, _pcx_lines(5, 4, 8, 3, n, stride=6), stride=10))
    w.put("pcx_version0_1bit.pcx", _pcx(16, 4, 1, 1, _pcx_lines(16, 4, 1, 1, n), version=0))
    w.put("pcx_version2_4plane.pcx", _pcx(16, 4, 1, 4, _pcx_lines(16, 4, 1, 4, n), version=2, palette16=pal16))
    w.put("pcx_version3_8bit_refused.pcx", _pcx(16, 4, 8, 1, _pcx_lines(16, 4, 8, 1, n), version=3, tail=b"\0" * 800))
    w.put("pcx_8bit_4planes_refused.pcx", _pcx(16, 4, 8, 4, _pcx_lines(16, 4, 8, 4, n)))
    w.put("pcx_2bit_refused.pcx", _pcx(16, 4, 2, 1, _pcx_lines(16, 4, 2, 1, n)))
    # A run that crosses the end of a line, and truncated data.
    run_across = _pcx(6, 3, 8, 3, [b"\xc8\x11" + b"\x01" * 10, b"\x02" * 18, b"\x03" * 18])
    w.put("pcx_run_across_lines.pcx", run_across)
    good = _pcx(8, 6, 8, 3, _pcx_lines(8, 6, 8, 3, n))
    w.put("pcx_truncated.pcx", good[:-10])
    w.put("pcx_header_truncated.pcx", good[:60])
    w.put("pcx_empty_box.pcx", good[:8] + _u16(0) + good[10:])
    w.put("pcx_huge.pcx", _pcx(65535, 65535, 8, 3, []))
    # DCX: Pillow opens the first PCX of the directory; for 8-bit images it reads the pixels from byte 128
    # of the DCX file itself.
    first = _pcx(9, 5, 8, 3, _pcx_lines(9, 5, 8, 3, n))
    second = _pcx(4, 4, 1, 1, _pcx_lines(4, 4, 1, 1, n))
    directory_size = 4 + 4 * 3
    dcx = struct.pack("<IIII", 0x3ADE68B1, directory_size, directory_size + len(first), 0) + first + second
    w.put("dcx_two_images.dcx", dcx)
    gray = _pcx(9, 5, 8, 1, _pcx_lines(9, 5, 8, 1, n), tail=b"\x0c" + n.bytes(768))
    w.put("dcx_8bit.dcx", struct.pack("<III", 0x3ADE68B1, 12, 0) + gray)
    w.put("dcx_no_images.dcx", struct.pack("<II", 0x3ADE68B1, 0))
    w.put("dcx_directory_truncated.dcx", struct.pack("<II", 0x3ADE68B1, 12))
    w.put("dcx_bad_offset.dcx", struct.pack("<III", 0x3ADE68B1, 5000, 0) + first)


def _save_pcx(w, Image):
    base = _gradient(Image, 27, 9)
    for mode in ("1", "L", "P", "RGB"):
        im = base.convert(mode) if mode != "P" else base.convert("RGB").convert("P", palette=Image.ADAPTIVE, colors=90)
        buf = io.BytesIO()
        im.save(buf, "PCX")
        w.put(f"saved_pcx_{mode}.pcx", buf.getvalue())
    small = Image.new("L", (3, 2), 9)
    buf = io.BytesIO()
    small.save(buf, "PCX")
    w.put("saved_pcx_L_tiny.pcx", buf.getvalue())


# --------------------------------------------------------------------------------------------------------
# SGI


def _sgi_header(width, height, channels, bpc=1, rle=False, dimension=None):
    if dimension is None:
        dimension = 3 if channels > 1 else 2
    header = struct.pack(">HBBHHHH", 474, 1 if rle else 0, bpc, dimension, width, height, channels)
    header += struct.pack(">ii", 0, 255 if bpc == 1 else 65535) + b"\0" * 4 + b"hand made".ljust(80, b"\0")
    header += struct.pack(">i", 0)
    return header + b"\0" * (512 - len(header))


def _sgi_rle_row(values, bpc):
    """Alternating literal and run packets for one channel row, terminated by a zero count."""
    atoms = [values[i : i + bpc] for i in range(0, len(values), bpc)]
    out = bytearray()
    i = 0
    toggle = True
    while i < len(atoms):
        count = min(len(atoms) - i, 3 if toggle else 2)
        if toggle:
            out += (b"\0" if bpc == 2 else b"") + bytes((0x80 | count,)) + b"".join(atoms[i : i + count])
        else:
            out += (b"\0" if bpc == 2 else b"") + bytes((count,)) + atoms[i]
        i += count
        toggle = not toggle
    out += b"\0" * bpc
    return bytes(out)


def _sgi_rle(width, height, channels, bpc, noise, mutate=None):
    rows = {}
    for c in range(channels):
        for y in range(height):
            rows[(y, c)] = _sgi_rle_row(noise.bytes(width * bpc), bpc)
    if mutate:
        mutate(rows)
    table_size = 2 * 4 * height * channels
    offsets, lengths, body = [], [], b""
    position = 512 + table_size
    for c in range(channels):
        for y in range(height):
            row = rows[(y, c)]
            offsets.append(position + len(body))
            lengths.append(len(row))
            body += row
    tables = b"".join(struct.pack(">I", v) for v in offsets) + b"".join(struct.pack(">I", v) for v in lengths)
    return _sgi_header(width, height, channels, bpc, rle=True) + tables + body


def _write_sgi(w):
    n = Noise(7)
    for channels in (1, 3, 4):
        for bpc in (1, 2):
            w.put(f"sgi_raw_{channels}ch_{bpc}bpc.sgi", _sgi_header(7, 5, channels, bpc) + n.bytes(7 * 5 * channels * bpc))
            w.put(f"sgi_rle_{channels}ch_{bpc}bpc.sgi", _sgi_rle(7, 5, channels, bpc, n))
    w.put("sgi_raw_dimension1.bw", _sgi_header(9, 1, 1, 1, dimension=1) + n.bytes(9))
    w.put("sgi_raw_truncated.rgb", (_sgi_header(7, 5, 3) + n.bytes(7 * 5 * 3))[:-5])
    w.put("sgi_raw16_truncated.rgb", (_sgi_header(7, 5, 3, 2) + n.bytes(7 * 5 * 3 * 2))[:-5])
    w.put("sgi_unsupported_layout.sgi", _sgi_header(7, 5, 2) + n.bytes(70))
    w.put("sgi_bpc3.sgi", _sgi_header(7, 5, 1, 3) + n.bytes(105))
    w.put("sgi_zero_width.sgi", _sgi_header(0, 5, 1) + n.bytes(10))
    w.put("sgi_compression2.sgi", _sgi_header(7, 5, 1)[:2] + b"\x02" + _sgi_header(7, 5, 1)[3:] + n.bytes(35))
    w.put("sgi_short_header.sgi", _sgi_header(7, 5, 1)[:11])
    w.put("sgi_header_only.sgi", _sgi_header(2, 2, 1)[:100] + n.bytes(4))

    def short_row(rows):
        rows[(2, 0)] = bytes((0x82, 7, 9, 0))

    w.put("sgi_rle_short_row_keeps_previous.sgi", _sgi_rle(7, 5, 1, 1, n, short_row))

    def early_stop(rows):
        rows[(3, 1)] = bytes((0x05,))

    w.put("sgi_rle_early_stop.sgi", _sgi_rle(7, 5, 3, 1, n, early_stop))

    def overrun(rows):
        rows[(1, 0)] = bytes((0x7F, 9, 0))

    w.put("sgi_rle_overrun.sgi", _sgi_rle(7, 5, 1, 1, n, overrun))

    def empty_row(rows):
        rows[(0, 0)] = b""

    w.put("sgi_rle_empty_row.sgi", _sgi_rle(7, 5, 1, 1, n, empty_row))
    data = bytearray(_sgi_rle(7, 5, 1, 1, n))
    data[512:516] = struct.pack(">I", 100)
    w.put("sgi_rle_offset_in_header.sgi", bytes(data))
    w.put("sgi_rle_tables_truncated.sgi", _sgi_rle(7, 5, 3, 1, n)[:600])
    # The last row's data ends exactly at the end of the file (Pillow's check is one byte short).
    exact = _sgi_header(3, 1, 1, 1, rle=True) + struct.pack(">II", 520, 4) + bytes((0x83, 1, 2, 3))
    w.put("sgi_rle_copy_to_last_byte.sgi", exact)
    w.put("sgi_rle_copy_to_last_byte_padded.sgi", exact + b"\0")
    exact16 = _sgi_header(2, 1, 1, 2, rle=True) + struct.pack(">II", 520, 4) + bytes((0, 2, 1, 2))
    w.put("sgi_rle16_run_at_end.sgi", exact16)
    w.put("sgi_rle16_run_at_end_padded.sgi", exact16 + b"\0\0")
    w.put("sgi_huge.sgi", _sgi_header(65535, 65535, 3) + n.bytes(10))


def _save_sgi(w, Image):
    base = _gradient(Image, 17, 11)
    for mode in ("L", "RGB", "RGBA"):
        for bpc in (1, 2):
            buf = io.BytesIO()
            base.convert(mode).save(buf, "SGI", bpc=bpc)
            w.put(f"saved_sgi_{mode}_bpc{bpc}.sgi", buf.getvalue())
    buf = io.BytesIO()
    base.convert("L").crop((0, 0, 17, 1)).save(buf, "SGI")
    w.put("saved_sgi_L_one_row.sgi", buf.getvalue())


# --------------------------------------------------------------------------------------------------------
# XBM


def _xbm_body(width, height, noise, per_line=12, fmt="0x%02x"):
    count = ((width + 7) // 8) * height
    values = [fmt % v for v in noise.bytes(count)]
    lines = [", ".join(values[i : i + per_line]) for i in range(0, len(values), per_line)]
    return (",\n   ".join(lines) + " };\n").encode("ascii")


def _write_xbm(w):
    n = Noise(8)
    for width in (1, 8, 13, 16):
        head = b"#define test_width %d\n#define test_height 5\nstatic char test_bits[] = {\n   " % width
        w.put(f"xbm_w{width}.xbm", head + _xbm_body(width, 5, n))
    w.put("xbm_hotspot.xbm", b"#define a_width 9\n#define a_height 4\n#define a_x_hot 2\n#define a_y_hot 3\n"
          b"static unsigned char a_bits[] = {\n" + _xbm_body(9, 4, n))
    w.put("xbm_leading_blanks_crlf.xbm", b"  \n#define b_width 10\r\n#define b_height 3\r\nstatic char b_bits[] = {\r\n"
          + _xbm_body(10, 3, n).replace(b"\n", b"\r\n"))
    w.put("xbm_two_widths_one_line.xbm", b"#define c_width 4\r#define c_width 12\n#define c_height 2\n"
          b"static char c_bits[] = {" + _xbm_body(12, 2, n))
    w.put("xbm_name_with_underscores.xbm", b"#define my_icon_width 8\n#define my_icon_height 2\n"
          b"static char my_icon_bits[] = {0x01, 0x80};\n")
    w.put("xbm_one_digit_hex.xbm", b"#define d_width 8\n#define d_height 3\nstatic char d_bits[] = {0x1, 0xf, 0xZZ};\n")
    w.put("xbm_bits_twice.xbm", b"#define e_width 8\n#define e_height 2\nchar e_bits[] = {0x11, 0x22};\n"
          b"/* e_bits[] again */ {0x33, 0x44};\n")
    w.put("xbm_truncated.xbm", b"#define f_width 16\n#define f_height 4\nstatic char f_bits[] = {0x01, 0x02, 0x0")
    w.put("xbm_no_bits.xbm", b"#define g_width 8\n#define g_height 2\nstatic char g_data = {0x01, 0x02};\n")
    w.put("xbm_zero_height.xbm", b"#define h_width 8\n#define h_height 0\nstatic char h_bits[] = {0x01};\n")
    w.put("xbm_header_past_512.xbm", b"#define i_width 8\n#define i_height 1\n" + b" " * 500 + b"char i_bits[] = {0x5};\n")
    w.put("xbm_huge.xbm", b"#define j_width 99999999999\n#define j_height 99999\nstatic char j_bits[] = {0x1};\n")
    w.put("xbm_x10_style.xbm", b"#define k_width 16\n#define k_height 2\nstatic short k_bits[] = {0x1234, 0x5678};\n")


def _save_xbm(w, Image):
    base = _gradient(Image, 21, 7).convert("1")
    buf = io.BytesIO()
    base.save(buf, "XBM")
    w.put("saved_xbm.xbm", buf.getvalue())
    buf = io.BytesIO()
    base.save(buf, "XBM", hotspot=(3, 4))
    w.put("saved_xbm_hotspot.xbm", buf.getvalue())


# --------------------------------------------------------------------------------------------------------
# MSP, SUN, SPIDER


def _msp(magic, width, height, body, checksum_fix=True):
    words = [struct.unpack("<H", magic[:2])[0], struct.unpack("<H", magic[2:4])[0], width, height, 1, 1, 1, 1,
             width, height, 0, 0, 0, 0, 0, 0]
    if checksum_fix:
        c = 0
        for v in words:
            c ^= v
        words[12] = c
    return b"".join(_u16(v) for v in words) + body


def _msp_rle_row(line):
    out = bytearray()
    i = 0
    while i < len(line):
        j = i
        while j < len(line) and j - i < 255 and line[j] == line[i]:
            j += 1
        if j - i >= 3:
            out += bytes((0, j - i, line[i]))
            i = j
        else:
            k = min(len(line), i + 3)
            out += bytes((k - i,)) + line[i:k]
            i = k
    return bytes(out)


def _write_msp_sun_spider(w):
    n = Noise(9)
    for width in (8, 13):
        w.put(f"msp_v1_w{width}.msp", _msp(b"DanM", width, 5, n.bytes(5 * ((width + 7) // 8))))
        lines = [bytes((0xFF, 0xFF)) + n.bytes((width + 7) // 8 - 2) if (width + 7) // 8 > 2 else n.bytes((width + 7) // 8)
                 for _ in range(5)]
        rows = [_msp_rle_row(l) for l in lines]
        rows[2] = b""  # an empty row is white
        w.put(f"msp_v2_w{width}.msp", _msp(b"LinS", width, 5, b"".join(_u16(len(r)) for r in rows) + b"".join(rows)))
    rows = [bytes((0, 3, 0xAA)), bytes((1, 0x0F)), bytes((0, 2, 0x11)), bytes((2, 1, 2)), bytes((0, 2, 0x33))]
    w.put("msp_v2_rows_shift.msp", _msp(b"LinS", 16, 5, b"".join(_u16(len(r)) for r in rows) + b"".join(rows)))
    rows = [bytes((5, 1, 2))] * 3
    w.put("msp_v2_literal_short.msp", _msp(b"LinS", 16, 3, b"".join(_u16(len(r)) for r in rows) + b"".join(rows)))
    w.put("msp_v2_run_cut.msp", _msp(b"LinS", 8, 1, _u16(2) + bytes((0, 3))))
    w.put("msp_v2_rowmap_truncated.msp", _msp(b"LinS", 8, 10, _u16(2)))
    w.put("msp_bad_checksum.msp", _msp(b"DanM", 8, 2, n.bytes(2), checksum_fix=False)[:24] + b"\1\0" + b"\0" * 6 + n.bytes(2))
    w.put("msp_v1_truncated.msp", _msp(b"DanM", 16, 8, n.bytes(10)))
    # Sun raster.
    def sun(width, height, depth, body, kind=1, cmap=b"", cmap_type=None):
        return struct.pack(">8I", 0x59A66A95, width, height, depth, len(body), kind,
                           (1 if cmap else 0) if cmap_type is None else cmap_type, len(cmap)) + cmap + body
    def stride(width, depth):
        return ((width * depth + 15) // 16) * 2
    for depth in (1, 4, 8, 24, 32):
        for width in (5, 8):
            w.put(f"sun_d{depth}_w{width}.ras", sun(width, 3, depth, n.bytes(3 * stride(width, depth))))
    w.put("sun_d24_rgb_type3.ras", sun(5, 3, 24, n.bytes(3 * stride(5, 24)), kind=3))
    w.put("sun_d32_rgb_type3.ras", sun(5, 3, 32, n.bytes(3 * stride(5, 32)), kind=3))
    w.put("sun_d8_cmap.ras", sun(5, 3, 8, n.bytes(3 * stride(5, 8)), cmap=n.bytes(3 * 40)))
    w.put("sun_d4_cmap.ras", sun(7, 3, 4, n.bytes(3 * stride(7, 4)), cmap=n.bytes(3 * 16)))
    w.put("sun_d8_cmap_300.ras", sun(5, 3, 8, n.bytes(3 * stride(5, 8)), cmap=n.bytes(900)))
    w.put("sun_d24_cmap_refused.ras", sun(5, 3, 24, n.bytes(3 * stride(5, 24)), cmap=n.bytes(30)))
    w.put("sun_d8_cmap_type2.ras", sun(5, 3, 8, n.bytes(3 * stride(5, 8)), cmap=n.bytes(30), cmap_type=2))
    w.put("sun_d8_cmap_too_long.ras", sun(5, 3, 8, n.bytes(3 * stride(5, 8)), cmap=n.bytes(1026)))
    rle = bytes((0x80, 0x00, 7, 0x80, 4, 9, 1, 2, 0x80, 10, 5, 3)) + n.bytes(20)
    w.put("sun_rle_d8.ras", sun(5, 4, 8, rle, kind=2))
    w.put("sun_rle_d24.ras", sun(3, 2, 24, bytes((0x80, 20, 0x42)) + n.bytes(10), kind=2))
    w.put("sun_rle_truncated.ras", sun(5, 4, 8, bytes((0x80, 4, 9, 1)), kind=2))
    w.put("sun_d16_unsupported.ras", sun(5, 3, 16, n.bytes(30)))
    w.put("sun_type6_unsupported.ras", sun(5, 3, 8, n.bytes(30), kind=6))
    w.put("sun_truncated.ras", sun(5, 3, 24, n.bytes(20)))
    w.put("sun_zero_height.ras", sun(5, 0, 8, b""))
    # SPIDER.
    def spider(width, height, values, big=True, labrec=None, iform=1.0, stack=0.0, image=0.0, extra=None):
        lenbyt = width * 4
        labrec = labrec if labrec is not None else (1024 // lenbyt + (1 if 1024 % lenbyt else 0))
        labbyt = labrec * lenbyt
        hdr = [0.0] * (labbyt // 4)
        hdr[0] = 1.0
        hdr[1] = float(height)
        hdr[2] = float(height)
        hdr[4] = iform
        hdr[11] = float(width)
        hdr[12] = float(labrec)
        hdr[21] = float(labbyt)
        hdr[22] = float(lenbyt)
        hdr[23] = stack
        hdr[25] = 1.0
        hdr[26] = image
        if extra:
            for i, v in extra.items():
                hdr[i] = v
        fmt = ">%df" if big else "<%df"
        return struct.pack(fmt % len(hdr), *hdr) + struct.pack(fmt % len(values), *values)
    vals = [((i * 37) % 300) - 20.5 for i in range(6 * 4)]
    w.put("spider_big.spider", spider(6, 4, vals))
    w.put("spider_little.spider", spider(6, 4, vals, big=False))
    w.put("spider_stack.spider", spider(6, 4, vals + vals, stack=2.0) [: 0] + spider(6, 4, [0.0] * (1032 // 4) + vals, stack=2.0))
    w.put("spider_in_stack_refused.spider", spider(6, 4, vals, image=1.0))
    w.put("spider_iform3.spider", spider(6, 4, vals, iform=3.0))
    w.put("spider_nan_stack.spider", spider(6, 4, vals, stack=float("nan")))
    w.put("spider_truncated.spider", spider(6, 4, vals)[:-8])
    w.put("spider_header_short.spider", spider(6, 4, vals)[:100])


def _save_msp_spider(w, Image):
    base = _gradient(Image, 19, 7)
    buf = io.BytesIO()
    base.convert("1").save(buf, "MSP")
    w.put("saved_msp.msp", buf.getvalue())
    for mode in ("L", "F", "RGB"):
        path = os.path.join(w.out_dir, f"saved_spider_{mode}.spider")
        im = base.convert(mode) if mode != "F" else base.convert("L").point(lambda v: v * 1.7 - 40.25, "F")
        im.save(path, "SPIDER")
        w.names.append(os.path.basename(path))


# --------------------------------------------------------------------------------------------------------
# DDS, ICNS, XPM, and files Pillow identifies but cannot decode


def _dds(width, height, pfflags, body, fourcc=b"\0\0\0\0", bitcount=0, masks=(0, 0, 0, 0), dx10=None,
         header_size=124):
    header = struct.pack("<4sIIIIIII", b"DDS ", header_size, 0x1007, height, width, 0, 0, 0) + b"\0" * 44
    header += struct.pack("<II4sI4I", 32, pfflags, fourcc, bitcount, *masks) + struct.pack("<5I", 0x1000, 0, 0, 0, 0)
    if dx10 is not None:
        header += struct.pack("<5I", dx10, 3, 0, 1, 0)
    return header + body


def _write_dds_icns_xpm(w):
    n = Noise(10)
    W, H = 9, 6
    w.put("dds_l.dds", _dds(W, H, 0x20000, n.bytes(W * H), bitcount=8, masks=(0xFF, 0, 0, 0)))
    w.put("dds_la.dds", _dds(W, H, 0x20001, n.bytes(2 * W * H), bitcount=16, masks=(0xFF, 0, 0, 0xFF00)))
    for label, masks, flags in (
        ("bgr", (0xFF0000, 0xFF00, 0xFF, 0), 0x40),
        ("rgb", (0xFF, 0xFF00, 0xFF0000, 0), 0x40),
        ("bgra", (0xFF0000, 0xFF00, 0xFF, 0xFF000000), 0x41),
        ("rgba", (0xFF, 0xFF00, 0xFF0000, 0xFF000000), 0x41),
        ("argb", (0xFF00, 0xFF0000, 0xFF000000, 0xFF), 0x41),
        ("abgr", (0xFF000000, 0xFF0000, 0xFF00, 0xFF), 0x41),
        ("grb_refused", (0xFF00, 0xFF0000, 0xFF, 0), 0x40),
        ("missing_mask", (0xFF0000, 0xFF00, 0xF0, 0), 0x40),
    ):
        bits = 32 if flags & 1 else 24
        w.put(f"dds_{label}.dds", _dds(W, H, flags, n.bytes(W * H * bits // 8), bitcount=bits, masks=masks))
    w.put("dds_rgb_bitcount32_no_alpha.dds", _dds(W, H, 0x40, n.bytes(W * H * 4), bitcount=32, masks=(0xFF0000, 0xFF00, 0xFF, 0)))
    for fourcc, block in ((b"DXT1", 8), (b"DXT3", 16), (b"DXT5", 16), (b"ATI1", 8), (b"ATI2", 16), (b"BC5S", 16)):
        for width, height in ((8, 8), (9, 6), (3, 2)):
            blocks = ((width + 3) // 4) * ((height + 3) // 4)
            w.put(f"dds_{fourcc.decode().lower()}_{width}x{height}.dds",
                  _dds(width, height, 0x4, n.bytes(blocks * block), fourcc=fourcc))
    # DXT1 blocks with c0 <= c1 (three colours and transparent black).
    w.put("dds_dxt1_punchthrough.dds", _dds(4, 4, 0x4, b"\x00\x10\x00\xf0" + n.bytes(4), fourcc=b"DXT1"))
    for dxgi, label in ((98, "bc7"), (99, "bc7_srgb"), (83, "bc5"), (84, "bc5s"), (28, "rgba"), (95, "bc6h"),
                        (96, "bc6h_signed")):
        body = n.bytes(9 * 4 * 4 if dxgi != 28 else 9 * 6 * 4) if dxgi != 28 else n.bytes(W * H * 4)
        w.put(f"dds_dx10_{label}.dds", _dds(W, H, 0x4, body, fourcc=b"DX10", dx10=dxgi))
    bc7 = b"".join(bytes((1 << (i % 8),)) + n.bytes(15) for i in range(16)) + bytes(16)
    w.put("dds_dx10_bc7_all_modes.dds", _dds(16, 4, 0x4, bc7[:16 * 4] + bc7[64:], fourcc=b"DX10", dx10=98)[:0]
          + _dds(20, 4, 0x4, bc7, fourcc=b"DX10", dx10=98))
    # Every BC6H mode (the low bits of the first byte), unsigned and signed.
    bc6 = b"".join(bytes(((m << 2 | 2) if m < 8 else (m - 8) << 2 | 3,)) + n.bytes(15) for m in range(16))
    bc6 += b"".join(bytes((m,)) + n.bytes(15) for m in (0, 1, 4, 5))
    w.put("dds_dx10_bc6h_all_modes.dds", _dds(40, 8, 0x4, bc6, fourcc=b"DX10", dx10=95))
    w.put("dds_dx10_bc6h_signed_all_modes.dds", _dds(40, 8, 0x4, bc6, fourcc=b"DX10", dx10=96))
    w.put("dds_dx10_unknown.dds", _dds(W, H, 0x4, n.bytes(200), fourcc=b"DX10", dx10=71))
    w.put("dds_unknown_fourcc.dds", _dds(W, H, 0x4, n.bytes(200), fourcc=b"ABCD"))
    w.put("dds_dxt1_truncated.dds", _dds(8, 8, 0x4, n.bytes(20), fourcc=b"DXT1"))
    w.put("dds_raw_truncated.dds", _dds(W, H, 0x40, n.bytes(20), bitcount=24, masks=(0xFF0000, 0xFF00, 0xFF, 0)))
    w.put("dds_header_size_100.dds", _dds(W, H, 0x40, n.bytes(200), header_size=100))
    w.put("dds_header_truncated.dds", _dds(W, H, 0x40, b"")[:60])
    w.put("dds_zero_width.dds", _dds(0, H, 0x40, n.bytes(20), bitcount=24, masks=(0xFF0000, 0xFF00, 0xFF, 0)))
    # ICNS.
    def icns(elements, total=None):
        body = b"".join(code + struct.pack(">I", len(data) + 8) + data for code, data in elements)
        return b"icns" + struct.pack(">I", total if total is not None else 8 + len(body)) + body

    def packbits_channel(values):
        out = bytearray()
        i = 0
        while i < len(values):
            j = i
            while j < len(values) and j - i < 130 and values[j] == values[i]:
                j += 1
            if j - i >= 3:
                out += bytes((0x80 + j - i - 3, values[i]))
                i = j
            else:
                k = min(len(values), i + 128)
                out += bytes((k - i - 1,)) + bytes(values[i:k])
                i = k
        return bytes(out)

    def rle_rgb(size):
        return b"".join(packbits_channel([(v // 64) * 64 for v in n.bytes(size * size)]) for _ in range(3))

    w.put("icns_is32_s8mk.icns", icns([(b"is32", rle_rgb(16)), (b"s8mk", n.bytes(256))]))
    w.put("icns_is32_raw.icns", icns([(b"is32", n.bytes(16 * 16 * 3))]))
    w.put("icns_il32_l8mk_is32.icns", icns([(b"is32", rle_rgb(16)), (b"il32", rle_rgb(32)), (b"l8mk", n.bytes(1024))]))
    w.put("icns_it32_t8mk.icns", icns([(b"it32", b"\0\0\0\0" + rle_rgb(128)), (b"t8mk", n.bytes(128 * 128))]))
    w.put("icns_it32_bad_signature.icns", icns([(b"it32", b"\1\0\0\0" + rle_rgb(128))]))
    w.put("icns_ih32_no_mask.icns", icns([(b"ih32", rle_rgb(48))]))
    w.put("icns_mask_only.icns", icns([(b"s8mk", n.bytes(256))]))
    w.put("icns_png_icp4.icns", icns([(b"icp4", _png_rgba(16, 16, n)), (b"is32", rle_rgb(16))]))
    w.put("icns_png_ic11_retina.icns", icns([(b"ic11", _png_rgba(32, 32, n)), (b"is32", rle_rgb(16))]))
    w.put("icns_png_wrong_size.icns", icns([(b"icp4", _png_rgba(15, 16, n))]))
    w.put("icns_png_broken_rgb_same_size.icns", icns([(b"icp5", _png_rgba(32, 32, n)), (b"il32", b"\x05\x01")]))
    w.put("icns_jpeg2000.icns", icns([(b"ic08", b"\x00\x00\x00\x0cjP  \x0d\x0a\x87\x0a" + n.bytes(40))]))
    w.put("icns_unknown_element_format.icns", icns([(b"ic08", n.bytes(40))]))
    w.put("icns_rle_short.icns", icns([(b"is32", rle_rgb(16)[:100])]))
    w.put("icns_rle_overshoot.icns", icns([(b"is32", bytes((0xFF, 1)) * 4 + rle_rgb(16))]))
    w.put("icns_no_icons.icns", icns([(b"TOC ", n.bytes(8))]))
    w.put("icns_directory_truncated.icns", icns([(b"is32", rle_rgb(16))], total=5000))
    w.put("icns_zero_block.icns", b"icns" + struct.pack(">I", 24) + b"is32" + struct.pack(">I", 0) + n.bytes(8))
    w.put("icns_small_blocks.icns", b"icns" + struct.pack(">I", 40) + b"abcd" + struct.pack(">I", 3) + n.bytes(40))
    # XPM.
    def xpm(width, height, colors, rows, extra_header=b""):
        out = b"/* XPM */\nstatic char *test[] = {\n" + extra_header + b'"%d %d %d 1",\n' % (width, height, len(colors))
        out += b"".join(b'"%s",\n' % c for c in colors)
        out += b"".join(b'"%s",\n' % r for r in rows) + b"};\n"
        return out
    colors = [b". c #ff0000", b"# c #00FF00", b"a c None", b"b s sym c #0x12_34_56", b"c m white c #123"]
    rows = [bytes(b".#abc"[(x + y) % 5] for x in range(7)) for y in range(4)]
    w.put("xpm_basic.xpm", xpm(7, 4, colors, rows))
    w.put("xpm_short_rows.xpm", xpm(7, 4, colors, [r[:3] for r in rows[:3]]))
    w.put("xpm_crlf.xpm", xpm(7, 4, colors, rows).replace(b"\n", b"\r\n"))
    w.put("xpm_comment_lines.xpm", xpm(7, 4, colors, rows, extra_header=b"/* columns rows colors chars */\n"))
    w.put("xpm_color_name.xpm", xpm(2, 1, [b". c red"], [b".."]))
    w.put("xpm_two_chars.xpm", b'/* XPM */\n"2 1 1 2",\n".. c #ffffff",\n"....",\n')
    w.put("xpm_too_many_colors.xpm", b'/* XPM */\n"2 1 300 1",\n')
    w.put("xpm_empty_number.xpm", b'/* XPM */\n" 1 1 1",\n". c #fff",\n".",\n')
    w.put("xpm_no_color_key.xpm", xpm(2, 1, [b". s sym"], [b".."]))
    w.put("xpm_key_without_value.xpm", xpm(2, 1, [b". c"], [b".."]))
    w.put("xpm_bad_hex.xpm", xpm(2, 1, [b". c #zz"], [b".."]))
    w.put("xpm_negative_hex.xpm", xpm(2, 1, [b". c #-10"], [b".."]))
    w.put("xpm_no_values.xpm", b"/* XPM */\nstatic char *x[] = {\n};\n")
    w.put("xpm_short_color_line.xpm", b'/* XPM */\n"2 1 1 1",\n"\n')
    w.put("xpm_zero_width.xpm", xpm(0, 1, colors, rows))
    # Files Pillow identifies but refuses to decode.
    w.put("stub_bufr.bufr", b"BUFR" + n.bytes(40))
    w.put("stub_grib.grib", b"GRIB" + b"\0\0\0\1" + n.bytes(40))
    w.put("stub_hdf5.h5", b"\x89HDF\r\n\x1a\n" + n.bytes(40))
    wmf = b"\xd7\xcd\xc6\x9a\x00\x00" + struct.pack("<hhhhH", 0, 0, 100, 50, 72) + b"\0" * 6 + b"\x01\x00\t\x00" + n.bytes(60)
    w.put("stub_wmf.wmf", wmf)
    emf = struct.pack("<IIiiiiiiii", 1, 88, 0, 0, 100, 50, 0, 0, 2000, 1000) + b" EMF" + n.bytes(60)
    w.put("stub_emf.emf", emf)
    w.put("stub_mpeg.mpg", b"\x00\x00\x01\xb3\x14\x00\xf0" + n.bytes(40))


def _save_dds_icns(w, Image):
    base = _gradient(Image, 13, 10)
    for mode in ("L", "LA", "RGB", "RGBA"):
        buf = io.BytesIO()
        base.convert(mode).save(buf, "DDS")
        w.put(f"saved_dds_{mode}.dds", buf.getvalue())
    big = _gradient(Image, 64, 64)
    buf = io.BytesIO()
    big.save(buf, "ICNS")
    w.put("saved_icns.icns", buf.getvalue())


# --------------------------------------------------------------------------------------------------------
# PSD


def _packbits(row):
    out = bytearray()
    i = 0
    while i < len(row):
        j = i
        while j < len(row) and j - i < 128 and row[j] == row[i]:
            j += 1
        if j - i >= 2:
            out += bytes((257 - (j - i), row[i]))
            i = j
        else:
            k = min(len(row), i + 128)
            out += bytes((k - i - 1,)) + row[i:k]
            i = k
    return bytes(out)


def _psd(width, height, mode, channels, planes, bits=8, compression=0, color_data=b"", resources=b"",
         layers=b"", file_channels=None):
    """planes: one bytes object per channel (rows of the channel)."""
    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, file_channels or channels, height, width, bits, mode)
    body = struct.pack(">I", len(color_data)) + color_data + struct.pack(">I", len(resources)) + resources
    body += struct.pack(">I", len(layers)) + layers
    if compression == 0:
        data = struct.pack(">H", 0) + b"".join(planes)
    else:
        stride = (width * bits + 7) // 8
        rows = [[_packbits(p[y * stride : (y + 1) * stride]) for y in range(height)] for p in planes]
        counts = b"".join(struct.pack(">H", len(r)) for channel in rows for r in channel)
        data = struct.pack(">H", 1) + counts + b"".join(r for channel in rows for r in channel)
    return header + body + data


def _psd_layer_block(layers, ct=None):
    """layers: list of (bbox, channel ids, compression, channel data list)."""
    records = b""
    data = b""
    for (y0, x0, y1, x1), ids, compression, planes in layers:
        records += struct.pack(">IIIIH", y0, x0, y1, x1, len(ids))
        for cid, plane in zip(ids, planes):
            records += struct.pack(">hI", cid, 2 + len(plane))
        records += b"8BIMnorm" + bytes((255, 0, 0, 0))
        name = b"layer"
        extra = struct.pack(">I", 0) + struct.pack(">I", 0) + bytes((len(name),)) + name + b"\0\0"
        records += struct.pack(">I", len(extra)) + extra
        for plane in planes:
            data += struct.pack(">H", compression) + plane
    block = struct.pack(">h", len(layers) if ct is None else ct) + records + data
    if len(block) % 2:
        block += b"\0"
    return struct.pack(">I", len(block)) + block + struct.pack(">I", 0)


def _write_psd(w):
    n = Noise(11)
    W, H = 7, 5
    def planes(count, bits=8):
        stride = (W * bits + 7) // 8
        return [bytes(v & 0xF0 for v in n.bytes(stride * H)) for _ in range(count)]
    for compression in (0, 1):
        c = f"c{compression}"
        w.put(f"psd_rgb_{c}.psd", _psd(W, H, 3, 3, planes(3), compression=compression))
        w.put(f"psd_rgba_{c}.psd", _psd(W, H, 3, 4, planes(4), compression=compression))
        w.put(f"psd_rgb_5ch_{c}.psd", _psd(W, H, 3, 5, planes(5), compression=compression))
        w.put(f"psd_gray_{c}.psd", _psd(W, H, 1, 1, planes(1), compression=compression))
        w.put(f"psd_gray_2ch_{c}.psd", _psd(W, H, 1, 2, planes(2), compression=compression))
        w.put(f"psd_cmyk_{c}.psd", _psd(W, H, 4, 4, planes(4), compression=compression))
        w.put(f"psd_bitmap_{c}.psd", _psd(W, H, 0, 1, planes(1, bits=1), bits=1, compression=compression))
        w.put(f"psd_indexed_{c}.psd", _psd(W, H, 2, 1, planes(1), color_data=n.bytes(768), compression=compression))
        w.put(f"psd_duotone_{c}.psd", _psd(W, H, 8, 1, planes(1), color_data=n.bytes(40), compression=compression))
        w.put(f"psd_multichannel_{c}.psd", _psd(W, H, 7, 3, planes(3), compression=compression))
    w.put("psd_indexed_short_table.psd", _psd(W, H, 2, 1, planes(1), color_data=n.bytes(300)))
    w.put("psd_lab.psd", _psd(W, H, 9, 3, planes(3)))
    w.put("psd_16bit_refused.psd", _psd(W, H, 3, 3, [p + p for p in planes(3)], bits=16))
    w.put("psd_zip_compression.psd", _psd(W, H, 3, 3, planes(3))[:0] or
          (lambda d: d[: len(d) - 3 * W * H - 2] + struct.pack(">H", 2) + d[len(d) - 3 * W * H:])(_psd(W, H, 3, 3, planes(3))))
    w.put("psd_not_enough_channels.psd", _psd(W, H, 3, 3, planes(3), file_channels=2))
    resources = b"8BIM" + struct.pack(">H", 1005) + b"\x03abc" + struct.pack(">I", 5) + b"12345\0"
    resources += b"8BIM" + struct.pack(">H", 1039) + b"\0\0" + struct.pack(">I", 4) + b"icc!"
    w.put("psd_resources.psd", _psd(W, H, 3, 3, planes(3), resources=resources))
    w.put("psd_resources_overrun.psd", _psd(W, H, 3, 3, planes(3), resources=resources)[:80])
    rgb_layer = ((0, 0, 3, 4), [0, 1, 2, -1], 0, [n.bytes(12) for _ in range(4)])
    gray_layer = ((1, 1, 3, 3), [0], 1, [struct.pack(">HH", 2, 2) + _packbits(b"\5\5") + _packbits(b"\6\7")])
    w.put("psd_layers.psd", _psd(W, H, 3, 3, planes(3), compression=1, layers=_psd_layer_block([rgb_layer, gray_layer])))
    w.put("psd_layer_with_mask.psd",
          _psd(W, H, 3, 3, planes(3), layers=_psd_layer_block([((0, 0, 2, 2), [0, 1, 2, -2], 0, [n.bytes(4)] * 4)])))
    w.put("psd_layer_two_channels.psd",
          _psd(W, H, 3, 3, planes(3), layers=_psd_layer_block([((0, 0, 2, 2), [0, 1], 0, [n.bytes(4)] * 2)])))
    w.put("psd_layer_count_too_big.psd", _psd(W, H, 3, 3, planes(3), layers=_psd_layer_block([rgb_layer], ct=50)))
    w.put("psd_layer_negative_count.psd", _psd(W, H, 3, 3, planes(3), layers=_psd_layer_block([rgb_layer], ct=-1)))
    w.put("psd_truncated_c0.psd", _psd(W, H, 3, 3, planes(3))[:-10])
    w.put("psd_truncated_c1.psd", _psd(W, H, 3, 3, planes(3), compression=1)[:-10])
    w.put("psd_counts_truncated.psd", _psd(W, H, 3, 3, planes(3), compression=1)[: 26 + 12 + 2 + 10])
    w.put("psd_version2.psd", b"8BPS\0\2" + _psd(W, H, 3, 3, planes(3))[6:])
    w.put("psd_zero_width.psd", _psd(0, H, 3, 3, [b""] * 3))
    w.put("psd_header_short.psd", _psd(W, H, 3, 3, planes(3))[:20])
    w.put("psd_packbits_lying_counts.psd",
          (lambda d: d[:40] + b"\0\1" * 15 + d[70:])(_psd(W, H, 3, 3, planes(3), compression=1)))


# --------------------------------------------------------------------------------------------------------
# GBR, PIXAR, XV thumbnail, McIdas, FTEX


def _write_rare(w):
    n = Noise(12)
    def gbr(width, height, depth, version=2, comment=b"brush\0", header_size=None, magic=b"GIMP", body=None):
        fixed = 28 if version == 2 else 20
        size = header_size if header_size is not None else fixed + len(comment)
        header = struct.pack(">5I", size, version, width, height, depth)
        if version == 2:
            header += magic + struct.pack(">I", 25)
        return header + comment + (body if body is not None else n.bytes(width * height * depth))
    w.put("gbr_v2_gray.gbr", gbr(6, 4, 1))
    w.put("gbr_v2_rgba.gbr", gbr(6, 4, 4))
    w.put("gbr_v1_gray.gbr", gbr(6, 4, 1, version=1))
    w.put("gbr_short_header_size.gbr", gbr(6, 4, 1, header_size=22))
    w.put("gbr_bad_magic.gbr", gbr(6, 4, 1, magic=b"PIMG"))
    w.put("gbr_depth3.gbr", gbr(6, 4, 3))
    w.put("gbr_truncated.gbr", gbr(6, 4, 4)[:-5])
    pixar = bytearray(1024)
    pixar[0:4] = b"\x80\xe8\x00\x00"
    struct.pack_into("<HHHHHH", pixar, 416, 5, 7, 0, 0, 14, 2)
    w.put("pixar_rgb.pxr", bytes(pixar) + n.bytes(5 * 7 * 3))
    w.put("pixar_truncated.pxr", bytes(pixar) + n.bytes(20))
    other = bytearray(pixar)
    struct.pack_into("<HH", other, 424, 14, 1)
    w.put("pixar_other_layout.pxr", bytes(other) + n.bytes(200))
    w.put("xvthumb.xvthumb", b"P7 332\n#XVVERSION:Version 2.28\n#IMGINFO:\n#END_OF_COMMENTS\n6 4 255\n" + n.bytes(24))
    w.put("xvthumb_truncated.xvthumb", b"P7 332\n#END_OF_COMMENTS\n6 4 255\n" + n.bytes(10))
    w.put("xvthumb_bad_number.xvthumb", b"P7 332\n#END_OF_COMMENTS\nx 4 255\n" + n.bytes(24))
    w.put("xvthumb_one_number.xvthumb", b"P7 332\n#END_OF_COMMENTS\n6\n" + n.bytes(24))
    def mcidas(width, height, kind, offset=256, prefix=0, band_count=1, body=None):
        words = [0] * 64
        words[1] = 4
        words[8] = height
        words[9] = width
        words[10] = kind
        words[13] = band_count
        words[14] = prefix
        words[33] = offset
        head = struct.pack(">64i", *words)
        stride = prefix + width * kind * band_count
        return head + (body if body is not None else n.bytes(prefix + stride * height))
    w.put("mcidas_8bit.area", mcidas(6, 4, 1))
    w.put("mcidas_8bit_prefix.area", mcidas(6, 4, 1, prefix=3))
    w.put("mcidas_16bit.area", mcidas(6, 4, 2))
    w.put("mcidas_32bit.area", mcidas(6, 4, 4))
    w.put("mcidas_8bit_zero_bands.area", mcidas(6, 4, 1, band_count=0, body=n.bytes(40)))
    w.put("mcidas_16bit_zero_bands.area", mcidas(6, 4, 2, band_count=0, body=n.bytes(60)))
    w.put("mcidas_truncated.area", mcidas(6, 4, 2)[:-7])
    w.put("mcidas_kind3.area", mcidas(6, 4, 3))
    def ftex(width, height, fmt, data, count=1):
        return b"FTEX" + struct.pack("<iiiiiii", 1, width, height, 1, count, fmt, 32) + struct.pack("<i", len(data)) + data
    w.put("ftex_rgb.ftu", ftex(5, 3, 1, n.bytes(45)))
    w.put("ftex_dxt1.ftc", ftex(6, 5, 0, n.bytes(8 * 4)))
    w.put("ftex_dxt1_truncated.ftc", ftex(8, 8, 0, n.bytes(20)))
    w.put("ftex_two_formats.ftu", ftex(5, 3, 1, n.bytes(45), count=2))
    w.put("ftex_format2.ftu", ftex(5, 3, 2, n.bytes(45)))
    w.put("ftex_zero_width.ftu", ftex(0, 3, 1, n.bytes(45)))
    w.put("ftex_negative_size.ftu", ftex(5, 3, 1, n.bytes(45))[:32] + struct.pack("<i", -7) + n.bytes(45))
    w.put("ftex_size_minus_one.ftu", ftex(5, 3, 1, n.bytes(45))[:32] + struct.pack("<i", -1) + n.bytes(45))
    w.put("gbr_v1_header_19.gbr", gbr(6, 4, 1, version=1, header_size=20, comment=b""))


# --------------------------------------------------------------------------------------------------------
# FLI / FLC


def _fli_chunk(kind, payload):
    data = struct.pack("<IH", 6 + len(payload), kind) + payload
    return data


def _fli(width, height, chunks, magic=0xAF12, frames=1, prefix=None, extra=b""):
    body = b"".join(chunks)
    frame = struct.pack("<IHH8x", 16 + len(body), 0xF1FA, len(chunks)) + body
    header = struct.pack("<IHHHHHHI", 128 + len(frame), magic, frames, width, height, 8, 3, 5) + b"\0" * 108
    head = header[:128]
    if prefix is not None:
        head += struct.pack("<IH10x", 16 + len(prefix), 0xF100) + prefix
    return head + frame + extra


def _fli_brun(width, height, noise):
    out = b""
    for _ in range(height):
        line = b"\0"
        x = 0
        while x < width:
            if x % 3 == 0 and width - x >= 3:
                line += bytes((3, noise.byte()))
                x += 3
            else:
                count = min(2, width - x)
                line += bytes((256 - count,)) + noise.bytes(count)
                x += count
        out += line
    return out


def _write_fli(w):
    n = Noise(13)
    W, H = 10, 6
    color256 = struct.pack("<H", 2) + bytes((0, 4)) + n.bytes(12) + bytes((10, 100)) + n.bytes(300)
    full256 = struct.pack("<H", 1) + bytes((0, 0)) + n.bytes(768)
    color64 = struct.pack("<H", 1) + bytes((5, 20)) + bytes(v & 63 for v in n.bytes(60))
    brun = _fli_chunk(15, _fli_brun(W, H, n))
    w.put("fli_brun.flc", _fli(W, H, [_fli_chunk(4, color256), brun]))
    w.put("fli_brun_color64.fli", _fli(W, H, [_fli_chunk(11, color64), brun], magic=0xAF11))
    w.put("fli_copy.flc", _fli(W, H, [_fli_chunk(4, color256), _fli_chunk(16, n.bytes(W * H))]))
    w.put("fli_black.flc", _fli(W, H, [_fli_chunk(13, b"")]))
    w.put("fli_full_palette.flc", _fli(W, H, [_fli_chunk(4, full256), brun]))
    w.put("fli_palette_skip_overflow.flc", _fli(W, H, [_fli_chunk(4, struct.pack("<H", 2) + bytes((0, 4)) + n.bytes(12) + bytes((10, 0)) + n.bytes(768)), brun]))
    lc = struct.pack("<HH", 1, 2) + bytes((2, 1, 3)) + n.bytes(3) + bytes((0, 0xFE, 9)) + bytes((1, 0, 2)) + n.bytes(2)
    w.put("fli_lc.fli", _fli(W, H, [_fli_chunk(4, color256), _fli_chunk(12, lc + b"\0")], magic=0xAF11))
    ss2 = struct.pack("<H", 2) + struct.pack("<HH", 0xFFFF, 2) + bytes((1, 2)) + n.bytes(4) + bytes((0, 0xFF)) + n.bytes(2)
    ss2 += struct.pack("<HH", 0x8042, 1) + bytes((2, 1)) + n.bytes(2)
    w.put("fli_ss2.flc", _fli(W, H, [_fli_chunk(7, ss2)]))
    w.put("fli_lc_past_image.fli", _fli(W, H, [_fli_chunk(12, struct.pack("<HH", 4, 5) + b"\0" * 5)]))
    w.put("fli_pstamp_then_brun.flc", _fli(W, H, [_fli_chunk(18, n.bytes(20)), brun]))
    w.put("fli_unknown_chunk.flc", _fli(W, H, [_fli_chunk(99, n.bytes(4))]))
    w.put("fli_copy_short.flc", _fli(W, H, [_fli_chunk(16, n.bytes(20))]))
    w.put("fli_brun_short.flc", _fli(W, H, [_fli_chunk(15, _fli_brun(W, H, n)[:30])]))
    w.put("fli_truncated.flc", _fli(W, H, [brun])[:-8])
    w.put("fli_prefix_chunk.flc", _fli(W, H, [brun], prefix=n.bytes(16)))
    w.put("fli_no_frames.flc", _fli(W, H, [brun], frames=0))
    w.put("fli_zero_width.flc", _fli(0, H, [brun]))
    w.put("fli_bad_flags.flc", _fli(W, H, [brun])[:14] + b"\x01\x00" + _fli(W, H, [brun])[16:])
    w.put("fli_palette_overflow.flc", _fli(W, H, [_fli_chunk(4, struct.pack("<H", 1) + bytes((250, 10)) + n.bytes(30)), brun]))
    w.put("fli_two_frames.flc", _fli(W, H, [brun], frames=2, extra=struct.pack("<IHH8x", 16, 0xF1FA, 0)))


# --------------------------------------------------------------------------------------------------------
# IM (IFUNC)


def _im(lines, body, pad=True, eol=b"\r\n"):
    header = b"".join(l + eol for l in lines)
    if pad:
        header += b"\0" * max(0, 511 - len(header))
    return header + b"\x1a" + body


def _write_im(w):
    n = Noise(14)
    W, H = 6, 4
    def lines(kind, extra=()):
        return [b"Image type: " + kind + b" image", b"Name: hand", b"Image size (x*y): %d*%d" % (W, H),
                b"File size (no of images): 1"] + list(extra)
    w.put("im_gray.im", _im(lines(b"Greyscale"), n.bytes(W * H)))
    w.put("im_1bit.im", _im(lines(b"0 1"), n.bytes(H)))
    w.put("im_rgb_planar.im", _im(lines(b"RGB"), n.bytes(3 * W * H)))
    w.put("im_rgba_planar.im", _im(lines(b"RGBA"), n.bytes(4 * W * H)))
    w.put("im_cmyk_planar.im", _im(lines(b"CMYK"), n.bytes(4 * W * H)))
    w.put("im_x24.im", _im(lines(b"X 24"), n.bytes(3 * W * H)))
    w.put("im_rgb3_old.im", _im(lines(b"RGB3"), n.bytes(3 * W * H)))
    w.put("im_b2.im", _im(lines(b"B2"), n.bytes(2 * H)))
    w.put("im_b4_colour_lut.im", _im(lines(b"B4", [b"Lut: 1"]), n.bytes(768) + n.bytes(W * H)))
    w.put("im_gray_colour_lut.im", _im(lines(b"Greyscale", [b"Lut: 1"]), n.bytes(768) + n.bytes(W * H)))
    gray_lut = bytes(255 - i for i in range(256)) * 3
    w.put("im_gray_gray_lut.im", _im(lines(b"Greyscale", [b"Lut: 1"]), gray_lut + n.bytes(W * H)))
    w.put("im_la_colour_lut.im", _im(lines(b"LA", [b"Lut: 1"]), n.bytes(768) + n.bytes(2 * W * H)))
    w.put("im_pa_no_lut.im", _im(lines(b"PA"), n.bytes(2 * W * H)))
    w.put("im_lut_short.im", _im(lines(b"Greyscale", [b"Lut: 1"]), n.bytes(100)))
    w.put("im_l16b.im", _im(lines(b"L 16B"), n.bytes(2 * W * H)))
    w.put("im_l16.im", _im(lines(b"L 16"), n.bytes(2 * W * H)))
    w.put("im_l32s.im", _im(lines(b"L 32S"), n.bytes(4 * W * H)))
    w.put("im_l32_s_space.im", _im(lines(b"L 32 S"), n.bytes(4 * W * H)))
    w.put("im_l32f.im", _im(lines(b"L 32F"), struct.pack("<24f", *[i * 13.5 - 40 for i in range(24)])))
    w.put("im_l32_f_int.im", _im(lines(b"L 32 F"), n.bytes(4 * W * H)))
    for kind in (b"L 8", b"L 8S", b"L 16S", b"L*8", b"L*16", b"L*32"):
        label = kind.decode().replace(" ", "_").replace("*", "star")
        w.put(f"im_f_{label}.im", _im(lines(kind), n.bytes(4 * W * H)))
    w.put("im_ycc.im", _im(lines(b"YCC"), n.bytes(3 * W * H)))
    w.put("im_unknown_type.im", _im(lines(b"Purple"), n.bytes(3 * W * H)))
    w.put("im_default_size_and_mode.im", _im([b"Name: defaults"], n.bytes(512 * 512)))
    w.put("im_unix_lines.im", _im(lines(b"Greyscale"), n.bytes(W * H), eol=b"\n"))
    w.put("im_lf_cr_lines.im", _im(lines(b"Greyscale"), n.bytes(W * H), eol=b"\n\r"))
    w.put("im_blank_line.im", _im(lines(b"Greyscale")[:2] + [b""] + lines(b"Greyscale")[2:], n.bytes(W * H)))
    w.put("im_long_line.im", _im(lines(b"Greyscale", [b"Comment: " + b"x" * 100]), n.bytes(W * H)))
    w.put("im_bad_line.im", _im(lines(b"Greyscale", [b"no colon here"]), n.bytes(W * H)))
    w.put("im_float_size.im", _im([b"Image type: Greyscale image", b"Image size (x*y): 6.0*4"], n.bytes(W * H)))
    w.put("im_one_number_size.im", _im([b"Image type: Greyscale image", b"Image size (x*y): 24"], n.bytes(W * H)))
    w.put("im_bad_number.im", _im([b"Image type: Greyscale image", b"Scale (x,y): one*two"], n.bytes(W * H)))
    w.put("im_spaced_numbers.im", _im([b"Image type: Greyscale image", b"Image size (x*y):  6 * 4 ",
                                       b"Scale (x,y): 1e3,-inf"], n.bytes(W * H)))
    w.put("im_no_tags.im", _im([b"Foo: bar"], n.bytes(W * H)))
    w.put("im_empty_type.im", _im([b"Image type: ", b"Image size (x*y): 6*4"], n.bytes(W * H)))
    w.put("im_no_terminator.im", b"Image type: Greyscale image\r\nImage size (x*y): 6*4\r\n")
    w.put("im_truncated.im", _im(lines(b"RGB"), n.bytes(3 * W * H - 5)))
    w.put("im_nul_then_data.im", _im(lines(b"Greyscale"), n.bytes(W * H), pad=False)[:0]
          + b"Image type: Greyscale image\r\nImage size (x*y): 6*4\r\n\0\0\0junk\x1a" + n.bytes(W * H))


def _save_im(w, Image):
    base = _gradient(Image, 17, 9)
    variants = {
        "1": base.convert("1"),
        "L": base.convert("L"),
        "LA": base.convert("LA"),
        "P": base.convert("RGB").convert("P", palette=Image.ADAPTIVE, colors=60),
        "PA": base.convert("RGB").convert("P", palette=Image.ADAPTIVE, colors=60).convert("PA"),
        "I": base.convert("L").point(lambda v: v * 300 - 5000, "I"),
        "I;16": base.convert("L").point(lambda v: v * 200, "I").convert("I;16"),
        "F": base.convert("L").point(lambda v: v * 1.5 - 20, "F"),
        "RGB": base.convert("RGB"),
        "RGBA": base,
        "RGBX": base.convert("RGBX"),
        "CMYK": base.convert("CMYK"),
        "YCbCr": base.convert("RGB").convert("YCbCr"),
    }
    for mode, im in variants.items():
        path = os.path.join(w.out_dir, f"saved_im_{mode.replace(';', '_')}.im")
        im.save(path, "IM")
        w.names.append(os.path.basename(path))
    gray = Image.new("P", (5, 3), 3)
    gray.putpalette(bytes(i for i in range(256) for _ in range(3)))
    path = os.path.join(w.out_dir, "saved_im_P_gray_palette.im")
    gray.save(path, "IM")
    w.names.append(os.path.basename(path))


# --------------------------------------------------------------------------------------------------------


def write(out_dir):
    """Writes the hand-made files into out_dir; returns their names."""
    w = _Writer(out_dir)
    _write_bmp(w)
    _write_gif(w)
    _write_tga(w)
    _write_ico(w)
    _write_ppm(w)
    _write_pcx(w)
    _write_sgi(w)
    _write_xbm(w)
    _write_msp_sun_spider(w)
    _write_dds_icns_xpm(w)
    _write_psd(w)
    _write_rare(w)
    _write_fli(w)
    _write_im(w)
    return w.names


def write_saved(out_dir):
    """Writes the files Pillow itself saves in these formats (every relevant option); returns their names."""
    from PIL import Image

    w = _Writer(out_dir)
    _save_bmp(w, Image)
    _save_gif(w, Image)
    _save_tga(w, Image)
    _save_ico(w, Image)
    _save_ppm(w, Image)
    _save_pcx(w, Image)
    _save_sgi(w, Image)
    _save_xbm(w, Image)
    _save_msp_spider(w, Image)
    _save_dds_icns(w, Image)
    _save_im(w, Image)
    return w.names
