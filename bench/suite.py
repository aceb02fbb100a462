#!/usr/bin/env python3
"""The issue-7 benchmark comparison in one command, written up as a report.

Usage: python3 bench/suite.py [--preset=quick|full|smoke] [--out=DIR]
                              [--build=DIR]

Runs, on this machine and in one go:
  1. the machine and the build measured;
  2. closed-loop unary Redeem at several client counts: the empty gRPC
     handler (bench/passclear-empty-server, gRPC's ceiling), passclear
     (durable: every answer waits for the WAL fsync) and the same durable
     redemption on PostgreSQL 15 (bench/postgres/, driven by pgbench) and
     on Redis 7 (bench/redis/, a Lua script with appendfsync always, driven
     by redis-benchmark);
  3. RedeemBatch and RedeemStream, beside PostgreSQL's batched transaction
     and Redis's pipeline;
  4. open-loop latency of unary Redeem at several offered rates;
  5. a national store: passclear-dataset builds a small and a large store
     with the issue's workload mix, replayed closed loop on each; the large
     one's resident memory, disk usage and reopen time after a clean stop;
  6. the store's micro benchmarks (bench/pass_store_benchmark).

Every system's server CPU per call is read from /proc/PID/stat (utime +
stime of every thread, and of its child processes: PostgreSQL's backends)
over the measured window only, because the load generators share the
cores.

It writes report.md (a Targets table first, then one table per section),
results.json (every JSON line of the load generator and the other figures)
and the plots (PNG, gnuplot) into the out folder, default
bench/results/<YYYY-MM-DD>-<preset>/, and prints the report's path. A step
that fails (non-zero exit, a server that does not start) aborts the suite,
naming the step: no report is written then.

Presets (PRESETS below):
  smoke  1 s runs and tiny stores, for CI, so that nothing rots (about 60 s);
         its figures mean nothing.
  quick  every section at small sizes, 5 s runs: under 5 minutes on 2 cores
         (about 3). Runs this short flatter PostgreSQL, whose rate falls
         over a run's first seconds.
  full   the real run: 15 s runs, a store of 100 million passes (about
         1.5 GB of disk in /tmp); about 15 to 20 minutes by its sizes (not
         timed yet).

Needs a build (deploy/scripts/build.sh; --build, default build/), PostgreSQL
15 with pgbench (run as root: PostgreSQL runs as the postgres user), Redis
with redis-benchmark and gnuplot (deploy/scripts/install_deps.sh installs
them). Scratch data lives in a temporary folder under /tmp, removed at the
end.
"""

import argparse
import contextlib
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PRESETS = {
    "smoke": {
        "seconds": 1,
        "clients": [1, 32],
        "rates": [200, 5000],
        "small_passes": 20_000,
        "large_passes": 50_000,
        "venues": 2_000,
        "requests": 2_000,
        "micro_filter": "JudgeRedemption|ParsePassCode|CodeTag|PassKey",
        "micro_min_time": 0.01,
    },
    "quick": {
        "seconds": 5,
        "clients": [4, 32],
        "rates": [1000, 5000],
        "small_passes": 1_000_000,
        "large_passes": 3_000_000,
        "venues": 200_000,
        "requests": 100_000,
        "micro_filter": "JudgeRedemption|ParsePassCode|CodeTag|PassKey|Redeem",
        "micro_min_time": 0.05,
    },
    "full": {
        "seconds": 15,
        "clients": [1, 4, 16, 32, 64],
        "rates": [1000, 2500, 5000, 7500, 10000],
        "small_passes": 1_000_000,
        "large_passes": 100_000_000,
        "venues": 200_000,
        "requests": 1_000_000,
        "micro_filter": ".",
        "micro_min_time": 0.5,
    },
}

REPO = Path(__file__).resolve().parent.parent
BINARIES = {
    "server": "server/passclear-server",
    "empty": "bench/passclear-empty-server",
    "load": "bench/passclear-load",
    "dataset": "bench/passclear-dataset",
    "passctl": "clients/passctl",
    "micro": "bench/pass_store_benchmark",
}

# The bars are stated at these points.
TARGET_CLIENTS = 32
TARGET_RATE = 5000
BATCH_CLIENTS = 8
BATCH_SIZE = 1000
OPEN_LOOP_CLIENTS = 64
REPLAY_CLIENTS = 32

# Passes issued per second of run, more than a run can redeem, so that no
# run runs out (the load generator would then answer ALREADY_REDEEMED).
UNARY_PASSES_PER_SECOND = 60_000
BATCH_PASSES_PER_SECOND = 400_000
# The same for PostgreSQL and Redis, which both load this many passes per
# second of each run into one store each: per unary run (Redis did 43,000/s
# at 64 clients on a 2-core machine), and for the batched or pipelined run
# (Redis 134,000/s).
PEER_PASSES_PER_SECOND = 50_000
PEER_BATCH_PASSES_PER_SECOND = 200_000
# Seconds of each peer run outside its measured window, passes included.
PEER_UNTIMED_SECONDS = 3
# Redemptions per PostgreSQL transaction and per Redis pipeline in the
# batch section (the comparison).
PEER_BATCH_SIZE = 100

START_TIMEOUT = 30  # seconds a server may take to answer
STOP_TIMEOUT = 30

SAMPLE_PERIOD = 0.05  # seconds between two readings of a server's CPU time
RESCAN_PERIOD = 1.0  # seconds between two listings of a server's children
# Seconds a server is left to finish the work of a run's last calls before
# its CPU time is read at the end of the window.
SETTLE = 0.1
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# The workload mix, by the answer each request should get.
WORKLOAD_MIX = {
    "REDEEM_RESULT_REDEEMED": 95.0,
    "REDEEM_RESULT_ALREADY_REDEEMED": 2.0,
    "REDEEM_RESULT_EXPIRED": 1.0,
    "REDEEM_RESULT_UNKNOWN_SERIAL": 0.5,
    "REDEEM_RESULT_COUNTERFEIT": 0.5,
    "REDEEM_RESULT_VOIDED": 0.5,
    "REDEEM_RESULT_VENUE_NOT_ALLOWED": 0.5,
}

EMPTY = "empty gRPC handler"
PASSCLEAR = "passclear, durable"
POSTGRES = "PostgreSQL 15, pgbench"
REDIS = "Redis 7, redis-benchmark"


class StepFailed(Exception):
    """A step of the suite failed; the message names it."""

    def __init__(self, step, why):
        super().__init__(f"step '{step}' failed: {why}")


def tail(text, lines=15):
    return "\n".join(text.strip().splitlines()[-lines:])


