"""Starting the example under a real server, and waiting for things, for the tests that need it.

Every wait here ends as soon as what it waits for is there; the ceilings are generous
because the suite also runs on machines busy with other work (two cores shared by
several test runs), where a server takes far longer to boot than on an idle laptop.
"""

import http.server
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

# Seconds: how long a wait may take before the test fails, naming what it waited for.
CEILING = 300


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, what, seconds=CEILING):
    """Until ``condition()`` is true; fails the test naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds:.0f}s for {what}")
        time.sleep(0.1)


def wait_until_serving(url, process, seconds=CEILING, log=None):
    """Until ``url`` answers (any status); fails the test if the server died or never did.

    ``log``: the file the server writes to, quoted in the failure (else its stderr pipe).
    """
    started = time.monotonic()
    while True:
        try:
            urllib.request.urlopen(url, timeout=CEILING)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            waited = time.monotonic() - started
            if process.poll() is None and waited < seconds:
                time.sleep(0.2)
                continue
            if process.poll() is None:
                why = f"did not answer within {seconds:.0f}s"
            else:
                why = f"exited with status {process.returncode} after {waited:.0f}s"
            process.kill()
            if log is not None:
                output = log.read_text()[-2000:]
            else:
                output = process.stderr.read().decode()[-2000:] if process.stderr else ""
            pytest.fail(f"waited for the server at {url}: it {why}.\n{output}")


def stop(process, seconds=60):
    """Terminate a server and reap it; killed if it does not exit in ``seconds``."""
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Receiver:
    """A webhook receiver on 127.0.0.1: records ``(path, headers, body)`` of each POST and
    answers ``answer`` (a 302 points at 127.0.0.1:1, which must not be followed)."""

    def __init__(self):
        self.received = []
        self.answer = 204
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((self.path, dict(self.headers), body))
                self.send_response(receiver.answer)
                if receiver.answer == 302:
                    self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
