"""RabbitMQ nodes and a PostgreSQL server of the tests' own, for tests that stop and restart the servers.

The machine's RabbitMQ (5672) and PostgreSQL (5432) are shared by every test run and developer on it: a
test never stops them. A test that restarts a server, or needs a cluster, starts its own here, on ports
of its own, with its data in a temporary folder removed afterwards:

- `RabbitNode`: a node `biye-<name>@localhost` with its AMQP, distribution and management ports, its
  own config, enabled-plugins and Erlang cookie (its own HOME), so it never touches the shared node's
  files. Several nodes with one home share a cookie and can be clustered (`join`).
- `PostgresServer`: an `initdb` cluster in a temporary folder (trust authentication, superuser `root`,
  run as the `postgres` user when the tests run as root), started with `pg_ctl`; `restart("immediate")`
  is a crash and a recovery.

Fixtures (registered through tests/support/fixtures.py): `own_rabbit` (one node, AMQP 5681),
`rabbit_cluster` (three clustered nodes, AMQP 5701-5703) and `own_postgres` (port 55433). Each skips
its test, saying why, where the server's programs are not installed.
"""
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from urllib.parse import quote

import psycopg2
import pytest
import requests

RABBIT_BIN = os.environ.get("RABBITMQ_BIN", "/usr/lib/rabbitmq/bin")
PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/local/bin", "/usr/bin")
AUTH = ("guest", "guest")
RABBIT_PORT = 5681
CLUSTER_PORTS = (5701, 5702, 5703)  # management 15701-15703 (15692 is the shared node's prometheus)
POSTGRES_PORT = 55433


def _port_free(port: int) -> bool:
    import socket
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.3)


def rabbit_missing() -> str | None:
    """Why no RabbitMQ node can be started here (None if one can)."""
    for tool in ("rabbitmq-server", "rabbitmqctl"):
        if not os.access(os.path.join(RABBIT_BIN, tool), os.X_OK):
            return f"RabbitMQ is not installed ({RABBIT_BIN}/{tool}): apt-get install rabbitmq-server"
    return None