def run(step, command, cwd=None):
    """Runs a command to its end; answers its stdout, or raises StepFailed."""
    done = subprocess.run([str(part) for part in command], cwd=cwd,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise StepFailed(step, f"exit status {done.returncode}\n"
                         f"{tail(done.stdout + done.stderr)}")
    return done.stdout


def wait_until(step, ready, process=None, log=None):
    """Polls `ready()` until true; fails after START_TIMEOUT seconds or when
    `process` exits first."""
    deadline = time.monotonic() + START_TIMEOUT
    while not ready():
        exited = process is not None and process.poll() is not None
        if exited or time.monotonic() > deadline:
            why = (f"exited with status {process.returncode}" if exited
                   else f"not ready after {START_TIMEOUT} s")
            if log is not None and log.exists():
                why += "\n" + tail(log.read_text(errors="replace"))
            raise StepFailed(step, why)
        time.sleep(0.05)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def accepts(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def stop(process):
    """SIGTERM, then wait (SIGKILL if it will not stop)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def background(command, log):
    """A server process, stopped on leaving, whatever happens. Its own
    session: Ctrl-C reaches the suite, which stops it in order."""
    with open(log, "ab") as out:
        process = subprocess.Popen([str(part) for part in command],
                                   stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        yield process
    finally:
        stop(process)


def stat_fields(pid):
    """/proc/PID/stat from its third field (the state) on: the command name
    before it may hold spaces. OSError once the process is gone."""
    with open(f"/proc/{pid}/stat") as stat:
        text = stat.read()
    return text[text.rindex(")") + 2:].split()


def own_ticks(fields):
    """utime + stime (fields 14 and 15 of proc(5)): every thread's."""
    return int(fields[11]) + int(fields[12])


def reaped_ticks(fields):
    """cutime + cstime (fields 16 and 17): the children it has waited for."""
    return int(fields[13]) + int(fields[14])


def descendants(pid):
    """The processes under `pid`, from one listing of /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parent = int(stat_fields(entry)[1])
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
            children.setdefault(parent, []).append(int(entry))
    found, frontier = [], [pid]
    while frontier:
        frontier = [c for p in frontier for c in children.get(p, [])]
        found += frontier
    return found


class ServerCpu:
    """The CPU time, in seconds, a server has used since it started: its own
    threads', its children's (PostgreSQL's backends, Redis's AOF rewrite)
    and the children's it has reaped. As a context manager, it reads it
    every SAMPLE_PERIOD in a thread, so that a window known only once a load
    generator has ended (its measured seconds, counted back from its exit)
    can be read back.

        with ServerCpu(server.process.pid) as cpu:
            ...  # the load generator runs
        used = cpu.now() - cpu.at(window_start)
    """

    def __init__(self, pid, children=False):
        self.pid = pid
        self.children = children
        self.kids = None
        self.settled = False
        self.listed_at = None
        self.samples = []  # (time.monotonic(), CPU seconds, switches)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def now(self):
        # Listed at every reading while they change (pgbench connecting),
        # then every RESCAN_PERIOD: a child missing at the window's start
        # would bring in all it had used before.
        if self.children and (not self.settled or time.monotonic() -
                              self.listed_at > RESCAN_PERIOD):
            kids = descendants(self.pid)
            self.settled = self.kids is not None and set(kids) == set(
                self.kids)
            self.kids = kids
            self.listed_at = time.monotonic()
        while True:
            parent = stat_fields(self.pid)
            ticks = own_ticks(parent) + reaped_ticks(parent)
            for kid in self.kids or []:
                try:
                    fields = stat_fields(kid)
                except OSError:
                    continue  # gone: in the parent's cutime once reaped
                ticks += own_ticks(fields) + reaped_ticks(fields)
            # A child reaped between the two readings would be counted
            # twice, or not at all: read again.
            if reaped_ticks(stat_fields(self.pid)) == reaped_ticks(parent):
                return ticks / CLOCK_TICKS
            if self.children:
                self.kids = descendants(self.pid)

    def sample(self):
        while True:
            try:
                self.samples.append(
                    (time.monotonic(), self.now(), self.switches()))
            except OSError:
                return  # the server is gone: its step fails on its own
            if self.done.wait(SAMPLE_PERIOD):
                return

    def switches(self):
        """Context switches (voluntary and not) of the server's own
        threads so far: each costs a trip through the kernel, which on this
        kind of virtual machine is most of what a hand-off between threads
        costs."""
        total = 0
        for task in os.listdir(f"/proc/{self.pid}/task"):
            try:
                with open(f"/proc/{self.pid}/task/{task}/status") as status:
                    total += sum(int(line.split()[1]) for line in status
                                 if line.split(":")[0].endswith(
                                     "ctxt_switches"))
            except OSError:
                continue  # a thread that ended meanwhile
        return total

    def at(self, moment, field=1):
        """The CPU time (field 1) or the switches (field 2) at `moment`,
        between the two samples around it."""
        before = [s for s in self.samples if s[0] <= moment] or self.samples[:1]
        after = [s for s in self.samples if s[0] >= moment] or self.samples[-1:]
        (t0, v0), (t1, v1) = (before[-1][0], before[-1][field]), (
            after[0][0], after[0][field])
        return v0 if t1 == t0 else v0 + (v1 - v0) * ((moment - t0) / (t1 - t0))

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exception):
        self.done.set()
        self.thread.join()


def cpu_per_call(used_seconds, calls, items_per_call=1):
    """Server CPU µs per call and per item (a batch's redemptions)."""
    if not calls:
        return {"server_cpu_us_per_call": None, "server_cpu_us_per_item": None}
    return {"server_cpu_us_per_call": used_seconds / calls * 1e6,
            "server_cpu_us_per_item":
                used_seconds / (calls * items_per_call) * 1e6}


class Server:
    """A running server under measure: its process, its address and, for
    passclear-server, its admin token file."""

    def __init__(self, process, target, token=None):
        self.process = process
        self.target = target
        self.token = token


class Suite:
    """What every step needs: the preset, the binaries, a scratch folder,
    and the raw results that go to results.json."""

    def __init__(self, preset, build, out, work):
        self.preset_name = preset
        self.preset = PRESETS[preset]
        self.seconds = self.preset["seconds"]
        self.build = build
        self.out = out
        self.work = work
        self.raw = {"preset": preset, "load_runs": [], "postgres_runs": [],
                    "redis_runs": [], "stores": []}

    def binary(self, name):
        return self.build / BINARIES[name]

    @contextlib.contextmanager
    def empty_server(self):
        port = free_port()
        command = [self.binary("empty"), f"--listen=127.0.0.1:{port}"]
        log = self.work / "empty-server.log"
        with background(command, log) as process:
            wait_until("start passclear-empty-server", lambda: accepts(port),
                       process, log)
            yield Server(process, f"127.0.0.1:{port}")

    @contextlib.contextmanager
    def passclear_server(self, data_dir):
        """passclear-server on `data_dir` (created if new), once it serves."""
        port_file = self.work / "port"
        port_file.unlink(missing_ok=True)
        log = self.work / "server.log"
        command = [self.binary("server"), f"--data_dir={data_dir}",
                   "--listen=127.0.0.1:0", f"--port_file={port_file}",
                   "--demo_data=false", "--metrics_listen=127.0.0.1:0",
                   "--terminal_rate=0"]
        with background(command, log) as process:
            token = data_dir / "admin-token"
            wait_until(f"start passclear-server on {data_dir.name}",
                       lambda: token.exists() and port_file.exists() and
                       port_file.read_text().strip(), process, log)
            target = f"127.0.0.1:{port_file.read_text().strip()}"
            yield Server(process, target, token)

    def load(self, step, server, *flags, passes=None):
        """One passclear-load run against `server`: answers its JSON line
        with the server's CPU per call over the measured window, kept for
        results.json. With `passes`, issues that many and checks that the
        run did not use them all."""
        command = [self.binary("load"), f"--target={server.target}",
                   f"--duration={self.seconds}s", *flags]
        if passes is not None:
            command.append(f"--passes={passes}")
        with ServerCpu(server.process.pid) as cpu:
            output = run(step, command)
        ended = time.monotonic()
        result = json.loads(output.splitlines()[0])
        # The measured window: its seconds, counted back from the load
        # generator's exit, which follows its last call by milliseconds.
        time.sleep(SETTLE)
        window_start = ended - result["seconds"]
        cpu_used = cpu.now() - cpu.at(window_start)
        calls = result["calls_per_second"] * result["seconds"]
        result.update(cpu_per_call(
            cpu_used, calls,
            result["batch_size"] if result["mode"] == "batch" else 1))
        if calls:
            result["server_switches_per_call"] = (
                cpu.switches() - cpu.at(window_start, field=2)) / calls
        self.raw["load_runs"].append({"step": step, "result": result})
        used = result["redeemed_per_second"] * result["seconds"]
        if passes is not None and used >= passes:
            raise StepFailed(step, f"ran out of its {passes:,} passes")
        return result


# --- 1. Machine and run ------------------------------------------------------


def git(*args):
    return subprocess.run(["git", "-C", REPO, *args], capture_output=True,
                          text=True, check=True).stdout.strip()


def lscpu_model():
    for line in subprocess.run(["lscpu"], capture_output=True,
                               text=True).stdout.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def memory_gib():
    with open("/proc/meminfo") as meminfo:
        kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo.read()).group(1))
    return kib / 2**20


SYNC_APPENDS = 200
SYNC_BYTES = 200


def measure_sync_us(suite):
    """Median µs to append SYNC_BYTES to a file and fdatasync it, in the
    scratch folder where the stores live: a WAL sync, half of the latency
    floor of one durable call (the other half: one gRPC round trip)."""
    path = suite.work / "sync-probe"
    took = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        for _ in range(SYNC_APPENDS):
            began = time.perf_counter()
            os.write(fd, b"x" * SYNC_BYTES)
            os.fdatasync(fd)
            took.append(time.perf_counter() - began)
    finally:
        os.close(fd)
        path.unlink()
    return sorted(took)[len(took) // 2] * 1e6


def describe_machine(suite):
    commit = git("rev-parse", "--short", "HEAD")
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += " + uncommitted changes"
    return {
        "date": datetime.datetime.now().astimezone().isoformat(" ", "seconds"),
        "commit": commit,
        "cpu": lscpu_model(),
        "cores": len(os.sched_getaffinity(0)),
        "memory_gib": round(memory_gib(), 1),
        "kernel": f"{platform.system()} {platform.release()}",
        "postgres": run("pg_ctl --version",
                        [postgres_bin() / "pg_ctl", "--version"]).strip(),
        # "Redis server v=7.0.15 sha=... malloc=... bits=64 build=..."
        "redis": " ".join(run("redis-server --version",
                              ["redis-server", "--version"]).split()[:3]),
        "sync_us": measure_sync_us(suite),
        "preset": suite.preset_name,
        "seconds_per_run": suite.seconds,
    }


# --- 2. Throughput against clients -------------------------------------------


def measure_throughput(suite):
    """Closed-loop unary calls/s, with server CPU per call, of the empty
    handler and passclear by client count (measure_peers adds PostgreSQL
    and Redis)."""
    clients = suite.preset["clients"]
    rows = {EMPTY: {}, PASSCLEAR: {}}
    with suite.empty_server() as server:
        for c in clients:
            rows[EMPTY][c] = suite.load(f"empty server, {c} clients", server,
                                        f"--label={EMPTY}", "--setup=false",
                                        f"--clients={c}")
    with suite.passclear_server(suite.work / "throughput") as server:
        for c in clients:
            rows[PASSCLEAR][c] = suite.load(
                f"passclear unary, {c} clients", server,
                f"--label={PASSCLEAR}", f"--admin_token_file={server.token}",
                f"--clients={c}",
                passes=UNARY_PASSES_PER_SECOND * suite.seconds)
    return rows


def measure_peers(suite):
    """PostgreSQL and Redis, each on one store of the same passes: unary
    redemptions at each client count (section 2), then PEER_BATCH_SIZE
    redemptions per PostgreSQL transaction and per Redis pipeline
    (section 3). Answers, by system, {"unary": {clients: figures},
    "batch": figures}."""
    clients = suite.preset["clients"]
    # Each run also redeems before and after its measured window (starting,
    # connecting, stopping): on a quiet machine the smoke's 1 s windows ran
    # Redis out of passes.
    passes = (PEER_PASSES_PER_SECOND * len(clients) +
              PEER_BATCH_PASSES_PER_SECOND) * (suite.seconds +
                                               PEER_UNTIMED_SECONDS)
    *unary, batch = measure_postgres(
        suite, [("redeem.pgbench", c, 1) for c in clients] +
        [("redeem_batch.pgbench", BATCH_CLIENTS, PEER_BATCH_SIZE)], passes)
    peers = {POSTGRES: {"unary": dict(zip(clients, unary)), "batch": batch}}
    # Twice as many for Redis: two smoke runs in a row (1 s windows) have
    # still seen its calls outnumber its redemptions; the failure message
    # now tells replays from running out of passes.
    *unary, batch = measure_redis(
        suite, [(c, 1) for c in clients] +
        [(BATCH_CLIENTS, PEER_BATCH_SIZE)], 2 * passes)
    peers[REDIS] = {"unary": dict(zip(clients, unary)), "batch": batch}
    return peers


# --- PostgreSQL --------------------------------------------------------------


def postgres_bin():
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                      key=lambda p: int(p.parent.name))
    if not versions:
        raise StepFailed("find PostgreSQL", "no /usr/lib/postgresql/*/bin "
                         "(deploy/scripts/install_deps.sh installs it)")
    return versions[-1]


@contextlib.contextmanager
def postgres(suite):
    """A PostgreSQL server in the scratch folder on a free loopback port,
    durable as passclear is (fsync and synchronous commit on), with a
    buffer pool that holds the whole data set. Answers its port and its
    postmaster's process id."""
    pg_bin = postgres_bin()
    home = suite.work / "pg"
    home.mkdir()
    # PostgreSQL refuses to run as root: its files belong to postgres.
    shutil.chown(home, "postgres", "postgres")
    as_postgres = ["runuser", "-u", "postgres", "--"]
    run("PostgreSQL initdb", [*as_postgres, pg_bin / "initdb", "-D", home,
                              "-A", "trust", "-U", "postgres"])
    port = free_port()
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {home} "
               "-c shared_buffers=1GB -c max_connections=200 -c fsync=on "
               "-c synchronous_commit=on")
    run("PostgreSQL start", [*as_postgres, pg_bin / "pg_ctl", "-D", home,
                             "-l", home / "server.log", "-w", "-o", options,
                             "start"])
    try:
        pid = int((home / "postmaster.pid").read_text().split()[0])
        yield port, pid
    finally:
        subprocess.run([*as_postgres, pg_bin / "pg_ctl", "-D", home, "-m",
                        "fast", "stop"], capture_output=True)


