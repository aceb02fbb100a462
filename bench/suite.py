#!/usr/bin/env python3
"""The issue-7 benchmark comparison in one command, written up as a report.

Usage: python3 bench/suite.py [--preset=quick|full|smoke] [--out=DIR]
                              [--build=DIR]

Runs, on this machine and in one go:
  1. the machine and the build measured;
  2. closed-loop unary Redeem at several client counts: the empty gRPC
     handler (bench/passclear-empty-server, gRPC's ceiling), passclear
     (durable: every answer waits for the WAL fsync) and the same durable
     redemption on PostgreSQL 15 (bench/postgres/, driven by pgbench);
  3. RedeemBatch and RedeemStream;
  4. open-loop latency of unary Redeem at several offered rates;
  5. a national store: passclear-dataset builds a small and a large store
     with the issue's workload mix, replayed closed loop on each; the large
     one's resident memory, disk usage and reopen time after a clean stop;
  6. the store's micro benchmarks (bench/pass_store_benchmark).

It writes report.md (a Targets table first, then one table per section),
results.json (every JSON line of the load generator and the other figures)
and the plots (PNG, gnuplot) into the out folder, default
bench/results/<YYYY-MM-DD>-<preset>/, and prints the report's path. A step
that fails (non-zero exit, a server that does not start) aborts the suite,
naming the step: no report is written then.

Presets (PRESETS below):
  smoke  1 s runs and tiny stores, for CI, so that nothing rots (about 40 s);
         its figures mean nothing.
  quick  every section at small sizes, 5 s runs: under 5 minutes on 2 cores
         (about 2.5). Runs this short flatter PostgreSQL, whose rate falls
         over a run's first seconds.
  full   the real run: 15 s runs, a store of 100 million passes (about
         1.5 GB of disk in /tmp); about 15 to 20 minutes by its sizes (not
         timed yet).

Needs a build (deploy/scripts/build.sh; --build, default build/), PostgreSQL
15 with pgbench (run as root: PostgreSQL runs as the postgres user) and
gnuplot. Scratch data lives in a temporary folder under /tmp, removed at the
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
POSTGRES_PASSES_PER_SECOND = 25_000

START_TIMEOUT = 30  # seconds a server may take to answer
STOP_TIMEOUT = 30

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


class Server:
    """A running passclear-server: its process, address and admin token."""

    def __init__(self, process, target, data_dir):
        self.process = process
        self.target = target
        self.token = data_dir / "admin-token"


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
                    "stores": []}

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
            yield f"127.0.0.1:{port}"

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
            yield Server(process, target, data_dir)

    def load(self, step, target, *flags, passes=None):
        """One passclear-load run: answers its JSON line, kept for
        results.json. With `passes`, issues that many and checks that the
        run did not use them all."""
        command = [self.binary("load"), f"--target={target}",
                   f"--duration={self.seconds}s", *flags]
        if passes is not None:
            command.append(f"--passes={passes}")
        result = json.loads(run(step, command).splitlines()[0])
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
        "preset": suite.preset_name,
        "seconds_per_run": suite.seconds,
    }


# --- 2. Throughput against clients -------------------------------------------


def measure_throughput(suite):
    """Closed-loop unary calls/s by system and client count."""
    clients = suite.preset["clients"]
    rows = {EMPTY: {}, PASSCLEAR: {}}
    with suite.empty_server() as target:
        for c in clients:
            rows[EMPTY][c] = suite.load(f"empty server, {c} clients", target,
                                        f"--label={EMPTY}", "--setup=false",
                                        f"--clients={c}")
    with suite.passclear_server(suite.work / "throughput") as server:
        for c in clients:
            rows[PASSCLEAR][c] = suite.load(
                f"passclear unary, {c} clients", server.target,
                f"--label={PASSCLEAR}", f"--admin_token_file={server.token}",
                f"--clients={c}",
                passes=UNARY_PASSES_PER_SECOND * suite.seconds)
    rows[POSTGRES] = measure_postgres(suite)
    return rows


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
    buffer pool that holds the whole data set. Answers its port."""
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
        yield port
    finally:
        subprocess.run([*as_postgres, pg_bin / "pg_ctl", "-D", home, "-m",
                        "fast", "stop"], capture_output=True)


