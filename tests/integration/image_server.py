#!/usr/bin/env python3
"""A small HTTP server for image_import_test.sh: serves the files of ROOT with single byte
ranges (206 + Content-Range, 416 beyond the end) and misbehaves on purpose by path prefix:
  /cut-once/NAME  the first request for NAME sends half of its body, then drops the connection
  /flaky/NAME     every request sends half of its body and drops, while ROOT/flaky.on exists
  /norange/NAME   like cut-once, but Range is ignored: every answer is a 200 with the whole file
  /badrange/NAME  like cut-once, but a Range is answered with a 206 from byte 0
  /NAME           a well-behaved server
Each request is logged to LOG as `GET PATH range=RANGE|-`.
Usage: image_server.py ROOT PORT LOG"""
import http.server
import os
import re
import socket
import sys
import threading

root, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
seen = {}
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        rng = self.headers.get("Range")
        with lock:
            with open(log, "a") as f:
                f.write(f"GET {self.path} range={rng or '-'}\n")
            seen[self.path] = seen.get(self.path, 0) + 1
            first = seen[self.path] == 1
        parts = self.path.strip("/").split("/")
        path = os.path.join(root, parts[-1])
        if len(parts) > 2 or not os.path.isfile(path):
            self.send_error(404)
            return
        with open(path, "rb") as f:
            data = f.read()
        start = 0
        m = re.fullmatch(r"bytes=(\d+)-", rng or "")
        if m and int(m.group(1)) >= len(data):
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(data)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if m and parts[0] == "badrange":
            self.send_response(206)
            self.send_header("Content-Range", f"bytes 0-{len(data) - 1}/{len(data)}")
        elif m and parts[0] != "norange":
            start = int(m.group(1))
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        cut = (parts[0] in ("cut-once", "norange", "badrange") and first) or (
            parts[0] == "flaky" and os.path.exists(os.path.join(root, "flaky.on")))
        if cut:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)


http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