def psql(step, port, *args):
    return run(step, ["psql", "-X", "-q", "-h", "127.0.0.1", "-p", port,
                      "-U", "postgres", "-v", "ON_ERROR_STOP=1", *args])


def pgbench(suite, port, postmaster, script, clients, batch):
    """One pgbench run of bench/postgres/`script`, `batch` redemptions per
    transaction: answers its figures, with the server's CPU (postmaster,
    backends and background processes) per transaction and per redemption
    over pgbench's own window: from the end of its initial connections
    (which -T counts in, and which take a second at 32 clients on a loaded
    machine) to its exit."""
    step = f"pgbench {script}, {clients} clients"
    command = ["pgbench", "-h", "127.0.0.1", "-p", port, "-U", "postgres",
               "-n", "-M", "prepared", "-c", clients, "-j", min(2, clients),
               "-T", suite.seconds, "-D", f"batch={batch}", "-f",
               REPO / "bench/postgres" / script, "postgres"]
    with ServerCpu(postmaster, children=True) as cpu:
        launched = time.monotonic()
        output = run(step, command)
    figures = [re.search(pattern, output, re.MULTILINE) for pattern in (
        r"^tps = ([0-9.]+)",
        r"^number of transactions actually processed: (\d+)",
        r"^initial connection time = ([0-9.]+) ms")]
    if not all(figures):
        raise StepFailed(step, "no tps in pgbench's output\n" + tail(output))
    tps, done, connecting = figures
    time.sleep(SETTLE)  # its backends gone, reaped: in postmaster's cutime
    used = cpu.now() - cpu.at(launched + float(connecting.group(1)) / 1000)
    result = {"label": POSTGRES, "mode": "unary" if batch == 1 else
              "transaction", "clients": clients, "batch_size": batch,
              "calls_per_second": float(tps.group(1)),
              "redeemed_per_second": float(tps.group(1)) * batch,
              **cpu_per_call(used, int(done.group(1)), batch)}
    suite.raw["postgres_runs"].append({**result, "output": output})
    return result