def psql(step, port, *args):
    return run(step, ["psql", "-X", "-q", "-h", "127.0.0.1", "-p", port,
                      "-U", "postgres", "-v", "ON_ERROR_STOP=1", *args])


def pgbench(suite, port, clients):
    """One pgbench run of bench/postgres/redeem.pgbench: answers its tps."""
    step = f"pgbench, {clients} clients"
    output = run(step, ["pgbench", "-h", "127.0.0.1", "-p", port, "-U",
                        "postgres", "-n", "-M", "prepared", "-c", clients,
                        "-j", min(2, clients), "-T", suite.seconds, "-f",
                        REPO / "bench/postgres/redeem.pgbench", "postgres"])
    tps = re.search(r"^tps = ([0-9.]+)", output, re.MULTILINE)
    if not tps:
        raise StepFailed(step, "no tps in pgbench's output\n" + tail(output))
    suite.raw["postgres_runs"].append(
        {"clients": clients, "tps": float(tps.group(1)), "output": output})
    return float(tps.group(1))


def check_postgres(port, passes):
    """Every redemption has its claim line, and no scan ran past the
    passes loaded (it would have answered UNKNOWN_SERIAL)."""
    step = "PostgreSQL consistency check"
    count = lambda sql: int(psql(step, port, "-t", "-A", "-c", sql).strip())
    redeemed = count("SELECT count(*) FROM passes WHERE state = 2")
    lines = count("SELECT count(*) FROM claim_lines")
    scanned = count("SELECT last_value FROM scan_serial")
    if redeemed != lines or redeemed == 0:
        raise StepFailed(step, f"{redeemed} redeemed, {lines} claim lines")
    if scanned > passes:
        raise StepFailed(step, f"{scanned:,} scans for {passes:,} passes")


