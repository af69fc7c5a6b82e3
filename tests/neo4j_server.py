"""A real Neo4j Community 5.26 for the tests (pytest plugin: `pytest_plugins = ["neo4j_server"]`).

Why a real server and not a mock: the Neo4j store is Cypher, constraints and transactions; only the
database itself can tell whether they are right. The server is the embedded Neo4j DBMS with its
Bolt connector, started by ``scripts/neo4j-harness.sh`` (Maven resolves ``org.neo4j:neo4j`` and
``org.neo4j:neo4j-bolt`` from Maven Central into ~/.m2 on the first run; later runs reuse the cached
classpath under tests/neo4j_harness/target and start in well under a minute).

Fixtures:
- ``neo4j_uri`` / ``neo4j_auth`` (session): $NEO4J_URI (+ $NEO4J_USER / $NEO4J_PASSWORD) when set,
  otherwise one harness server for the whole session on a free loopback port, stopped at the end.
- ``neo4j_clean`` (function): an empty database for the test (every node deleted, in batches).
- ``neo4j_harness``: a factory of SEPARATE servers on their own data folders (the failure tests kill
  and restart them); all are stopped when the test ends.

Without Java/javac/Maven the Neo4j tests skip with a message naming what is missing, except under
CI=true, where they fail: CI must run them.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "neo4j-harness.sh"
HARNESS = ROOT / "tests" / "neo4j_harness"
TARGET = HARNESS / "target"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

#: first build downloads ~125 MB of jars; slow mirrors have taken ~10 minutes
BUILD_TIMEOUT = float(os.environ.get("NEO4J_HARNESS_BUILD_TIMEOUT", "1800"))
START_TIMEOUT = float(os.environ.get("NEO4J_HARNESS_START_TIMEOUT", "240"))
#: credentials the tests use against the harness (auth is disabled there; any pair is accepted)
HARNESS_AUTH = ("neo4j", "minetrace-test")


class HarnessUnavailable(RuntimeError):
    """The harness cannot run here (a tool is missing or the build failed)."""


def _unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true and the Neo4j tests cannot run: {message}", pytrace=False)
    pytest.skip(message)


def _build_cached() -> bool:
    stamp = TARGET / "build.stamp"
    if not stamp.exists() or not (TARGET / "classes" / "Neo4jLauncher.class").exists():
        return False
    digest = hashlib.sha256((HARNESS / "pom.xml").read_bytes()
                            + (HARNESS / "src" / "Neo4jLauncher.java").read_bytes()).hexdigest()
    return stamp.read_text().strip() == digest


def missing_tools() -> list[str]:
    """Tools the harness needs that are not on PATH (only java once the launcher is built)."""
    needed = {"java": "Java 17+ (runs Neo4j)"}
    if not _build_cached():
        needed |= {"javac": "a JDK 17+ (compiles the launcher)", "mvn": "Maven (fetches Neo4j from Maven Central)"}
    if shutil.which("bash") is None:
        needed["bash"] = "bash (runs scripts/neo4j-harness.sh)"
    return [f"{tool}: {why}" for tool, why in needed.items() if shutil.which(tool) is None]


_build_lock = threading.Lock()


def build_harness() -> float:
    """Resolve the jars and compile the launcher when not cached; returns the seconds it took."""
    with _build_lock:
        t0 = time.perf_counter()
        if _build_cached():
            return 0.0
        missing = missing_tools()
        if missing:
            raise HarnessUnavailable("Neo4j test server needs " + "; ".join(missing))
        try:
            proc = subprocess.run(["bash", str(SCRIPT), "build"], capture_output=True, text=True,
                                  timeout=BUILD_TIMEOUT, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise HarnessUnavailable(f"building the Neo4j harness took over {BUILD_TIMEOUT:.0f}s "
                                     "(Maven download from Maven Central)") from exc
        if proc.returncode != 0:
            raise HarnessUnavailable(f"building the Neo4j harness failed (exit {proc.returncode}): "
                                     f"{proc.stderr.strip()[-2000:]}")
        return time.perf_counter() - t0


class HarnessServer:
    """One Neo4j JVM on a data folder. `start()` → READY; `stop()` clean; `kill()` SIGKILL."""

    def __init__(self, home: Path, port: int = 0) -> None:
        self.home = Path(home)
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = self.home.parent / f"{self.home.name}-server.log"
        self.start_seconds: float | None = None

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = START_TIMEOUT) -> HarnessServer:
        if self.running:
            return self
        build_harness()
        self.home.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child, closed in _reap
        self.proc = subprocess.Popen(["bash", str(SCRIPT), "run", str(self.home), str(self.port)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                     start_new_session=True)
        log.close()
        ready: list[int] = []

        def read_stdout() -> None:
            assert self.proc is not None and self.proc.stdout is not None
            for raw in self.proc.stdout:
                line = raw.decode("utf-8", "replace").strip()
                if line.startswith("READY ") and not ready:
                    ready.append(int(line.split()[1]))

        reader = threading.Thread(target=read_stdout, name="neo4j-harness-stdout", daemon=True)
        reader.start()
        deadline = time.monotonic() + timeout
        while not ready:
            if self.proc.poll() is not None:
                raise HarnessUnavailable(f"Neo4j exited with {self.proc.returncode} before READY; "
                                         f"log: {self.log_path}\n{self._log_tail()}")
            if time.monotonic() > deadline:
                self.kill()
                raise HarnessUnavailable(f"Neo4j not READY within {timeout:.0f}s; log: {self.log_path}\n"
                                         f"{self._log_tail()}")
            time.sleep(0.1)
        self.port = ready[0]
        wait_for_bolt(self.uri, HARNESS_AUTH, max(10.0, deadline - time.monotonic()))
        self.start_seconds = time.perf_counter() - t0
        _LIVE.add(self)
        return self

    def _log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, timeout: float = 60.0) -> None:
        """Clean shutdown: close stdin (the launcher shuts the DBMS down on EOF), then SIGTERM, SIGKILL."""
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                assert proc.stdin is not None
                proc.stdin.close()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=20)
        self._reap()

    def kill(self) -> None:
        """SIGKILL the JVM (no shutdown: simulates a crashed or unplugged server)."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        self._reap()

    def _reap(self) -> None:
        if self.proc is not None:
            for stream in (self.proc.stdin, self.proc.stdout):
                with contextlib.suppress(OSError, ValueError):
                    if stream is not None:
                        stream.close()
        _LIVE.discard(self)


