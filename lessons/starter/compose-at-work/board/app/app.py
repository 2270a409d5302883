"""A notice board: each page view pins one more note, and Redis keeps the count. Standard library only."""

import os
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Both come from the environment, so that the same code runs anywhere with other settings.
REDIS_HOST = os.environ.get("REDIS_HOST", "localhost")
GREETING = os.environ.get("GREETING", "Hello from the board")


def redis(command):
    # Redis understands one-line commands over plain TCP and answers with one line.
    with socket.create_connection((REDIS_HOST, 6379), timeout=3) as connection:
        connection.sendall(command.encode() + b"\r\n")
        return connection.recv(64).decode().strip()


class Board(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/":
            self.reply(404, "nothing here\n")
            return
        try:
            notes = int(redis("INCR notes").lstrip(":"))
            self.reply(200, f"{GREETING}! Notes on the board: {notes}.\n")
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
    # Like many real apps, the board insists on its database at start-up, and gives up if it is not there.
    try:
        print(f"board: Redis at {REDIS_HOST} says {redis('PING')}", flush=True)
    except OSError as error:
        sys.exit(f"board: Redis at {REDIS_HOST} cannot be reached: {error}")
    ThreadingHTTPServer(("", 8000), Board).serve_forever()
