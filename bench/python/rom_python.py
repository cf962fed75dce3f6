#!/usr/bin/python3
# rom_python.py: the Python client of rom against Python's own BaseManager, one client, the same operation:
# an atomic counter increment that returns the new value (rom: a built-in Value's add (1) on
# rom_py_bench_server; Python: counter_manager.py's Counter.increment (1) on a BaseManager). Measured in one
# process, the three loops taking turns run after run, so both see the same machine:
#   python_mgr_counter_1c_*       BaseManager proxy, sync
#   python_rom_sync_1c_*          rom's Python client, sync (v.add (1))
#   python_rom_pipelined128_1c_*  rom's Python client, 128 calls in flight (v.add_async (1), a ring of Futures)
#   python_rom_oneway_1c_*        rom's Python client, one-way calls (v.add_oneway (1)), then a sync get ()
# Ratios (bench/report.py): python_rom_vs_python_mgr_1c, python_rom_pipelined_vs_python_mgr_1c.
# Those are the client's default transport, its own ZMTP (python/rom/zmtp.py). --transport both (the default)
# also measures the pyzmq path (ROM_PY_TRANSPORT=zmq) in the same turns, as python_rom_zmq_{sync,pipelined128,
# oneway}_1c_*: how much libzmq's threads cost a Python caller, on the same machine at the same time.
#
# usage: /usr/bin/python3 rom_python.py --server PATH --pythonpath DIR [--quick] [--runs N] [--secs S]
#        [--transport zmtp|zmq|both] [--profile sync|pipelined]  (cProfile of one rom loop, not figures)
# Prints "METRIC <name> <value>" lines like the other benchmarks; every figure is the median over the runs.
import argparse
import collections
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from counter_manager import CounterManager, metric, percentile  # noqa: E402

DEPTH = 128


def timed(fn, secs):
    """Call fn () for `secs` seconds: the latency of each call in ns."""
    lat = []
    now = time.perf_counter_ns
    t0 = now()
    end = t0 + int(secs * 1e9)
    while t0 < end:
        fn()
        t1 = now()
        lat.append(t1 - t0)
        t0 = t1
    return lat


def pipelined(v, secs):
    """v.add_async (1) with DEPTH calls kept in flight: wait for the oldest, send a new one. Calls/s."""
    ring = collections.deque(v.add_async(1) for _ in range(DEPTH))
    done = 0
    t0 = time.perf_counter()
    end = t0 + secs
    while True:
        ring.popleft().result()
        done += 1
        if done % 64 == 0 and time.perf_counter() >= end:
            break
        ring.append(v.add_async(1))
    t1 = time.perf_counter()
    for f in ring:
        f.result()
    return done / (t1 - t0)


def oneway(v, secs):
    """Batches of 1024 v.add_oneway (1), each closed by a sync get () (it runs after them): calls/s."""
    done = 0
    t0 = time.perf_counter()
    end = t0 + secs
    while time.perf_counter() < end:
        for _ in range(1024):
            v.add_oneway(1)
        v.get()
        done += 1024
    return done / (time.perf_counter() - t0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True, help="rom_py_bench_server")
    parser.add_argument("--pythonpath", required=True, help="the folder holding the built rom package")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=0)
    parser.add_argument("--secs", type=float, default=0)
    parser.add_argument("--profile", choices=("sync", "pipelined"))
    parser.add_argument("--transport", choices=("zmtp", "zmq", "both"), default="both")
    opts = parser.parse_args()
    opts.runs = opts.runs or (3 if opts.quick else 5)
    opts.secs = opts.secs or (0.4 if opts.quick else 2.0)
    sys.path.insert(0, opts.pythonpath)
    import rom
    mp.set_start_method("fork")

    tmp = tempfile.mkdtemp(prefix="rom-pybench-")
    endpoint = f"ipc://{tmp}/server.sock"
    server = subprocess.Popen([opts.server, endpoint], stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        if not line.startswith("ready "):
            sys.exit(f"rom_python: {opts.server} did not start ({line!r})")
        # One client per transport: ROM_PY_TRANSPORT is read when a client is made.
        values = {}
        for transport in ("zmtp", "zmq") if opts.transport == "both" else (opts.transport,):
            os.environ["ROM_PY_TRANSPORT"] = transport
            m = rom.proxies.Manager(rom.client.Client(endpoint))
            values[transport] = m.Value("q", 0)
        os.environ.pop("ROM_PY_TRANSPORT")
        v = next(iter(values.values()))
        if opts.profile:
            import cProfile
            import pstats
            fn = (lambda: timed(lambda: v.add(1), opts.secs)) if opts.profile == "sync" \
                else (lambda: pipelined(v, opts.secs))
            fn()
            prof = cProfile.Profile()
            prof.runcall(fn)
            pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(25)
            return

        mgr = CounterManager()
        mgr.start()
        counter = mgr.Counter()
        print(f"rom_python: {sys.executable} {sys.version.split()[0]}, pyzmq {rom.client.zmq.__version__}, "
              f"{opts.runs} runs x {opts.secs} s, rom at {endpoint}, transports {', '.join(values)}",
              file=sys.stderr)
        for _ in range(2000):                 # warm them up: connections made, code paths hot
            counter.increment(1)
            for value in values.values():
                value.add(1)
        figures = collections.defaultdict(list)
        # The default transport's metrics keep their names (bench/report.py's ratios); pyzmq's say zmq.
        prefixes = {t: "python_rom_" if t == "zmtp" else "python_rom_zmq_" for t in values}
        for _ in range(opts.runs):
            loops = [("python_mgr_counter_1c", lambda: counter.increment(1))]
            loops += [(prefixes[t] + "sync_1c", value.add) for t, value in values.items()]
            for name, fn in loops:
                lat = timed(fn if name.startswith("python_mgr") else (lambda fn=fn: fn(1)), opts.secs)
                figures[name + "_calls_per_s"].append(1e9 * len(lat) / sum(lat))
                lat.sort()
                figures[name + "_p50_us"].append(percentile(lat, 50) / 1e3)
                figures[name + "_p99_us"].append(percentile(lat, 99) / 1e3)
            for t, value in values.items():
                figures[prefixes[t] + "pipelined128_1c_calls_per_s"].append(pipelined(value, opts.secs))
                figures[prefixes[t] + "oneway_1c_calls_per_s"].append(oneway(value, opts.secs))
        for name, runs in figures.items():
            metric(name, statistics.median(runs))
        mgr_rate = statistics.median(figures["python_mgr_counter_1c_calls_per_s"])
        print(f"  {'python_mgr_counter_1c':34s} p50 "
              f"{statistics.median(figures['python_mgr_counter_1c_p50_us']):7.1f} us  {mgr_rate:9.0f} calls/s",
              file=sys.stderr)
        for t in values:
            name = prefixes[t] + "sync_1c"
            rate = statistics.median(figures[name + "_calls_per_s"])
            print(f"  {name:34s} p50 {statistics.median(figures[name + '_p50_us']):7.1f} us  {rate:9.0f} calls/s"
                  f"  x{rate / mgr_rate:.2f} BaseManager", file=sys.stderr)
            for kind in ("pipelined128_1c", "oneway_1c"):
                rate = statistics.median(figures[prefixes[t] + kind + "_calls_per_s"])
                print(f"  {prefixes[t] + kind:34s} {rate:26.0f} calls/s  x{rate / mgr_rate:.2f} BaseManager",
                      file=sys.stderr)
        mgr.shutdown()
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