def check_postgres(port, passes):
    """Every scan redeemed its pass, with its claim line and its answer,
    and no scan ran past the passes loaded (it would have answered
    UNKNOWN_SERIAL)."""
    step = "PostgreSQL consistency check"
    count = lambda sql: int(psql(step, port, "-t", "-A", "-c", sql).strip())
    redeemed = count("SELECT count(*) FROM passes WHERE state = 2")
    lines = count("SELECT count(*) FROM claim_lines")
    answers = count("SELECT count(*) FROM answers")
    scanned = count("SELECT last_value FROM scan_serial")
    if scanned > passes:
        raise StepFailed(step, f"{scanned:,} scans for {passes:,} passes")
    if not redeemed == lines == answers == scanned:
        raise StepFailed(step, f"{scanned:,} scans: {redeemed:,} redeemed, "
                         f"{lines:,} claim lines, {answers:,} answers")


def measure_postgres(suite, runs, passes):
    """pgbench runs, each (script, clients, redemptions per transaction), on
    one database of `passes` passes: answers their figures in order."""
    results = []
    with postgres(suite) as (port, postmaster):
        psql("PostgreSQL schema", port, "-v", f"passes={passes}", "-f",
             REPO / "bench/postgres/schema.sql")
        # Loading the passes leaves a checkpoint and the tables' first
        # vacuum to do: done now, they would slow the first runs (to a
        # third of the steady rate at 32 clients), which is not what a
        # service in production meets.
        psql("PostgreSQL checkpoint", port, "-c", "VACUUM ANALYZE")
        psql("PostgreSQL checkpoint", port, "-c", "CHECKPOINT")
        for script, clients, batch in runs:
            results.append(pgbench(suite, port, postmaster, script, clients,
                                   batch))
        check_postgres(port, passes)
    return results


# --- Redis -------------------------------------------------------------------

REDIS_LOAD_SLICE = 100_000  # passes per call of bench/redis/schema.lua
# Keys bench/redis/ writes besides a pass and an answer per scan.
REDIS_OTHER_KEYS = ["programme:1", "venue:1", "venue:1:programmes",
                    "scan_serial", "claim_seq", "batch_ids", "batch:1:lines"]
# redis-benchmark runs until stopped at the end of the window: it has no
# run time, only a count of requests.
REDIS_BENCHMARK_REQUESTS = 2_000_000_000
RANDOM_RANGE = 2**31 - 1  # redis-benchmark's largest -r


