"""Starting the example under a real server, for the tests that need one."""

import socket
import time
import urllib.error
import urllib.request

import pytest


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url, process, seconds=30):
    """Until ``url`` answers (any status); fails the test if the server died or never did."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                stderr = process.stderr.read().decode()[-2000:] if process.stderr else ""
                pytest.fail(f"the server at {url} did not start. {stderr}")
            time.sleep(0.2)
