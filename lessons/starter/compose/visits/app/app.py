"""A visit counter: each page view adds one to a number that Redis keeps. Standard library only."""

import os
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ.get("PORT", "8000"))
# The Redis server's host name: with Compose, the name of its service.
REDIS_HOST = os.environ.get("REDIS_HOST", "localhost")
GREETING = "Hello from the visits app"


def count_visit():
    # Redis understands one-line commands over plain TCP; it answers INCR with ":<new value>".
    with socket.create_connection((REDIS_HOST, 6379), timeout=3) as connection:
        connection.sendall(b"INCR visits\r\n")
        return int(connection.recv(64).decode().strip().lstrip(":"))


class Counter(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/":
            self.reply(404, "nothing here\n")
            return
        try:
            self.reply(200, f"{GREETING}! This is visit number {count_visit()}.\n")
        except OSError as error:
            self.reply(503, f"Redis at {REDIS_HOST} cannot be reached: {error}\n")

    def reply(self, status, text):
        body = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    print(f"visits app on port {PORT}, counting in Redis at {REDIS_HOST}", flush=True)
    ThreadingHTTPServer(("", PORT), Counter).serve_forever()