class Redis:
    """A connection speaking just enough of RESP for the suite's calls."""

    def __init__(self, port):
        self.socket = socket.create_connection(("127.0.0.1", port))
        self.replies = self.socket.makefile("rb")

    def call(self, *args):
        return self.pipeline(args)[0]

    def pipeline(self, *commands):
        """Sends the commands at once: Redis runs them one after the other,
        no other client's in between."""
        request = b""
        for command in commands:
            parts = [str(arg).encode() for arg in command]
            request += b"*%d\r\n" % len(parts) + b"".join(
                b"$%d\r\n%s\r\n" % (len(part), part) for part in parts)
        self.socket.sendall(request)
        replies = [self.reply() for _ in commands]
        for command, reply in zip(commands, replies):
            if isinstance(reply, RedisError):
                raise StepFailed(f"Redis {command[0]}", str(reply))
        return replies

    def reply(self):
        line = self.replies.readline()
        if not line:
            raise StepFailed("Redis", "the server closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RedisError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            return self.replies.read(size + 2)[:-2].decode()
        if kind == b"*":
            size = int(rest)
            return None if size < 0 else [self.reply() for _ in range(size)]
        raise StepFailed("Redis", f"unexpected reply {line!r}")

    def info(self, section):
        return parse_info(self.call("INFO", section))

    def evalsha_calls(self):
        """EVALSHA calls so far, and those that failed or were rejected."""
        return evalsha_calls(self.info("commandstats"))

    def close(self):
        self.replies.close()
        self.socket.close()


class RedisError(str):
    """An error reply."""


def parse_info(text):
    return dict(line.split(":", 1) for line in text.splitlines()
                if ":" in line)


def evalsha_calls(commandstats):
    """From INFO commandstats: EVALSHA calls so far, and those that failed
    or were rejected."""
    stats = dict(field.split("=") for field in commandstats.get(
        "cmdstat_evalsha", "calls=0").split(","))
    return (int(stats["calls"]), int(stats.get("failed_calls", 0)) +
            int(stats.get("rejected_calls", 0)))


@contextlib.contextmanager
def redis_server(suite):
    """Debian's redis-server in the scratch folder on a free loopback port,
    durable as passclear is: every write in the append-only file, synced
    before the answer (appendfsync always); no RDB snapshots. Answers its
    process and a connection to it."""
    home = suite.work / "redis"
    home.mkdir()
    port = free_port()
    command = ["redis-server", "--bind", "127.0.0.1", "--port", port,
               "--dir", home, "--appendonly", "yes", "--appendfsync",
               "always", "--save", "", "--protected-mode", "no",
               "--loglevel", "warning"]
    log = home / "server.log"
    with background(command, log) as process:
        wait_until("start redis-server", lambda: accepts(port),
                   process, log)
        redis = Redis(port)
        try:
            yield process, redis, port
        finally:
            redis.close()


def load_redis(redis, passes):
    """bench/redis/schema.lua's data with `passes` passes, then its
    append-only file rewritten: Redis's counterpart of PostgreSQL's
    checkpoint after its load. The load itself is not logged: written
    to the append-only file and synced as one call, it takes twice as long
    and leaves the same store."""
    schema = (REPO / "bench/redis/schema.lua").read_text()
    redis.call("CONFIG", "SET", "appendonly", "no")
    for first in range(1, passes + 1, REDIS_LOAD_SLICE):
        redis.call("EVAL", schema, 0, first,
                   min(passes, first + REDIS_LOAD_SLICE - 1))
    redis.call("CONFIG", "SET", "appendonly", "yes")  # rewrites the file
    wait_until("Redis append-only file rewrite", lambda: (lambda info: (
        info["aof_enabled"], info["aof_rewrite_in_progress"],
        info["aof_rewrite_scheduled"], info["aof_last_bgrewrite_status"]) ==
        ("1", "0", "0", "ok"))(redis.info("persistence")))


def redis_benchmark(suite, redis, port, cpu, sha, clients, pipeline, passes):
    """One redis-benchmark run of bench/redis/redeem.lua (EVALSHA), each
    call a first scan by a random request id: answers its figures over a
    window of the run's seconds, read from the server once every client is
    connected and calling, with its CPU per call."""
    step = (f"redis-benchmark, {clients} clients" +
            (f", {pipeline} deep" if pipeline > 1 else ""))
    log = suite.work / "redis-benchmark.log"
    # Two random numbers make a request id: one (below 2^31) would repeat
    # among a few hundred thousand calls, each repeat a cheap replay.
    command = ["redis-benchmark", "-h", "127.0.0.1", "-p", port, "-c",
               clients, "-P", pipeline, "-n", REDIS_BENCHMARK_REQUESTS,
               "-r", RANDOM_RANGE, "-q", "EVALSHA", sha, 0, "+", 1,
               "redis-benchmark", "__rand_int__-__rand_int__"]

    def sample():
        # Read together, between two calls of the script.
        stats, persistence, redeemed = redis.pipeline(
            ("INFO", "commandstats"), ("INFO", "persistence"),
            ("GET", "claim_seq"))
        calls, failed = evalsha_calls(parse_info(stats))
        return {"at": time.monotonic(), "calls": calls, "failed": failed,
                "redeemed": int(redeemed or 0), "cpu": cpu.now(),
                "rewrites": int(parse_info(persistence)["aof_rewrites"])}

    before = redis.evalsha_calls()[0]
    with background(command, log) as benchmark:
        # This connection, and every client of the benchmark's.
        wait_until(step, lambda: int(redis.info("clients")[
            "connected_clients"]) > clients and
            redis.evalsha_calls()[0] > before, benchmark, log)
        first = sample()
        time.sleep(suite.seconds)
        last = sample()
        if benchmark.poll() is not None:
            raise StepFailed(step, "redis-benchmark ended before its window"
                             f" did\n{tail(log.read_text(errors='replace'))}")
    calls = last["calls"] - first["calls"]
    redeemed = last["redeemed"] - first["redeemed"]
    if last["failed"] != first["failed"]:
        raise StepFailed(step, f"{last['failed'] - first['failed']:,} of "
                         f"{calls:,} calls failed (INFO commandstats)")
    if redeemed != calls:  # replays, or out of passes (UNKNOWN_SERIAL)
        scanned, replays = (int(redis.call("GET", key) or 0)
                            for key in ("scan_serial", "replays"))
        raise StepFailed(step, f"{calls:,} calls redeemed {redeemed:,} "
                         f"passes; so far {replays:,} replays, {scanned:,} "
                         f"serials scanned of {passes:,} loaded")
    seconds = last["at"] - first["at"]
    result = {"label": REDIS, "mode": "unary" if pipeline == 1 else
              "pipelined", "clients": clients, "batch_size": pipeline,
              "calls_per_second": calls / seconds,
              "redeemed_per_second": redeemed / seconds, "seconds": seconds,
              # AOF rewrites done in the window: their forked child's CPU
              # is in the window's
              "aof_rewrites": last["rewrites"] - first["rewrites"],
              **cpu_per_call(last["cpu"] - first["cpu"], calls)}
    suite.raw["redis_runs"].append(result)
    return result


def check_redis(redis, passes):
    """Every EVALSHA call was a first scan that redeemed its pass, with its
    claim line and its answer, or (at most 5 % of them: 3 % in a smoke run
    on a quiet machine) the replay of a request id redis-benchmark drew
    twice; no scan ran past the passes loaded."""
    step = "Redis consistency check"
    get = lambda key: int(redis.call("GET", key) or 0)
    calls, failed = redis.evalsha_calls()
    scanned, redeemed = get("scan_serial"), get("claim_seq")
    replays = get("replays")
    lines = redis.call("HLEN", "batch:1:lines")
    if scanned > passes:
        raise StepFailed(step, f"{scanned:,} scans for {passes:,} passes")
    if (failed or not calls - replays == scanned == redeemed == lines or
            replays > calls // 20):
        raise StepFailed(step, f"{calls:,} calls ({failed:,} failed, "
                         f"{replays:,} replays), {scanned:,} scans, "
                         f"{redeemed:,} redeemed, {lines:,} claim lines")
    answers = (redis.call("DBSIZE") - passes - len(REDIS_OTHER_KEYS) -
               (1 if replays else 0))
    if answers != scanned:
        raise StepFailed(step, f"{scanned:,} scans, {answers:,} answers")
    last = redis.call("HMGET", f"pass:{scanned}", "state", "seq")
    if last != ["2", str(scanned)]:
        raise StepFailed(step, f"the last pass scanned holds {last}")


def measure_redis(suite, runs, passes):
    """redis-benchmark runs, each (clients, pipeline depth), on one store of
    `passes` passes: answers their figures in order."""
    with redis_server(suite) as (process, redis, port):
        load_redis(redis, passes)
        sha = redis.call("SCRIPT", "LOAD",
                         (REPO / "bench/redis/redeem.lua").read_text())
        cpu = ServerCpu(process.pid, children=True)
        results = [redis_benchmark(suite, redis, port, cpu, sha, clients,
                                   pipeline, passes)
                   for clients, pipeline in runs]
        check_redis(redis, passes)
    return results


# --- 3. RedeemBatch and RedeemStream -----------------------------------------

# (mode, clients, items per call: the batch size, or the requests in flight
# per stream)
BATCH_RUNS = [
    ("batch", BATCH_CLIENTS, BATCH_SIZE),
    ("batch", BATCH_CLIENTS, 100),
    ("stream", TARGET_CLIENTS, 1),
    ("stream", BATCH_CLIENTS, 32),
]


def measure_batches(suite):
    """RedeemBatch and RedeemStream on passclear, and the empty handler's
    RedeemBatch of 100 as the ceiling."""
    with suite.empty_server() as server:
        runs = [suite.load("empty server, RedeemBatch of 100", server,
                           f"--label={EMPTY}", "--setup=false",
                           f"--clients={BATCH_CLIENTS}", "--mode=batch",
                           "--batch_size=100")]
    with suite.passclear_server(suite.work / "batches") as server:
        for mode, clients, items in BATCH_RUNS:
            per_second = (BATCH_PASSES_PER_SECOND if mode == "batch"
                          else UNARY_PASSES_PER_SECOND)
            runs.append(suite.load(
                f"passclear {mode} of {items}, {clients} clients",
                server, f"--label={PASSCLEAR}",
                f"--admin_token_file={server.token}", f"--clients={clients}",
                f"--mode={mode}", f"--batch_size={items}",
                passes=per_second * suite.seconds))
    return runs


# --- 4. Latency against offered load -----------------------------------------


def measure_open_loop(suite):
    """Open-loop unary Redeem on a fresh server, one run per rate."""
    runs = {}
    with suite.passclear_server(suite.work / "open-loop") as server:
        for rate in suite.preset["rates"]:
            runs[rate] = suite.load(
                f"open loop at {rate}/s", server, f"--label={PASSCLEAR}",
                f"--admin_token_file={server.token}",
                f"--clients={OPEN_LOOP_CLIENTS}", f"--rate={rate}",
                passes=rate * suite.seconds + 10_000)
    return runs


# --- 5. A national store -----------------------------------------------------

DATASET_LINE = re.compile(
    r"store of (\d+) passes, (\d+) venues built in ([0-9.]+) s; workload of "
    r"(\d+) requests, (\d+) terminals")


def build_store(suite, name, passes):
    """passclear-dataset: a new store and its workload."""
    step = f"passclear-dataset, {name} store"
    data_dir, workload = suite.work / name, suite.work / f"{name}.workload"
    output = run(step, [suite.binary("dataset"), f"--data_dir={data_dir}",
                        f"--passes={passes}",
                        f"--venues={suite.preset['venues']}",
                        f"--requests={suite.preset['requests']}",
                        f"--workload={workload}"])
    line = DATASET_LINE.search(output)
    if not line:
        raise StepFailed(step, "unexpected output\n" + tail(output))
    built_in = float(line.group(3))
    store = {
        "name": name, "output": output.strip(), "passes": int(line.group(1)),
        "venues": int(line.group(2)), "build_seconds": built_in,
        "requests": int(line.group(4)), "terminals": int(line.group(5)),
        # Printed to a tenth of a second: a tiny store may show 0.0.
        "issuance_per_second": (int(line.group(1)) / built_in
                                if built_in > 0 else None),
    }
    suite.raw["stores"].append(store)
    return store, data_dir, workload


def resident_gib(pid):
    with open(f"/proc/{pid}/status") as status:
        kib = int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1))
    return kib / 2**20


def disk_gib(path):
    kib = int(run(f"du {path.name}", ["du", "-sk", path]).split()[0])
    return kib / 2**20


