#!/usr/bin/python3
"""Reads a resnet-lens batch output the way a user's script would (Python's csv and json modules) and
prints a JSON summary: {"run": first-line metadata, "rows": [{"path", "status", "error", "top": [index...]}],
"malformed": [line numbers of rows that do not have every column]}."""

import csv
import json
import sys


def read_csv(path):
    rows, malformed = [], []
    with open(path, newline="") as f:
        run = f.readline().rstrip("\n")
        reader = csv.DictReader(f)
        width = len(reader.fieldnames)
        for number, row in enumerate(reader, start=3):
            if None in row or any(v is None for v in row.values()) or len(row) != width:
                malformed.append(number)
                continue
            k = 1
            top = []
            while f"top{k}_index" in row:
                if row[f"top{k}_index"]:
                    top.append(int(row[f"top{k}_index"]))
                k += 1
            rows.append({"path": row["path"], "status": row["status"], "error": row["error"], "top": top})
    return run, rows, malformed


def read_jsonl(path):
    rows, malformed = [], []
    with open(path) as f:
        run = json.loads(f.readline())["run"]
        for number, line in enumerate(f, start=2):
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                malformed.append(number)
                continue
            rows.append({"path": obj["path"], "status": obj["status"], "error": obj.get("error", ""),
                         "top": [t["index"] for t in obj.get("top", [])]})
    return run, rows, malformed


def main():
    path = sys.argv[1]
    run, rows, malformed = (read_csv if path.endswith(".csv") else read_jsonl)(path)
    json.dump({"run": run, "rows": rows, "malformed": malformed}, sys.stdout)


if __name__ == "__main__":
    main()
