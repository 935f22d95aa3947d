#!/usr/bin/python3
"""Pickles and zip archives from Python's own pickle and zipfile modules, and what Python reads from them.

Writes into OUT/formats/:
  pickles/<case>.p<protocol>.pkl  pickle.dumps(value, protocol) for every protocol 0..5, and hand-written
                                  streams (protocol 0 text opcodes, dicts with a repeated key, self-references)
  zips/<case>.zip                 archives written by zipfile: stored and deflated entries, data
                                  descriptors, zip64, comments, torch.save's archive/ prefix, a repeated
                                  name, a damaged CRC
  manifest.json  {"pickles": [...], "zips": [...]}: for each pickle, what pickle.loads returned, described
                 as {"kind", "value"/"items"/"entries"} (texts and bytes in hex, floats as float.hex(),
                 integers as decimal text, big integers as little-endian two's complement hex), which of its
                 top-level items pickle.loads made the same object, or the error it raised; for each zip,
                 what zipfile.ZipFile read: entry names, sizes, methods and contents, or the error it raised.

Nothing here says what our reader should return: every value is Python's own.
Skips the work when this script and the Python version are unchanged.
Usage: /usr/bin/python3 make_formats.py --out DIR
"""

import argparse
import collections
import hashlib
import io
import json
import os
import pickle
import shutil
import struct
import sys
import time
import zipfile

INT64 = 1 << 63