def measure_store(suite, name, passes):
    """Builds a store, replays its workload closed loop; answers the store's
    figures with the replay, the server's resident memory after it, the
    disk used, and the time to answer again after a clean stop."""
    store, data_dir, workload = build_store(suite, name, passes)
    with suite.passclear_server(data_dir) as server:
        store["replay"] = suite.load(
            f"replay on the {name} store", server,
            f"--label=passclear, {name} store", f"--workload={workload}",
            f"--clients={REPLAY_CLIENTS}")
        store["resident_gib"] = resident_gib(server.process.pid)
    store["disk_gib"] = disk_gib(data_dir)
    began = time.monotonic()
    with suite.passclear_server(data_dir) as server:
        wait_until(f"answer whoami on the reopened {name} store",
                   lambda: answers_whoami(suite, server), server.process)
        store["reopen_seconds"] = time.monotonic() - began
    shutil.rmtree(data_dir)
    return store


def answers_whoami(suite, server):
    return subprocess.run([suite.binary("passctl"), f"--server={server.target}",
                           f"--token_file={server.token}", "whoami"],
                          capture_output=True).returncode == 0


def measure_national(suite):
    return {"small": measure_store(suite, "small",
                                   suite.preset["small_passes"]),
            "large": measure_store(suite, "large",
                                   suite.preset["large_passes"])}


# --- 6. Micro benchmarks -----------------------------------------------------


def measure_micro(suite):
    output = run("pass_store_benchmark", [
        suite.binary("micro"), "--benchmark_format=json",
        f"--benchmark_min_time={suite.preset['micro_min_time']}",
        f"--benchmark_filter={suite.preset['micro_filter']}"], cwd=suite.work)
    micro = json.loads(output)
    suite.raw["micro"] = micro
    return micro["benchmarks"]


# --- Targets -----------------------------------------------------------------

# The unary bars are stated at these client counts.
HIGH_CLIENTS = [16, 32, 64]
LOW_CLIENTS = [1, 4]
COMPARE = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b,
           "<=": lambda a, b: a <= b, "<": lambda a, b: a < b}


def ratio(a, b):
    return a / b if a is not None and b else None


def difference(a, b):
    return a - b if a is not None and b is not None else None


def find_run(runs, label, mode, batch_size):
    return next((r for r in runs if r["label"] == label and
                 r["mode"] == mode and r["batch_size"] == batch_size), {})


def targets(figures, machine):
    """One row per issue-17 bar (and per issue-7 bar it did not restate):
    the bar, the values measured (one per client count where it says
    several), their unit, and whether all are met (None where this preset
    measured none)."""
    throughput = figures["throughput"]
    clients = sorted(throughput[EMPTY])
    figure = lambda system, c, key: throughput[system].get(c, {}).get(key)

    def over(system, at):
        return [(f"{c} clients",
                 ratio(figure(PASSCLEAR, c, "calls_per_second"),
                       figure(system, c, "calls_per_second")))
                for c in at if c in clients]

    floor = []
    if 1 in clients:
        round_trip = figure(EMPTY, 1, "p50_ms")
        sync = machine["sync_us"] / 1000
        p50 = figure(PASSCLEAR, 1, "p50_ms")
        floor = [(f"p50 {p50:.2f} ms, floor {round_trip:.2f} + {sync:.2f} ms",
                  ratio(p50, round_trip + sync))]
    cpu_beyond_empty = [
        (f"{c} clients", difference(
            figure(PASSCLEAR, c, "server_cpu_us_per_call"),
            figure(EMPTY, c, "server_cpu_us_per_call"))) for c in clients]
    batches = figures["batches"]
    ours = find_run(batches, PASSCLEAR, "batch", BATCH_SIZE)
    pipelined = find_run(batches, REDIS, "pipelined", PEER_BATCH_SIZE)
    transaction = find_run(batches, POSTGRES, "transaction", PEER_BATCH_SIZE)
    batch = lambda key: ours.get(key)
    open_loop = figures["open_loop"].get(TARGET_RATE, {})
    small, large = figures["national"]["small"], figures["national"]["large"]
    one = lambda value: [(None, value)]
    rows = [
        ("Redeem ≥ 0.7 × empty handler (16, 32, 64 clients)",
         over(EMPTY, HIGH_CLIENTS), ">=", 0.7, "×"),
        ("Redeem ≥ 1.0 × Redis (16, 32, 64 clients)",
         over(REDIS, HIGH_CLIENTS), ">=", 1.0, "×"),
        ("Redeem ≥ 1.5 × PostgreSQL (16, 32, 64 clients)",
         over(POSTGRES, HIGH_CLIENTS), ">=", 1.5, "×"),
        ("Redeem ahead of PostgreSQL (1 and 4 clients)",
         over(POSTGRES, LOW_CLIENTS), ">", 1, "×"),
        ("Redeem ahead of Redis (1 and 4 clients)",
         over(REDIS, LOW_CLIENTS), ">", 1, "×"),
        ("Redeem p50 at 1 client ≤ 1.3 × (gRPC round trip: the empty "
         f"handler's p50, + WAL sync: append {SYNC_BYTES} B and fdatasync)",
         floor, "<=", 1.3, "×"),
        ("server CPU per Redeem ≤ the empty handler's + 15 µs",
         cpu_beyond_empty, "<=", 15, "µs"),
        (f"RedeemBatch of {BATCH_SIZE:,} ≥ 1.2 × Redis pipelined "
         f"{PEER_BATCH_SIZE} deep", one(ratio(
             batch("redeemed_per_second"),
             pipelined.get("redeemed_per_second"))), ">=", 1.2, "×"),
        (f"RedeemBatch of {BATCH_SIZE:,} ≥ 2 × PostgreSQL, "
         f"{PEER_BATCH_SIZE} per transaction", one(ratio(
             batch("redeemed_per_second"),
             transaction.get("redeemed_per_second"))), ">=", 2, "×"),
        (f"RedeemBatch of {BATCH_SIZE:,} ≥ 150,000 redeemed/s",
         one(batch("redeemed_per_second")), ">=", 150_000, "redeemed/s"),
        (f"RedeemBatch of {BATCH_SIZE:,}: server CPU per item ≤ 8 µs",
         one(batch("server_cpu_us_per_item")), "<=", 8, "µs"),
        (f"p99 < 2 ms at {TARGET_RATE:,} calls/s (open loop)",
         one(open_loop.get("p99_ms")), "<", 2, "ms"),
        (f"p99.9 < 10 ms at {TARGET_RATE:,} calls/s (open loop)",
         one(open_loop.get("p999_ms")), "<", 10, "ms"),
        ("large store ≥ 0.8 × small store (calls/s, workload mix)",
         one(ratio(large["replay"]["calls_per_second"],
                   small["replay"]["calls_per_second"])), ">=", 0.8, "×"),
        ("server resident memory < 4 GiB (large store)",
         one(large["resident_gib"]), "<", 4, "GiB"),
        ("reopen after a clean stop < 10 s (large store; issue 7)",
         one(large["reopen_seconds"]), "<", 10, "s"),
        ("bulk issuance ≥ 1,000,000 passes/s (large store build; issue 7)",
         one(large["issuance_per_second"]), ">=", 1_000_000, "passes/s"),
    ]
    result = []
    for bar, points, op, bound, unit in rows:
        points = [(at, value) for at, value in points if value is not None]
        result.append({
            "bar": bar, "unit": unit,
            "measured": [{"at": at, "value": value} for at, value in points],
            "met": all(COMPARE[op](value, bound) for _, value in points)
            if points else None})
    return result


# --- Plots -------------------------------------------------------------------


def gnuplot(suite, name, script):
    run(f"plot {name}", ["gnuplot", "-e",
                         "set terminal pngcairo size 900,500; "
                         f"set output '{name}.png'; set grid; "
                         # room around the points, and above the top one
                         "set offsets graph 0.03, graph 0.03, graph 0.1, 0; "
                         + script],
        cwd=suite.out)


SYSTEMS = [EMPTY, PASSCLEAR, POSTGRES, REDIS]