_LIVE: set[HarnessServer] = set()


@atexit.register
def _stop_all() -> None:  # also on Ctrl-C: nothing outlives the test process (stdin EOF does the same)
    for server in list(_LIVE):
        with contextlib.suppress(Exception):
            server.stop(timeout=20)


def wait_for_bolt(uri: str, auth: tuple[str, str] | None, timeout: float) -> None:
    """Retry driver.verify_connectivity until it answers or `timeout` passes."""
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError

    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with GraphDatabase.driver(uri, auth=auth, connection_timeout=5) as driver:
                driver.verify_connectivity()
                return
        except AuthError:
            raise
        except Exception as exc:  # ServiceUnavailable, OSError while the connector comes up
            last = exc
            time.sleep(0.5)
    raise HarnessUnavailable(f"Bolt at {uri} not answering after {timeout:.0f}s: {last}")


def neo4j_admin_path(bin_dir: Path) -> Path:
    """A folder holding a `neo4j-admin` that runs Neo4j 5.26's admin tool from the harness's Maven jars (the
    tarball's bin/neo4j-admin does the same with its lib/): put it first on PATH to run an export's import.sh.
    NEO4J_HOME / NEO4J_CONF in the environment name the server home it writes into."""
    build_harness()
    bin_dir.mkdir(parents=True, exist_ok=True)
    tool = bin_dir / "neo4j-admin"
    classpath = (TARGET / "classpath.txt").read_text().strip()
    tool.write_text("#!/bin/sh\n"
                    f"exec java -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp '{classpath}' "
                    'org.neo4j.cli.AdminTool "$@"\n', encoding="utf-8")
    tool.chmod(0o755)
    return bin_dir


