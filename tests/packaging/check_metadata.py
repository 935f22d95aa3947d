#!/usr/bin/env python3
"""Checks what software centres read from the package: the AppStream metainfo validates (appstreamcli,
pedantic, without the network), every screenshot it lists is a PNG in docs/ of the size it states, and the
desktop entry validates with exactly one main category.

Usage: check_metadata.py SOURCE_DIR. Exit status 1 with the problems listed, 0 when all hold.
"""
import pathlib
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

MAIN_CATEGORIES = {"AudioVideo", "Audio", "Video", "Development", "Education", "Game", "Graphics",
                   "Network", "Office", "Science", "Settings", "System", "Utility"}


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def main():
    source = pathlib.Path(sys.argv[1])
    metainfo = source / "packaging" / "io.github.resnet_lens.metainfo.xml"
    desktop = source / "packaging" / "resnet-lens.desktop"
    problems = []

    run = subprocess.run(["appstreamcli", "validate", "--pedantic", "--no-net", str(metainfo)],
                         capture_output=True, text=True)
    if run.returncode != 0:
        problems.append("appstreamcli validate:\n" + run.stdout + run.stderr)

    images = ET.parse(metainfo).getroot().findall("./screenshots/screenshot/image")
    if not images:
        problems.append("the metainfo lists no screenshot")
    for image in images:
        url = image.text.strip()
        if "/raw/main/" not in url:
            problems.append(f"{url}: not a file of the repository's main branch")
            continue
        path = source / url.split("/raw/main/", 1)[1]
        if not path.is_file():
            problems.append(f"{url}: {path.relative_to(source)} does not exist")
            continue
        stated = (int(image.get("width", 0)), int(image.get("height", 0)))
        if png_size(path) != stated:
            problems.append(f"{path.relative_to(source)}: {png_size(path)}, the metainfo says {stated}")

    run = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True)
    if run.returncode != 0 or run.stdout.strip():
        problems.append("desktop-file-validate:\n" + run.stdout + run.stderr)
    categories = []
    for line in desktop.read_text().splitlines():
        if line.startswith("Categories="):
            categories = [c for c in line.split("=", 1)[1].split(";") if c]
    main_ones = [c for c in categories if c in MAIN_CATEGORIES]
    if len(main_ones) != 1:
        problems.append(f"desktop entry: main categories {main_ones}, expected exactly one")

    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(images)} screenshots, categories {categories}: "
          + ("ok" if not problems else f"{len(problems)} problems"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