def describe(value):
    """pickle.loads' value as the JSON tree the C++ tests compare with."""
    if value is None:
        return {"kind": "none"}
    if isinstance(value, bool):
        return {"kind": "bool", "value": value}
    if isinstance(value, int):
        if -INT64 <= value < INT64:
            return {"kind": "int", "value": str(value)}
        length = (value.bit_length() + 8) // 8  # room for the sign bit
        return {"kind": "bigint", "value": value.to_bytes(length, "little", signed=True).hex()}
    if isinstance(value, float):
        return {"kind": "float", "value": value.hex()}
    if isinstance(value, str):
        return {"kind": "string", "value": value.encode("utf-8", "surrogatepass").hex()}
    if isinstance(value, (bytes, bytearray)):
        return {"kind": "bytes", "value": bytes(value).hex()}
    if isinstance(value, tuple):
        return {"kind": "tuple", "items": [describe(v) for v in value]}
    if isinstance(value, list):
        return {"kind": "list", "items": [describe(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"kind": "set", "items": [describe(v) for v in value]}
    if isinstance(value, dict):  # dict and OrderedDict, in insertion order
        return {"kind": "dict", "entries": [[describe(k), describe(v)] for k, v in value.items()]}
    raise TypeError(f"no description for {type(value)}")


def identical_items(value):
    """Pairs (i, j), i < j, of top-level items that pickle.loads made one object (memo reuse)."""
    if not isinstance(value, (list, tuple)):
        return []
    return [[i, j] for i in range(len(value)) for j in range(i + 1, len(value)) if value[i] is value[j]
            and not isinstance(value[i], (bool, type(None)))]


def cyclic(value, active=None):
    """Whether a value contains itself (pickle.loads builds such cycles)."""
    active = set() if active is None else active
    if not isinstance(value, (list, tuple, dict, set, frozenset)):
        return False
    if id(value) in active:
        return True
    active.add(id(value))
    children = list(value.keys()) + list(value.values()) if isinstance(value, dict) else list(value)
    found = any(cyclic(child, active) for child in children)
    active.discard(id(value))
    return found


def dumped_values():
    """Values Python pickles itself, at every protocol."""
    shared = [1, "two"]
    shared_tuple = ("t", 3)
    shared_dict = {"k": shared}
    ordered = collections.OrderedDict()
    ordered["conv.weight"] = 1.5
    ordered["conv.bias"] = -2
    ordered["bn.num_batches_tracked"] = 7
    return {
        "none": None,
        "true": True,
        "false": False,
        "small_int": 5,
        "negative_int": -300,
        "int_255_256": [255, 256, 65535, 65536, -1, -256, -257],
        "int32_edges": [2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1],
        "int64_edges": [2 ** 63 - 1, -(2 ** 63)],
        "bigint": 2 ** 70 + 12345,
        "negative_bigint": -(2 ** 90) - 1,
        "bigint_64": 2 ** 63,
        "float": 1.5,
        "float_values": [0.1, -0.0, 1e300, 5e-324, float("inf"), float("-inf")],
        "string": "conv1.weight",
        "unicode": "caf\u00e9 \u4e2d\u6587 \U0001f600",
        "string_escapes": "back\\slash\nnew line\ttab \"quoted\" 'single' \x00\x7f",
        "empty_string": "",
        "bytes": b"\x00\x01\xfe\xff raw",
        "empty_bytes": b"",
        "bytearray": bytearray(b"\x10\x20\x30"),
        "empty_tuple": (),
        "tuple1": (1,),
        "tuple2": (1, "a"),
        "tuple3": (1, "a", None),
        "tuple4": (1, 2, 3, 4),
        "list": [1, [2, [3, []]], (), {}],
        "empty_list": [],
        "many_items": list(range(2500)),
        "dict": {"a": 1, "b": [2, 3], 4: "four", None: True},
        "empty_dict": {},
        "many_entries": {f"layer{i}.weight": i for i in range(1200)},
        "ordered_dict": ordered,
        "set": {1, 2, 3},
        "frozenset": frozenset({"x", "y"}),
        "memo_reuse": [shared, shared, shared_tuple, shared_tuple, shared_dict, shared_dict, "same", "same"],
        "memo_nested_reuse": {"first": shared, "second": [shared, shared_dict]},
    }


def handwritten():
    """Streams Python's pickler never writes but pickle.loads reads: (name, bytes)."""
    return [
        # Protocol 0 text opcodes, each on its own.
        ("text_int", b"I42\n."),
        ("text_negative_int", b"I-17\n."),
        ("text_int_booleans", b"(I01\nI00\nl."),
        ("text_int_beyond_int64", b"I123456789012345678901234567890\n."),
        ("text_long", b"L12345678901234567890L\n."),
        ("text_long_without_suffix", b"L-42\n."),
        ("text_long_small", b"L7L\n."),
        ("text_float", b"F2.5\n."),
        ("text_float_exponent", b"F-1.25e-10\n."),
        ("text_string_single_quotes", b"S'abc'\n."),
        ("text_string_double_quotes", b'S"it\'s"\n.'),
        ("text_string_escapes", b"S'a\\nb\\tc\\\\d\\x41'\n."),
        ("text_unicode_escapes", b"Vcaf\\u00e9 \\U0001f600 \\u4e2d\n."),
        ("text_none", b"N."),
        ("text_tuple_mark", b"(I1\nS'a'\nF0.5\nt."),
        ("text_list_mark", b"(I1\nI2\nI3\nl."),
        ("text_dict_mark", b"(S'a'\nI1\nS'b'\nI2\nd."),
        ("text_empty_containers", b"((t(l(dt."),
        ("text_put_get", b"(lp0\nI1\naS'x'\np1\nag1\na."),
        ("text_memo_reuse", b"(lp0\n(I1\nI2\nlp1\nag1\nag1\na."),
        ("text_memo_tuple_reuse", b"((I1\nI2\ntp7\ng7\ng7\nt."),
        ("text_memo_sparse_keys", b"(S'a'\np99999\ng99999\ng99999\nl."),
        ("text_append_setitem", b"(lp0\nI1\naI2\na(dp1\nS'k'\nI3\nsa."),
        # A repeated key: the later value wins, in the first key's slot, as in Python's dict.
        ("repeated_key_setitems", b"\x80\x02}q\x00(X\x01\x00\x00\x00aK\x01X\x01\x00\x00\x00bK\x02"
                                  b"X\x01\x00\x00\x00aK\x03u."),
        ("repeated_key_setitem_text", b"(dp0\nVa\nI1\nsVb\nI2\nsVa\nI3\ns."),
        ("repeated_key_dict_mark", b"(Va\nI1\nVa\nI2\nVb\nI3\nVa\nI4\nd."),
        ("repeated_key_split_setitems", b"\x80\x02}q\x00(X\x01\x00\x00\x00aK\x01uX\x01\x00\x00\x00aK\x02s."),
        ("repeated_key_int_bool_float", b"\x80\x02}(K\x01X\x01\x00\x00\x00a\x88X\x01\x00\x00\x00b"
                                        b"G?\xf0\x00\x00\x00\x00\x00\x00X\x01\x00\x00\x00cu."),
        ("repeated_key_none", b"(dNI1\nsNI2\ns."),
        ("repeated_key_ordered_dict", b"\x80\x02ccollections\nOrderedDict\n)R(X\x01\x00\x00\x00xK\x01"
                                      b"X\x01\x00\x00\x00yK\x02X\x01\x00\x00\x00xK\x03u."),
        ("distinct_str_and_bytes_keys", b"\x80\x03}(X\x01\x00\x00\x00aK\x01C\x01aK\x02u."),
        # Self-references: Python builds cycles; Pickle.h refuses them.
        ("list_contains_itself_text", b"(lp0\ng0\na."),
        ("dict_contains_itself_handwritten", b"\x80\x02}q\x00X\x04\x00\x00\x00selfq\x01h\x00s."),
    ]


def self_references():
    """Cyclic values pickled by Python at every protocol: (name, value)."""
    me = []
    me.append(me)
    d = {}
    d["self"] = d
    a, b = [], []
    a.append(b)
    b.append(a)
    t = ([],)
    t[0].append(t)
    return [("list_contains_itself", me), ("dict_contains_itself", d), ("two_lists_cycle", a),
            ("tuple_through_list", t)]


def pickle_rows(out):
    rows = []

    def add(name, data):
        protocol = data[1] if data[:1] == b"\x80" else 0  # the PROTO opcode, which protocols 0 and 1 lack
        path = os.path.join(out, "pickles", f"{name}.pkl")
        with open(path, "wb") as fh:
            fh.write(data)
        row = {"name": name, "file": f"pickles/{name}.pkl", "protocol": protocol}
        try:
            value = pickle.loads(data)
        except Exception as e:  # Python itself refuses the stream
            row["python_error"] = f"{type(e).__name__}: {e}"
            rows.append(row)
            return
        if cyclic(value):
            row["cyclic"] = True
        else:
            row["value"] = describe(value)
            row["identical"] = identical_items(value)
        rows.append(row)

    for name, value in dumped_values().items():
        for protocol in range(6):
            add(f"{name}.p{protocol}", pickle.dumps(value, protocol=protocol))
    for name, value in self_references():
        for protocol in range(6):
            add(f"{name}.p{protocol}", pickle.dumps(value, protocol=protocol))
    for name, data in handwritten():
        add(name, data)
    return rows


class Unseekable(io.RawIOBase):
    """A write-only stream zipfile cannot seek in: it then writes data descriptors."""

    def __init__(self):
        self.data = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.data += b
        return len(b)


def zip_cases():
    """(name, bytes) of archives zipfile writes, and two it writes that are then made wrong."""
    cases = []

    def build(write, comment=b""):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            write(zf)
            zf.comment = comment
        return buffer.getvalue()

    payload = bytes(range(256)) * 40
    cases.append(("stored", build(lambda zf: (zf.writestr("a.bin", payload),
                                              zf.writestr("empty", b""),
                                              zf.writestr("text.txt", "hello\n")))))
    cases.append(("deflated", build(lambda zf: (
        zf.writestr(zipfile.ZipInfo("stored.bin"), payload, compress_type=zipfile.ZIP_STORED),
        zf.writestr(zipfile.ZipInfo("deflated.bin"), payload, compress_type=zipfile.ZIP_DEFLATED)))))
    cases.append(("torch_prefix", build(lambda zf: (
        zf.writestr("archive/data.pkl", pickle.dumps({"w": 1}, protocol=2)),
        zf.writestr("archive/data/0", payload[:64]),
        zf.writestr("archive/version", b"3\n")))))
    def commented(zf):
        for name, data in (("one", b"first"), ("two", b"second")):
            info = zipfile.ZipInfo(name)
            info.comment = b"entry comment for " + name.encode()
            zf.writestr(info, data)

    cases.append(("comments", build(commented, comment=b"an archive comment, PK and all")))
    cases.append(("long_comment", build(lambda zf: zf.writestr("x", b"data"), comment=b"c" * 65535)))

    stream = Unseekable()
    with zipfile.ZipFile(stream, "w") as zf:
        zf.writestr("streamed.bin", payload)
        with zf.open("opened.bin", "w") as entry:
            entry.write(b"written through ZipFile.open")
    cases.append(("data_descriptors", bytes(stream.data)))

    def zip64(zf):
        with zf.open("forced.bin", "w", force_zip64=True) as entry:
            entry.write(payload)
        for i in range(65536):  # more entries than a 16-bit count holds: zip64 end records
            zf.writestr(f"e/{i}", b"")

    cases.append(("zip64_many_entries", build(zip64)))

    # zipfile writes a repeated name (with a warning) and reads the later one.
    def repeated(zf):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            zf.writestr("dup", b"first")
            zf.writestr("dup", b"second")

    cases.append(("repeated_name", build(repeated)))

    damaged = bytearray(build(lambda zf: zf.writestr("archive/data.pkl", payload)))
    offset = damaged.find(payload[:32])
    damaged[offset + 100] ^= 0x01
    cases.append(("crc_mismatch", bytes(damaged)))
    return cases


def zip_rows(out):
    rows = []
    for name, data in zip_cases():
        path = os.path.join(out, "zips", f"{name}.zip")
        with open(path, "wb") as fh:
            fh.write(data)
        row = {"name": name, "file": f"zips/{name}.zip"}
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                infos = zf.infolist()
                row["comment"] = zf.comment.hex()
                row["names"] = [i.filename for i in infos]
                row["entries"] = []
                for info in infos[:50]:
                    entry = {"name": info.filename, "size": info.file_size, "method": info.compress_type,
                             "crc32": info.CRC, "data_descriptor": bool(info.flag_bits & 0x08)}
                    try:
                        entry["content"] = zf.read(info).hex()
                    except Exception as e:
                        entry["python_error"] = f"{type(e).__name__}: {e}"
                    row["entries"].append(entry)
                row["entry_count"] = len(infos)
        except Exception as e:
            row["python_error"] = f"{type(e).__name__}: {e}"
        rows.append(row)
    return rows


def stamp():
    digest = hashlib.sha256()
    with open(os.path.abspath(__file__), "rb") as fh:
        digest.update(fh.read())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="the reference folder; formats/ is created in it")
    args = parser.parse_args()
    t0 = time.time()
    out = os.path.join(os.path.abspath(args.out), "formats")
    wanted = stamp()
    stamp_file = os.path.join(out, "stamp")
    if os.path.exists(stamp_file) and open(stamp_file).read() == wanted:
        print(f"formats in {out} are up to date")
        return
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(os.path.join(out, "pickles"))
    os.makedirs(os.path.join(out, "zips"))
    manifest = {"generator": "tests/reference/make_formats.py", "python": sys.version.split()[0],
                "pickles": pickle_rows(out), "zips": zip_rows(out)}
    with open(os.path.join(out, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=1)
    with open(stamp_file, "w") as fh:
        fh.write(wanted)
    print(f"{len(manifest['pickles'])} pickles and {len(manifest['zips'])} zip archives in {out} "
          f"({time.time() - t0:.1f} s)")


if __name__ == "__main__":
    main()
