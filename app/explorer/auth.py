"""Optional password gate for shared deployments (off by default), with attempts throttled.

Why so small: the local demo needs no login; a team sharing one explorer on a server starts it with
``minetrace app --host 0.0.0.0 --password-env MINETRACE_PASSWORD`` and the explorer asks for that
password once per browser session. The comparison is constant-time; the password never leaves the
server's environment. Wrong passwords are throttled per client address and for the whole server
(a new browser session does not reset the count): after `MAX_FAILURES` within `WINDOW` seconds,
further attempts wait, the wait doubling with every failure up to `MAX_WAIT`. For real multi-user
access control put the explorer behind your SSO proxy.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable

import streamlit as st

from minetrace.app.explorer.settings import load_settings

#: wrong passwords allowed per client within WINDOW seconds before attempts must wait
MAX_FAILURES = 5
#: for the whole server (every client together)
MAX_FAILURES_SERVER = 30
WINDOW = 300.0
FIRST_WAIT = 15.0
MAX_WAIT = 900.0


class Throttle:
    """Failures per key in a sliding window; past the allowance each attempt waits longer (doubling)."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW, first_wait: float = FIRST_WAIT,
                 max_wait: float = MAX_WAIT, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures, self.window, self.first_wait, self.max_wait = max_failures, window, first_wait, max_wait
        self.clock = clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def wait(self, key: str) -> float:
        """Seconds before `key` may try again (0 when it may now)."""
        now = self.clock()
        with self._lock:
            recent = [t for t in self._failures.get(key, []) if now - t < self.window]
            self._failures[key] = recent
            over = len(recent) - self.max_failures
            if over < 0:
                return 0.0
            delay = min(self.max_wait, self.first_wait * (2 ** over))
            return max(0.0, recent[-1] + delay - now)

    def failed(self, key: str) -> None:
        with self._lock:
            self._failures.setdefault(key, []).append(self.clock())

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


_PER_CLIENT = Throttle()
_SERVER = Throttle(max_failures=MAX_FAILURES_SERVER)


def _client() -> str:
    """The client's address (one key for every local or unknown one)."""
    try:
        ip = st.context.ip_address
    except Exception:  # older Streamlit or no script context
        ip = None
    return f"ip:{ip}" if isinstance(ip, str) and ip else "ip:local"


def gate() -> bool:
    """True when the user may see the explorer (no password configured, or the right one entered)."""
    expected = load_settings().password
    if expected is None or st.session_state.get("authenticated"):
        return True
    st.title("minetrace explorer")
    with st.form("login"):
        given = st.text_input("Password", type="password", key="password_input")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        client = _client()
        wait = max(_PER_CLIENT.wait(client), _SERVER.wait("server"))
        if wait > 0:
            st.error(f"Too many wrong passwords: try again in {int(wait) + 1} s.")
            return False
        if hmac.compare_digest(given.encode(), expected.encode()):
            _PER_CLIENT.succeeded(client)
            st.session_state["authenticated"] = True
            st.rerun()
        _PER_CLIENT.failed(client)
        _SERVER.failed("server")
        st.error("Wrong password.")
    return False
