#!/usr/bin/env python3
"""A Koibox-shaped API on 127.0.0.1 that answers every create with a large body (scripts/bench
--api-memory): the key check with a small JSON object, every POST with 201 and a JSON object of
about SIZE bytes holding the new id. It prints its URL, then serves until killed; it only ever binds
to loopback and stops on its own after --lifetime seconds.

Usage: large_answers.py SIZE [--lifetime SECONDS]
"""
import itertools
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

size = int(sys.argv[1])
lifetime = float(sys.argv[sys.argv.index("--lifetime") + 1]) if "--lifetime" in sys.argv else 600.0
ids = itertools.count(1)
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.startswith("/api/api-key/me"):
            self.answer(200, {"name": "bench", "centro": 1})
        else:
            self.answer(200, {"count": 0, "next": None, "previous": None, "results": []})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        with lock:
            new = next(ids)
        self.answer(201, {"id": new, "padding": "x" * max(0, size - 40)})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
threading.Timer(lifetime, server.shutdown).start()
server.serve_forever()