class RabbitNode:
    """One RabbitMQ node of the tests' own: AMQP on `port`, distribution on port+20000, management on
    port+10000, data and logs under `base`, HOME (and so the Erlang cookie) `home`."""

    def __init__(self, name: str, port: int, base: str, home: str):
        self.nodename = f"biye-{name}@localhost"
        self.port = port
        self.dist_port = port + 20000
        self.mgmt_port = port + 10000
        self.base = os.path.join(base, name)
        self.home = home
        self.log_path = os.path.join(self.base, "server.log")
        self.proc: subprocess.Popen | None = None
        os.makedirs(self.base, exist_ok=True)
        with open(os.path.join(self.base, "rabbitmq.conf"), "w") as conf:
            conf.write(f"listeners.tcp.local = 127.0.0.1:{port}\n"
                       f"management.tcp.ip = 127.0.0.1\nmanagement.tcp.port = {self.mgmt_port}\n"
                       "loopback_users = none\n")
        with open(os.path.join(self.base, "enabled_plugins"), "w") as plugins:
            plugins.write("[rabbitmq_management].\n")
        open(os.path.join(self.base, "rabbitmq-env.conf"), "w").close()  # not the machine's /etc/rabbitmq one

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.mgmt_port}/api"

    def uri(self, vhost: str = "/") -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/{quote(vhost, safe='')}"

    def env(self) -> dict:
        return dict(os.environ, HOME=self.home, RABBITMQ_NODENAME=self.nodename, RABBITMQ_NODE_PORT=str(self.port),
                    RABBITMQ_DIST_PORT=str(self.dist_port), RABBITMQ_CONF_ENV_FILE=f"{self.base}/rabbitmq-env.conf",
                    RABBITMQ_CONFIG_FILE=f"{self.base}/rabbitmq.conf",
                    RABBITMQ_ENABLED_PLUGINS_FILE=f"{self.base}/enabled_plugins",
                    RABBITMQ_MNESIA_BASE=f"{self.base}/mnesia", RABBITMQ_LOG_BASE=f"{self.base}/log",
                    ERL_EPMD_ADDRESS="127.0.0.1", ERL_CRASH_DUMP=f"{self.base}/erl_crash.dump")

    def ctl(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        """rabbitmqctl against this node."""
        done = subprocess.run([os.path.join(RABBIT_BIN, "rabbitmqctl"), "-n", self.nodename, *args],
                              env=self.env(), cwd=self.base, capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} on {self.nodename}: {done.stdout}{done.stderr}")
        return done

    def start(self, wait: bool = True) -> "RabbitNode":
        for port in (self.port, self.dist_port, self.mgmt_port):
            if not _port_free(port):
                raise RuntimeError(f"port {port} is taken: another {self.nodename} left running?")
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([os.path.join(RABBIT_BIN, "rabbitmq-server")], env=self.env(), cwd=self.base,
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        if wait:
            self.wait_running()
        return self

    def wait_running(self, timeout: float = 120) -> None:
        """Until the node and its management API answer."""
        def up() -> bool:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.nodename} exited: see {self.log_path}")
            try:
                return requests.get(f"{self.api}/overview", auth=AUTH, timeout=5).status_code == 200
            except requests.RequestException:
                return False
        def booting() -> bool:  # registered with epmd, so that await_startup can reach it
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.nodename} exited: see {self.log_path}")
            return self.ctl("ping", check=False, timeout=60).returncode == 0
        _wait(booting, timeout, f"{self.nodename} to boot")
        self.ctl("await_startup", "--timeout", str(int(timeout)), timeout=timeout + 10)
        _wait(up, timeout, f"{self.nodename}'s management API")

    def stop(self) -> None:
        """A clean shutdown of the whole node (the broker connections of its clients are closed)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.ctl("stop", check=False)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:  # not up far enough to be told: the script and its erl, together
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def join(self, seed: "RabbitNode") -> None:
        """Join `seed`'s cluster (this node's own data is reset)."""
        self.ctl("stop_app")
        self.ctl("reset")
        self.ctl("join_cluster", seed.nodename)
        self.ctl("start_app")
        self.wait_running()

    def get(self, path: str) -> dict | list:
        r = requests.get(f"{self.api}/{path}", auth=AUTH, timeout=10)
        r.raise_for_status()
        return r.json()

    def create_vhost(self, name: str) -> str:
        """A virtual host with full rights for guest; returns its AMQP URI on this node."""
        r = requests.put(f"{self.api}/vhosts/{quote(name, safe='')}", auth=AUTH, timeout=10)
        r.raise_for_status()
        r = requests.put(f"{self.api}/permissions/{quote(name, safe='')}/guest", auth=AUTH, timeout=10,
                         json={"configure": ".*", "write": ".*", "read": ".*"})
        r.raise_for_status()
        return self.uri(name)

    def queues(self, vhost: str) -> list[dict]:
        return self.get(f"queues/{quote(vhost, safe='')}")


def postgres_bin(tool: str) -> str | None:
    for folder in PG_BIN_DIRS:
        path = os.path.join(folder, tool)
        if os.access(path, os.X_OK):
            return path
    return None


def postgres_missing() -> str | None:
    """Why no PostgreSQL server can be started here (None if one can)."""
    for tool in ("initdb", "pg_ctl"):
        if postgres_bin(tool) is None:
            return f"PostgreSQL's {tool} is not installed: apt-get install postgresql"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run initdb as"
    return None


class PostgresServer:
    """A PostgreSQL cluster of the tests' own on 127.0.0.1:`port`, trust authentication, superuser root."""

    def __init__(self, port: int, base: str):
        self.port = port
        self.base = base
        self.data = os.path.join(base, "data")
        self.log_path = os.path.join(base, "server.log")
        self._as_postgres = os.geteuid() == 0  # initdb and postgres refuse to run as root
        if self._as_postgres:
            shutil.chown(base, "postgres")

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess:
        argv = [postgres_bin(tool), *args]
        if self._as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        done = subprocess.run(argv, cwd=self.base, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)}: {done.stdout}{done.stderr}")
        return done

    def init(self) -> "PostgresServer":
        self._run("initdb", "-D", self.data, "-U", "root", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        return self

    def start(self) -> "PostgresServer":
        if not _port_free(self.port):
            raise RuntimeError(f"port {self.port} is taken: another test PostgreSQL left running?")
        self._run("pg_ctl", "-D", self.data, "-l", self.log_path, "-w", "-t", "60", "start", "-o",
                  f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c max_connections=300")
        return self

    def stop(self, mode: str = "fast") -> None:
        """`fast`: sessions are ended and the server shuts down cleanly; `immediate`: as a crash."""
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self._run("pg_ctl", "-D", self.data, "-w", "-t", "60", "-m", mode, "stop")

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def url(self, database: str) -> str:
        return f"postgresql://root@127.0.0.1:{self.port}/{database}"

    def connections(self, database: str) -> int:
        """Sessions on `database` other than this look-up's own."""
        with psycopg2.connect(self.url("postgres")) as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                        (database,))
            return cur.fetchone()[0]


def _temp_dir(prefix: str) -> str:
    path = tempfile.mkdtemp(prefix=prefix)
    os.chmod(path, 0o755)
    return path


def _home_with_cookie(base: str) -> str:
    home = os.path.join(base, "home")
    os.makedirs(home)
    cookie = os.path.join(home, ".erlang.cookie")
    with open(cookie, "w") as f:
        f.write(secrets.token_hex(16).upper())
    os.chmod(cookie, 0o400)
    return home


@pytest.fixture
def own_rabbit() -> Iterator[RabbitNode]:
    """A RabbitMQ node of this test's own (AMQP 127.0.0.1:5681), stopped and removed after it."""
    reason = rabbit_missing()
    if reason:
        pytest.skip(reason)
    base = _temp_dir("biye-rabbit-")
    node = RabbitNode("r1", RABBIT_PORT, base, _home_with_cookie(base))
    try:
        yield node.start()
    finally:
        node.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def rabbit_cluster() -> Iterator[list[RabbitNode]]:
    """Three RabbitMQ nodes of this test's own (AMQP 127.0.0.1:5701-5703) in one cluster; removed after."""
    reason = rabbit_missing()
    if reason:
        pytest.skip(reason)
    base = _temp_dir("biye-cluster-")
    home = _home_with_cookie(base)
    nodes = [RabbitNode(f"c{i}", port, base, home) for i, port in enumerate(CLUSTER_PORTS, start=1)]
    try:
        for node in nodes:
            node.start(wait=False)
        for node in nodes:
            node.wait_running()
        for node in nodes[1:]:
            node.join(nodes[0])
        yield nodes
    finally:
        for node in reversed(nodes):
            node.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this test's own (127.0.0.1:55433), stopped and removed after it."""
    reason = postgres_missing()
    if reason:
        pytest.skip(reason)
    base = _temp_dir("biye-postgres-")
    server = PostgresServer(POSTGRES_PORT, base)
    try:
        yield server.init().start()
    finally:
        try:
            server.stop("immediate")
        finally:
            shutil.rmtree(base, ignore_errors=True)