def plot_throughput(suite, throughput):
    with open(suite.out / "throughput_vs_clients.dat", "w") as dat:
        dat.write("# clients " + " | ".join(SYSTEMS) + " (calls/s)\n")
        for c in suite.preset["clients"]:
            values = [throughput[s][c]["calls_per_second"] for s in SYSTEMS]
            dat.write(f"{c} " + " ".join(f"{v:.0f}" for v in values) + "\n")
    lines = ", ".join(
        f"'throughput_vs_clients.dat' using 1:{i + 2} with linespoints "
        f"lw 2 title '{system}'" for i, system in enumerate(SYSTEMS))
    gnuplot(suite, "throughput_vs_clients",
            "set title 'Unary Redeem, closed loop'; set logscale x 2; "
            "set xlabel 'clients'; set ylabel 'calls/s'; set yrange [0:*]; "
            "set key below; plot " + lines)


PERCENTILES = [("p50_ms", "p50"), ("p90_ms", "p90"), ("p99_ms", "p99"),
               ("p999_ms", "p99.9"), ("max_ms", "max")]


def plot_latency(suite, open_loop):
    with open(suite.out / "latency_vs_load.dat", "w") as dat:
        dat.write("# offered calls/s " +
                  " ".join(label for _, label in PERCENTILES) + " (ms)\n")
        for rate, result in sorted(open_loop.items()):
            dat.write(f"{rate} " + " ".join(f"{result[key]:.2f}" for key, _ in
                                            PERCENTILES) + "\n")
    lines = [f"'latency_vs_load.dat' using 1:{i + 2} with linespoints lw 2 "
             f"title '{label}'" for i, (_, label) in enumerate(PERCENTILES)]
    lines += [f"{ms} with lines dt 2 lc 'gray30' title '{name} bar ({ms} ms)'"
              for name, ms in (("p99", 2), ("p99.9", 10))]
    gnuplot(suite, "latency_vs_load",
            f"set title 'Unary Redeem, open loop, {OPEN_LOOP_CLIENTS} "
            "clients'; set logscale y; set xlabel 'offered calls/s'; "
            "set ylabel 'latency (ms)'; set key below; plot " +
            ", ".join(lines))


# --- Report ------------------------------------------------------------------


def number(value, digits=0):
    return "n/a" if value is None else f"{value:,.{digits}f}"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |",
             "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |"
              for row in rows]
    return lines + [""]


def report_targets(rows):
    def measured(row):
        if not row["measured"]:
            return "not measured in this preset"
        digits = (0 if row["unit"].endswith("/s") else
                  1 if row["unit"] == "µs" else 2)
        return " · ".join(
            f"{number(point['value'], digits)} {row['unit']}" +
            (f" ({point['at']})" if point["at"] else "")
            for point in row["measured"])

    verdict = {True: "met", False: "**missed**", None: "—"}
    return ["## Targets", ""] + table(
        ["bar", "measured", ""],
        [(row["bar"], measured(row), verdict[row["met"]]) for row in rows])


def report_machine(machine):
    rows = [("date", machine["date"]), ("commit", machine["commit"]),
            ("CPU", f"{machine['cpu']}, {machine['cores']} cores"),
            ("memory", f"{machine['memory_gib']} GiB"),
            ("kernel", machine["kernel"]), ("PostgreSQL", machine["postgres"]),
            ("Redis", machine["redis"]),
            (f"append {SYNC_BYTES} B and fdatasync, median of {SYNC_APPENDS}",
             f"{machine['sync_us']:,.0f} µs"),
            ("preset", machine["preset"]),
            ("seconds per run", machine["seconds_per_run"])]
    return ["## 1. Machine and run", "",
            "The load generators (passclear-load, pgbench, redis-benchmark) "
            "run on the same cores as the servers: each system's server CPU "
            "per call (/proc/PID/stat, utime + stime of every thread and "
            "child process, over the measured window only) shows what the "
            "server itself spends.", ""] + table(["", ""], rows)


def cpu_us(result):
    return number(result.get("server_cpu_us_per_call"))


def report_throughput(throughput, seconds):
    rows = []
    for c in sorted(throughput[EMPTY]):
        at = {system: throughput[system][c] for system in SYSTEMS}
        calls = {system: at[system]["calls_per_second"] for system in SYSTEMS}
        ours = at[PASSCLEAR]
        rows.append((
            c, *(number(calls[system]) for system in SYSTEMS),
            *(number(ratio(calls[PASSCLEAR], calls[system]), 2)
              for system in (EMPTY, POSTGRES, REDIS)),
            " / ".join(cpu_us(at[system]) for system in SYSTEMS),
            " / ".join(number(at[system].get("server_switches_per_call"), 1)
                       for system in (EMPTY, PASSCLEAR)),
            number(ours["p50_ms"], 2), number(ours["p99_ms"], 2)))
    return [
        "## 2. Throughput against clients", "",
        "Closed loop, one unary Redeem (PostgreSQL: one PL/pgSQL transaction, "
        "bench/postgres/; Redis: one Lua script, bench/redis/) per call, each "
        "answer durable; calls/s, and the server CPU each call cost. "
        "PostgreSQL's figures are pgbench's, after its connections are made; "
        "Redis's are read from the server (INFO commandstats) over the run's "
        "seconds, once every redis-benchmark client calls." +
        (" Runs this short flatter PostgreSQL: its rate falls over the first "
         "seconds of a run (pgbench -P 1)." if seconds < 10 else ""), ""
    ] + table(["clients", *SYSTEMS, "passclear / empty",
               "passclear / PostgreSQL", "passclear / Redis",
               "server CPU µs per call: empty / passclear / PostgreSQL / "
               "Redis", "server context switches per call: empty / passclear",
               "passclear p50 ms", "passclear p99 ms"], rows) + [
        "![throughput against clients](throughput_vs_clients.png)", ""]


def report_batches(runs):
    empty = find_run(runs, EMPTY, "batch", 100)
    pipelined = find_run(runs, REDIS, "pipelined", PEER_BATCH_SIZE)
    transaction = find_run(runs, POSTGRES, "transaction", PEER_BATCH_SIZE)

    def times(r, peer, key):
        if r["label"] != PASSCLEAR:
            return "—"
        if peer is empty and (r["mode"], r["batch_size"]) != (
                empty.get("mode"), empty.get("batch_size")):
            return "—"
        return number(ratio(r[key], peer.get(key)), 2)

    rows = [(r["label"], r["mode"], r["clients"], r["batch_size"],
             number(r["calls_per_second"]), number(r["redeemed_per_second"]),
             number(r.get("server_cpu_us_per_item"), 1),
             times(r, empty, "calls_per_second"),
             times(r, transaction, "redeemed_per_second"),
             times(r, pipelined, "redeemed_per_second"),
             number(r.get("p50_ms"), 2), number(r.get("p99_ms"), 2),
             number(r.get("p999_ms"), 2)) for r in runs]
    return [
        "## 3. RedeemBatch and RedeemStream", "",
        "Closed loop. Items/call: the batch size, for streams the requests "
        "in flight per stream, for PostgreSQL the redemptions per "
        "transaction (one commit), for Redis the pipeline's depth (Redis "
        "syncs once for all the calls it read in a turn of its event "
        "loop). × empty: calls/s against the empty handler's "
        "RedeemBatch of the same size, which answers without redeeming; "
        "× PostgreSQL and × Redis: redeemed/s against their "
        f"{PEER_BATCH_SIZE} redemptions per transaction and per pipeline. "
        "Their load generators give no percentiles (n/a).", ""
    ] + table(["run", "mode", "clients", "items/call", "calls/s",
               "redeemed/s", "server CPU µs per item", "× empty",
               "× PostgreSQL", "× Redis", "p50 ms", "p99 ms", "p99.9 ms"],
              rows)


