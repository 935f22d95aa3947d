#!/usr/bin/python3
"""A small HTTP server on 127.0.0.1 for the weights download tests.

Serves the files in --root and misbehaves on request, chosen by the path:
  /models/FILE           the file, with Range support (206 + Content-Range, 416 past the end)
  /drop/N/FILE           requests without a Range header get the full Content-Length but only N bytes,
                         then the connection is closed; Range requests are served normally
  /norange/FILE          ignores Range headers: always 200 and the whole file
  /status/CODE/FILE      answers HTTP CODE
  /slow/FILE             the file in 16 KiB pieces, 20 ms apart
  /endless/FILE          the file without a Content-Length, then zeros until the client hangs up
  /trickle/FILE          the file without a Content-Length, 4 bytes every half second
  /lie/FILE              a Content-Length 1000 bytes longer than the file, ignoring Range headers
A request for an absolute URI (as a client sends it to a proxy) is served by its path.

Prints "PORT <n>" on stdout once listening (port 0: a free one). With --log FILE, appends one JSON
object per request (method, target, range, user_agent) before answering.
"""

import argparse
import json
import os
import re
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = 64 * 1024


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):
        pass

    def record(self):
        if self.server.log_path:
            entry = {"method": self.command, "target": self.path,
                     "range": self.headers.get("Range"), "user_agent": self.headers.get("User-Agent")}
            with open(self.server.log_path, "a") as log:
                log.write(json.dumps(entry) + "\n")

    def do_GET(self):
        self.record()
        path = urllib.parse.urlsplit(self.path).path
        parts = [p for p in path.split("/") if p]
        if len(parts) < 2:
            return self.send_error(404)
        mode, args, name = parts[0], parts[1:-1], parts[-1]
        if mode == "status":
            return self.send_error(int(args[0]))
        file_path = os.path.join(self.server.root, os.path.basename(name))
        if mode not in ("models", "drop", "norange", "slow", "endless", "trickle", "lie") \
                or not os.path.isfile(file_path):
            return self.send_error(404)
        with open(file_path, "rb") as fh:
            data = fh.read()

        if mode in ("endless", "trickle"):
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            try:
                if mode == "trickle":
                    for offset in range(0, len(data), 4):
                        self.wfile.write(data[offset:offset + 4])
                        self.wfile.flush()
                        time.sleep(0.5)
                self.wfile.write(data)
                while True:
                    self.wfile.write(b"\0" * CHUNK)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
            return

        start = 0
        range_header = self.headers.get("Range")
        if mode == "lie":
            range_header = None
        if range_header and mode != "norange":
            match = re.fullmatch(r"bytes=(\d+)-(\d*)", range_header.strip())
            if not match:
                return self.send_error(400)
            start = int(match.group(1))
            end = int(match.group(2)) if match.group(2) else len(data) - 1
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = data[start:end + 1]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{start + len(body) - 1}/{len(data)}")
        else:
            body = data
            self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body) + (1000 if mode == "lie" else 0)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()

        if mode == "drop" and not range_header:
            self.wfile.write(body[:int(args[0])])
            self.wfile.flush()
            self.close_connection = True
            return
        piece = 16 * 1024 if mode == "slow" else CHUNK
        try:
            for offset in range(0, len(body), piece):
                self.wfile.write(body[offset:offset + piece])
                if mode == "slow":
                    time.sleep(0.02)
        except (BrokenPipeError, ConnectionResetError):
            pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.root = args.root
    server.log_path = args.log
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