def wipe(uri: str, auth: tuple[str, str] | None, database: str | None = None, batch: int = 10_000) -> None:
    """Delete every node and relationship, `batch` nodes per transaction (constraints stay)."""
    from neo4j import GraphDatabase

    with GraphDatabase.driver(uri, auth=auth) as driver, driver.session(database=database) as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF $batch ROWS",
                    batch=batch).consume()


# ------------------------------------------------------------------------------ session server
class _Session:
    server: HarnessServer | None = None
    tmp: tempfile.TemporaryDirectory[str] | None = None
    error: str | None = None


def _env_auth() -> tuple[str, str] | None:
    user = os.environ.get("NEO4J_USER") or os.environ.get("NEO4J_USERNAME")
    password = os.environ.get("NEO4J_PASSWORD")
    if user is None and password is None:
        return None
    return (user or "neo4j", password or "")


def session_server() -> tuple[str, tuple[str, str] | None]:
    """(uri, auth) of the session's Neo4j; shared by every fixture definition that asks (module-level
    imports of the fixture would otherwise start a second server)."""
    env_uri = os.environ.get("NEO4J_URI")
    if env_uri:
        return env_uri, _env_auth()
    if _Session.error:
        _unavailable(_Session.error)
    if _Session.server is None or not _Session.server.running:
        missing = missing_tools()
        if missing:
            _Session.error = "Neo4j tests need " + "; ".join(missing)
            _unavailable(_Session.error)
        _Session.tmp = tempfile.TemporaryDirectory(prefix="minetrace-neo4j-")
        server = HarnessServer(Path(_Session.tmp.name) / "server")
        try:
            server.start()
        except HarnessUnavailable as exc:
            _Session.error = str(exc)
            _unavailable(_Session.error)
        _Session.server = server
        atexit.register(_stop_session)
    assert _Session.server is not None
    return _Session.server.uri, HARNESS_AUTH


def _stop_session() -> None:
    if _Session.server is not None:
        _Session.server.stop()
        _Session.server = None
    if _Session.tmp is not None:
        _Session.tmp.cleanup()
        _Session.tmp = None


@pytest.fixture(scope="session")
def neo4j_session() -> Iterator[tuple[str, tuple[str, str] | None]]:
    yield session_server()
    _stop_session()


@pytest.fixture(scope="session")
def neo4j_uri(neo4j_session: tuple[str, tuple[str, str] | None]) -> str:
    """Bolt URI of a real Neo4j 5.26 ($NEO4J_URI, or the harness). Credentials: `neo4j_auth`; the
    harness also exports them as NEO4J_USER/NEO4J_PASSWORD so `Neo4jStore(uri)` finds them."""
    uri, auth = neo4j_session
    if auth is not None and not os.environ.get("NEO4J_URI"):
        os.environ.setdefault("NEO4J_USER", auth[0])
        os.environ.setdefault("NEO4J_PASSWORD", auth[1])
    return uri


@pytest.fixture(scope="session")
def neo4j_auth(neo4j_session: tuple[str, tuple[str, str] | None]) -> tuple[str, str] | None:
    return neo4j_session[1]


@pytest.fixture
def neo4j_clean(neo4j_uri: str, neo4j_auth: tuple[str, str] | None) -> str:
    """An empty database for this test; returns the URI."""
    wipe(neo4j_uri, neo4j_auth, os.environ.get("NEO4J_DATABASE"))
    return neo4j_uri


@pytest.fixture
def neo4j_harness(tmp_path: Path) -> Iterator[Callable[..., HarnessServer]]:
    """Factory: `neo4j_harness(name)` → a started, separate server on tmp_path/name (same name →
    same data folder, i.e. a restart). Every server is killed at the end of the test (its data is
    thrown away with tmp_path, so a clean shutdown would only cost time)."""
    missing = missing_tools()
    if missing:
        _unavailable("Neo4j tests need " + "; ".join(missing))
    servers: list[HarnessServer] = []

    def start(name: str = "server", port: int = 0) -> HarnessServer:
        server = HarnessServer(tmp_path / name, port)
        try:
            server.start()
        except HarnessUnavailable as exc:
            _unavailable(str(exc))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.kill()
