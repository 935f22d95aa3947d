#!/usr/bin/python3
"""Reads a resnet-lens batch output the way a user's script would (Python's csv and json modules, strict
UTF-8) and prints a JSON summary:

  {"run": first-line metadata, "rows": [row...], "malformed": [line numbers of rows without every column]}
  or {"unreadable": why} when Python's modules reject the file.

Each row: "path", "status", "error", "top" (class indices), "labels" (top-k labels), the original text
undone from the CSV cell rules the README gives (one leading ' dropped, then one regex pass for \\u005c and
\\udcXX); "path_hex" / "error_hex" / "labels_hex": the original bytes (os.fsencode) in hex; "cells": the
CSV text cells as a spreadsheet sees them (path, error, labels). Text that is not UTF-8 is shown with
backslash escapes in "path", "error" and "labels" so that the summary stays valid JSON for any reader.
"""

import csv
import json
import os
import re
import sys

ESCAPE = re.compile(r"\\u(005c|dc[89a-f][0-9a-f])")


def original(cell):
    """The README's recipe: a CSV text cell back to the original (a str, surrogates for non-UTF-8 bytes)."""
    if cell.startswith("'"):
        cell = cell[1:]
    return ESCAPE.sub(lambda m: chr(int(m[1], 16)), cell)


def shown(text):
    return os.fsencode(text).decode("utf-8", "backslashreplace")


def summary(path, status, error, top, labels, cells):
    return {"path": shown(path), "path_hex": os.fsencode(path).hex(), "status": status,
            "error": shown(error), "error_hex": os.fsencode(error).hex(), "top": top,
            "labels": [shown(label) for label in labels],
            "labels_hex": [os.fsencode(label).hex() for label in labels], "cells": cells}


def read_csv(path):
    rows, malformed = [], []
    with open(path, newline="", encoding="utf-8", errors="strict") as f:
        run = f.readline().rstrip("\n")
        reader = csv.reader(f, strict=True)
        header = next(reader)
        width = len(header)
        for row in reader:
            number = reader.line_num + 1
            if len(row) != width:
                malformed.append(number)
                continue
            cells = dict(zip(header, row))
            k, top, labels, text_cells = 1, [], [], [row[0], row[2]]
            while f"top{k}_index" in cells:
                if cells[f"top{k}_index"]:
                    top.append(int(cells[f"top{k}_index"]))
                    labels.append(original(cells[f"top{k}_label"]))
                    text_cells.append(cells[f"top{k}_label"])
                k += 1
            rows.append(summary(original(cells["path"]), cells["status"], original(cells["error"]), top,
                                labels, text_cells))
    return run, rows, malformed


def read_jsonl(path):
    rows, malformed = [], []
    with open(path, encoding="utf-8", errors="strict") as f:
        run = json.loads(f.readline())["run"]
        for number, line in enumerate(f, start=2):
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                malformed.append(number)
                continue
            top = obj.get("top", [])
            rows.append(summary(obj["path"], obj["status"], obj.get("error", ""), [t["index"] for t in top],
                                [t["label"] for t in top], []))
    return run, rows, malformed


def main():
    path = sys.argv[1]
    try:
        run, rows, malformed = (read_csv if path.endswith(".csv") else read_jsonl)(path)
    except (UnicodeDecodeError, csv.Error, json.JSONDecodeError, KeyError, ValueError, StopIteration) as e:
        json.dump({"unreadable": f"{type(e).__name__}: {e}"}, sys.stdout)
        return
    json.dump({"run": run, "rows": rows, "malformed": malformed}, sys.stdout)


if __name__ == "__main__":
    main()