def report_open_loop(open_loop):
    rows = [(number(rate), number(r["calls_per_second"]), r["errors"],
             cpu_us(r), *(number(r[key], 2) for key, _ in PERCENTILES))
            for rate, r in sorted(open_loop.items())]
    return [
        "## 4. Latency against offered load", "",
        f"Open loop, unary Redeem on passclear, {OPEN_LOOP_CLIENTS} clients: "
        "calls are due at fixed intervals whatever the answers, latencies "
        "count from when each call was due. Not measured on PostgreSQL and "
        "Redis: redis-benchmark has no open loop, and pgbench's (--rate) "
        "gives no percentiles.", ""
    ] + table(["offered calls/s", "calls/s", "errors",
               "server CPU µs per call",
               *(f"{label} ms" for _, label in PERCENTILES)], rows) + [
        "![latency against offered load](latency_vs_load.png)", ""]


def report_national(national):
    small, large = national["small"], national["large"]
    stores = [small, large]
    rows = [
        ("passes", *(number(s["passes"]) for s in stores)),
        ("venues", *(number(s["venues"]) for s in stores)),
        ("build time (s)", *(number(s["build_seconds"], 1) for s in stores)),
        ("bulk issuance (passes/s)",
         *(number(s["issuance_per_second"]) for s in stores)),
        ("workload requests / terminals",
         *(f"{s['requests']:,} / {s['terminals']:,}" for s in stores)),
        ("calls replayed",
         *(number(sum(s["replay"]["answers"].values())) for s in stores)),
        ("calls/s", *(number(s["replay"]["calls_per_second"]) for s in stores)),
        ("redeemed/s",
         *(number(s["replay"]["redeemed_per_second"]) for s in stores)),
        ("server CPU per call (µs)", *(cpu_us(s["replay"]) for s in stores)),
        ("p50 / p99 ms", *(f"{s['replay']['p50_ms']:.2f} / "
                           f"{s['replay']['p99_ms']:.2f}" for s in stores)),
        ("answers not as the workload expects",
         *(number(s["replay"]["unexpected"]) for s in stores)),
        ("server resident memory after the replay (GiB)",
         *(number(s["resident_gib"], 2) for s in stores)),
        ("on disk (GiB)", *(number(s["disk_gib"], 2) for s in stores)),
        ("answers again after a clean stop (s)",
         *(number(s["reopen_seconds"], 2) for s in stores)),
    ]
    return [
        "## 5. A national store", "",
        "passclear-dataset builds each store offline (territories, "
        "programmes, an expired programme, voided booklets) and a workload "
        "of the issue's mix: Zipf venues, serials uniform over the whole "
        f"store. Replayed closed loop with {REPLAY_CLIENTS} clients, unary "
        "Redeem, one terminal per venue, until the workload or the run's "
        "time ends. A second scan comes at least 1,000 first scans after "
        "its pass's first scan, so that it never overtakes it: any "
        "unexpected answer is a fault. passclear only: a Redis of 100 "
        "million passes would need some 11 GB of memory (about 110 bytes "
        "a pass).", ""
    ] + table(["", "small store", "large store"], rows) + [
        "Answers by result (the mix obtained):", ""
    ] + table(["result", "issue's mix", "small store", "large store"],
              answer_rows(stores))


def answer_rows(stores):
    names = sorted(set(WORKLOAD_MIX).union(
        *(s["replay"]["answers"] for s in stores)),
        key=lambda name: -WORKLOAD_MIX.get(name, 0))

    def share(store, name):
        answers = store["replay"]["answers"]
        count = answers.get(name, 0)
        percent = 100 * count / max(1, sum(answers.values()))
        return f"{count:,} ({percent:.1f} %)"

    return [(name.removeprefix("REDEEM_RESULT_"),
             f"{WORKLOAD_MIX[name]} %" if name in WORKLOAD_MIX else "",
             *(share(s, name) for s in stores)) for name in names]


def report_micro(benchmarks):
    rows = [(b["name"], f"{b['real_time']:,.1f} {b['time_unit']}",
             number(b.get("items_per_second"))) for b in benchmarks]
    return ["## 6. Micro benchmarks", "",
            "bench/pass_store_benchmark: the store alone, no gRPC.", ""
            ] + table(["benchmark", "time per iteration", "items/s"], rows)


def write_report(suite, machine, figures, target_rows):
    lines = [f"# passclear benchmark suite: {suite.preset_name} preset", "",
             f"`python3 bench/suite.py --preset={suite.preset_name}`, "
             f"{machine['date']}, commit {machine['commit']}."]
    if suite.preset_name == "smoke":
        lines.append("Smoke preset: 1 s runs on tiny stores, figures mean "
                     "nothing.")
    lines.append("")
    lines += report_targets(target_rows)
    lines += report_machine(machine)
    lines += report_throughput(figures["throughput"], suite.seconds)
    lines += report_batches(figures["batches"])
    lines += report_open_loop(figures["open_loop"])
    lines += report_national(figures["national"])
    lines += report_micro(figures["micro"])
    path = suite.out / "report.md"
    path.write_text("\n".join(lines))
    return path


# --- Main --------------------------------------------------------------------


def check_tools(build):
    """Fails at once, not after half an hour, when something is missing."""
    missing = [str(build / b) for b in BINARIES.values()
               if not (build / b).exists()]
    missing += [t for t in ("gnuplot", "pgbench", "psql", "runuser", "du",
                            "redis-server", "redis-benchmark")
                if shutil.which(t) is None]
    if missing:
        raise StepFailed("find binaries and tools",
                         "missing " + ", ".join(missing) +
                         " (deploy/scripts/build.sh builds the binaries)")
    postgres_bin()


def run_suite(suite):
    machine = describe_machine(suite)
    figures = {
        "throughput": measure_throughput(suite),
        "batches": measure_batches(suite),
    }
    for system, figure in measure_peers(suite).items():
        figures["throughput"][system] = figure["unary"]
        figures["batches"].append(figure["batch"])
    figures.update(open_loop=measure_open_loop(suite),
                   national=measure_national(suite),
                   micro=measure_micro(suite))
    target_rows = targets(figures, machine)
    plot_throughput(suite, figures["throughput"])
    plot_latency(suite, figures["open_loop"])
    suite.raw.update(machine=machine, targets=target_rows)
    # Paths in the repository are written relative to it (pgbench names its
    # script, Google Benchmark its executable): a committed report must not
    # name the checkout it ran in.
    (suite.out / "results.json").write_text(
        json.dumps(suite.raw, indent=1).replace(f"{REPO}/", ""))
    return write_report(suite, machine, figures, target_rows)


def parse_args():
    parser = argparse.ArgumentParser(
        description="Runs the issue-7 benchmark comparison and writes a "
                    "report (see the docstring of bench/suite.py).")
    parser.add_argument("--preset", choices=PRESETS, default="quick")
    parser.add_argument("--out", type=Path, help="default: bench/results/"
                        "<YYYY-MM-DD>-<preset>/")
    parser.add_argument("--build", type=Path, default=REPO / "build")
    args = parser.parse_args()
    if args.out is None:
        args.out = (REPO / "bench/results" /
                    f"{datetime.date.today():%Y-%m-%d}-{args.preset}")
    return args


def main():
    args = parse_args()
    # SIGTERM unwinds like Ctrl-C: servers stopped, scratch data removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="passclear-suite-", dir="/tmp"))
    try:
        check_tools(args.build.resolve())
        work.chmod(0o755)  # PostgreSQL, run as postgres, lives in here
        args.out.mkdir(parents=True, exist_ok=True)
        suite = Suite(args.preset, args.build.resolve(), args.out.resolve(),
                      work)
        print(run_suite(suite))
    except StepFailed as failure:
        sys.exit(f"bench/suite.py: {failure}")
    except KeyboardInterrupt:
        sys.exit("bench/suite.py: interrupted")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
