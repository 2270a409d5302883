"""A lemonade stand's web page, served with nothing but Python's standard library."""

import html
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ.get("PORT", "8000"))
STAND = os.environ.get("STAND_NAME", "Lemonade Stand")


def menu():
    # menu.txt is read from the current folder: run the app where its files are.
    with open("menu.txt", encoding="utf-8") as file:
        return [line.strip() for line in file if line.strip()]


class Stand(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            self.reply(200, "text/plain", "ok\n")
        elif self.path == "/":
            items = "\n".join(f"  <li>{html.escape(item)}</li>" for item in menu())
            name = html.escape(STAND)
            page = f"<!doctype html>\n<title>{name}</title>\n<h1>{name}</h1>\n<ul>\n{items}\n</ul>\n"
            self.reply(200, "text/html; charset=utf-8", page)
        else:
            self.reply(404, "text/plain", "nothing here\n")

    def reply(self, status, kind, text):
        body = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    print(f"{STAND} open on port {PORT}", flush=True)
    ThreadingHTTPServer(("", PORT), Stand).serve_forever()