def measure_postgres(suite):
    """pgbench tps by client count, all runs on one database."""
    clients = suite.preset["clients"]
    passes = POSTGRES_PASSES_PER_SECOND * suite.seconds * len(clients)
    tps = {}
    with postgres(suite) as port:
        psql("PostgreSQL schema", port, "-v", f"passes={passes}", "-f",
             REPO / "bench/postgres/schema.sql")
        # Loading the passes leaves a checkpoint and the tables' first
        # vacuum to do: done now, they would slow the first runs (to a
        # third of the steady rate at 32 clients), which is not what a
        # service in production meets.
        psql("PostgreSQL checkpoint", port, "-c", "VACUUM ANALYZE")
        psql("PostgreSQL checkpoint", port, "-c", "CHECKPOINT")
        for c in clients:
            tps[c] = {"calls_per_second": pgbench(suite, port, c)}
        check_postgres(port, passes)
    return tps


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
    with suite.empty_server() as target:
        runs = [suite.load("empty server, RedeemBatch of 100", target,
                           f"--label={EMPTY}", "--setup=false",
                           f"--clients={BATCH_CLIENTS}", "--mode=batch",
                           "--batch_size=100")]
    with suite.passclear_server(suite.work / "batches") as server:
        for mode, clients, items in BATCH_RUNS:
            per_second = (BATCH_PASSES_PER_SECOND if mode == "batch"
                          else UNARY_PASSES_PER_SECOND)
            runs.append(suite.load(
                f"passclear {mode} of {items}, {clients} clients",
                server.target, f"--label={PASSCLEAR}",
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
                f"open loop at {rate}/s", server.target, f"--label={PASSCLEAR}",
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
            f"replay on the {name} store", server.target,
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


def ratio(a, b):
    return a / b if a is not None and b else None


def targets(figures):
    """One row per issue-7 bar: the bar, the measured value and its unit,
    and whether it is met (None where this preset did not measure it)."""
    throughput = figures["throughput"]
    at_target = lambda system: throughput[system].get(
        TARGET_CLIENTS, {}).get("calls_per_second")
    postgres_tps = at_target(POSTGRES)
    batch = next(r["redeemed_per_second"] for r in figures["batches"]
                 if r["label"] == PASSCLEAR and r["mode"] == "batch" and
                 r["batch_size"] == BATCH_SIZE)
    open_loop = figures["open_loop"].get(TARGET_RATE, {})
    small, large = figures["national"]["small"], figures["national"]["large"]
    rows = [
        (f"Redeem ≥ 0.8 × empty handler ({TARGET_CLIENTS} clients)",
         ratio(at_target(PASSCLEAR), at_target(EMPTY)), ">=", 0.8, "×"),
        (f"Redeem ≥ 4 × PostgreSQL ({TARGET_CLIENTS} clients)",
         ratio(at_target(PASSCLEAR), postgres_tps), ">=", 4, "×"),
        (f"RedeemBatch of {BATCH_SIZE:,} ≥ 150,000 redeemed/s", batch, ">=",
         150_000, "redeemed/s"),
        (f"RedeemBatch ≥ 25 × PostgreSQL ({TARGET_CLIENTS} clients)",
         ratio(batch, postgres_tps), ">=", 25, "×"),
        (f"p99 < 2 ms at {TARGET_RATE:,} calls/s (open loop)",
         open_loop.get("p99_ms"), "<", 2, "ms"),
        (f"p99.9 < 10 ms at {TARGET_RATE:,} calls/s (open loop)",
         open_loop.get("p999_ms"), "<", 10, "ms"),
        ("large store ≥ 0.8 × small store (calls/s, workload mix)",
         ratio(large["replay"]["calls_per_second"],
               small["replay"]["calls_per_second"]), ">=", 0.8, "×"),
        ("server resident memory < 4 GiB (large store)",
         large["resident_gib"], "<", 4, "GiB"),
        ("reopen after a clean stop < 10 s (large store)",
         large["reopen_seconds"], "<", 10, "s"),
        ("bulk issuance ≥ 1,000,000 passes/s (large store build)",
         large["issuance_per_second"], ">=", 1_000_000, "passes/s"),
    ]
    return [{"bar": bar, "measured": value, "unit": unit,
             "met": None if value is None
             else value >= bound if op == ">=" else value < bound}
            for bar, value, op, bound, unit in rows]


# --- Plots -------------------------------------------------------------------


def gnuplot(suite, name, script):
    run(f"plot {name}", ["gnuplot", "-e",
                         "set terminal pngcairo size 900,500; "
                         f"set output '{name}.png'; set grid; "
                         # room around the points, and above the top one
                         "set offsets graph 0.03, graph 0.03, graph 0.1, 0; "
                         + script],
        cwd=suite.out)


def plot_throughput(suite, throughput):
    systems = [EMPTY, PASSCLEAR, POSTGRES]
    with open(suite.out / "throughput_vs_clients.dat", "w") as dat:
        dat.write("# clients " + " | ".join(systems) + " (calls/s)\n")
        for c in suite.preset["clients"]:
            values = [throughput[s][c]["calls_per_second"] for s in systems]
            dat.write(f"{c} " + " ".join(f"{v:.0f}" for v in values) + "\n")
    lines = ", ".join(
        f"'throughput_vs_clients.dat' using 1:{i + 2} with linespoints "
        f"lw 2 title '{system}'" for i, system in enumerate(systems))
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
        if row["measured"] is None:
            return "not measured in this preset"
        digits = 0 if row["unit"].endswith("/s") else 2
        return f"{number(row['measured'], digits)} {row['unit']}"

    verdict = {True: "met", False: "**missed**", None: "—"}
    return ["## Targets", ""] + table(
        ["bar", "measured", ""],
        [(row["bar"], measured(row), verdict[row["met"]]) for row in rows])


def report_machine(machine):
    rows = [("date", machine["date"]), ("commit", machine["commit"]),
            ("CPU", f"{machine['cpu']}, {machine['cores']} cores"),
            ("memory", f"{machine['memory_gib']} GiB"),
            ("kernel", machine["kernel"]), ("PostgreSQL", machine["postgres"]),
            ("preset", machine["preset"]),
            ("seconds per run", machine["seconds_per_run"])]
    return ["## 1. Machine and run", "",
            "The load generators (passclear-load, pgbench) run on the same "
            "cores as the servers.", ""] + table(["", ""], rows)


def report_throughput(throughput, seconds):
    rows = []
    for c in sorted(throughput[EMPTY]):
        empty, ours = throughput[EMPTY][c], throughput[PASSCLEAR][c]
        pg = throughput[POSTGRES][c]["calls_per_second"]
        rows.append((c, number(empty["calls_per_second"]),
                     number(ours["calls_per_second"]), number(pg),
                     number(ratio(ours["calls_per_second"],
                                  empty["calls_per_second"]), 2),
                     number(ratio(ours["calls_per_second"], pg), 2),
                     number(ours["p50_ms"], 2), number(ours["p99_ms"], 2)))
    return [
        "## 2. Throughput against clients", "",
        "Closed loop, one unary Redeem (PostgreSQL: one PL/pgSQL transaction, "
        "bench/postgres/) per call, each answer durable; calls/s." +
        (" Runs this short flatter PostgreSQL: its rate falls over the first "
         "seconds of a run (pgbench -P 1)." if seconds < 10 else ""), ""
    ] + table(["clients", EMPTY, PASSCLEAR, POSTGRES, "passclear / empty",
               "passclear / PostgreSQL", "passclear p50 ms",
               "passclear p99 ms"], rows) + [
        "![throughput against clients](throughput_vs_clients.png)", ""]


def report_batches(runs, postgres_tps):
    rows = [(r["label"], r["mode"], r["clients"], r["batch_size"],
             number(r["calls_per_second"]), number(r["redeemed_per_second"]),
             number(ratio(r["redeemed_per_second"], postgres_tps), 1),
             number(r["p50_ms"], 2), number(r["p99_ms"], 2),
             number(r["p999_ms"], 2)) for r in runs]
    return [
        "## 3. RedeemBatch and RedeemStream", "",
        "Closed loop. Items/call: the batch size, or for streams the requests "
        f"in flight per stream. × PostgreSQL: against pgbench at "
        f"{TARGET_CLIENTS} clients (section 2). The empty handler answers "
        "without redeeming.", ""
    ] + table(["run", "mode", "clients", "items/call", "calls/s",
               "redeemed/s", "× PostgreSQL", "p50 ms", "p99 ms", "p99.9 ms"],
              rows)


def report_open_loop(open_loop):
    rows = [(number(rate), number(r["calls_per_second"]), r["errors"],
             *(number(r[key], 2) for key, _ in PERCENTILES))
            for rate, r in sorted(open_loop.items())]
    return [
        "## 4. Latency against offered load", "",
        f"Open loop, unary Redeem on passclear, {OPEN_LOOP_CLIENTS} clients: "
        "calls are due at fixed intervals whatever the answers, latencies "
        "count from when each call was due.", ""
    ] + table(["offered calls/s", "calls/s", "errors",
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
        "unexpected answer is a fault.", ""
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
    postgres_tps = figures["throughput"][POSTGRES].get(
        TARGET_CLIENTS, {}).get("calls_per_second")
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
    lines += report_batches(figures["batches"], postgres_tps)
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
    missing += [t for t in ("gnuplot", "pgbench", "psql", "runuser", "du")
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
        "open_loop": measure_open_loop(suite),
        "national": measure_national(suite),
        "micro": measure_micro(suite),
    }
    target_rows = targets(figures)
    plot_throughput(suite, figures["throughput"])
    plot_latency(suite, figures["open_loop"])
    suite.raw.update(machine=machine, targets=target_rows)
    (suite.out / "results.json").write_text(json.dumps(suite.raw, indent=1))
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
