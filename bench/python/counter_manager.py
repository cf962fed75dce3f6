#!/usr/bin/python3
# counter_manager.py: the Python baseline. The same Counter workloads as rom's, on the standard library's
# multiprocessing.managers.BaseManager (server in a process of its own, proxies in the clients).
#
# usage: /usr/bin/python3 counter_manager.py [--quick] [--runs N] [--secs S]
# Prints "METRIC <name> <value>" lines like the C benchmarks; every figure is the median over the runs.
import argparse
import multiprocessing as mp
import statistics
import sys
import time
from multiprocessing.managers import BaseManager


class Counter:
    """The shared class: calls run in the manager's thread for the caller's connection."""

    def __init__(self, start=0):
        self.value = start

    def increment(self, by=1):
        # BaseManager serves each connection on a thread of its own and takes no lock around the call:
        # the job below checks the final value to show whether any update was lost.
        self.value += by
        return self.value

    def get(self):
        return self.value


class CounterManager(BaseManager):
    pass


CounterManager.register("Counter", Counter)


def metric(name, value):
    print(f"METRIC {name} {value:.6g}", flush=True)


def percentile(sorted_ns, p):
    # Nearest rank, as bench_percentile_ns () in bench_common.c.
    rank = max(1, min(len(sorted_ns), int(p / 100.0 * len(sorted_ns) + 0.5)))
    return sorted_ns[rank - 1]


def timed_loop(counter, secs):
    """Increment for `secs` seconds; the latency of each call in ns."""
    lat = []
    now = time.perf_counter_ns
    t0 = now()
    end = t0 + int(secs * 1e9)
    while t0 < end:
        counter.increment(1)
        t1 = now()
        lat.append(t1 - t0)
        t0 = t1
    return lat


def client_process(counter, warmup, secs, barrier, conn):
    # A forked child gets its own connection to the manager on its first call (BaseProxy's after-fork hook):
    # the warm-up makes it before the clock starts.
    t_end = time.perf_counter() + warmup
    while time.perf_counter() < t_end:
        counter.increment(1)
    barrier.wait()
    conn.send(timed_loop(counter, secs))
    conn.close()


def fanout(manager, nprocs, opts, shared):
    """nprocs processes increment counters together: one shared counter, or one counter each."""
    p50s, p99s, rates = [], [], []
    for _ in range(opts.runs):
        counters = [shared if shared is not None else manager.Counter() for _ in range(nprocs)]
        barrier = mp.Barrier(nprocs + 1)
        pipes = [mp.Pipe(duplex=False) for _ in range(nprocs)]
        procs = [mp.Process(target=client_process, args=(counters[i], opts.warmup, opts.secs, barrier, pipes[i][1]))
                 for i in range(nprocs)]
        for p in procs:
            p.start()
        barrier.wait()
        t0 = time.perf_counter()
        lats = []
        for recv, _ in pipes:
            lats.extend(recv.recv())
        t1 = time.perf_counter()
        for p in procs:
            p.join()
            if p.exitcode != 0:
                sys.exit(f"counter_manager: a client process failed ({p.exitcode})")
        lats.sort()
        p50s.append(percentile(lats, 50) / 1e3)
        p99s.append(percentile(lats, 99) / 1e3)
        rates.append(len(lats) / (t1 - t0))
        del counters
    return statistics.median(p50s), statistics.median(p99s), statistics.median(rates)


def job_process(counter, increments, barrier):
    counter.increment(0)  # connect before the clock starts
    barrier.wait()
    for _ in range(increments):
        counter.increment(1)


def counter_job(manager, nprocs, increments):
    """The Counter job: nprocs x increments on one counter, the fastest way Python offers (its proxies)."""
    counter = manager.Counter()
    barrier = mp.Barrier(nprocs + 1)
    procs = [mp.Process(target=job_process, args=(counter, increments, barrier)) for _ in range(nprocs)]
    for p in procs:
        p.start()
    barrier.wait()
    t0 = time.perf_counter()
    for p in procs:
        p.join()
    t1 = time.perf_counter()
    exact = counter.get() == nprocs * increments
    return nprocs * increments / (t1 - t0), exact


def dict_incr_process(d, lock, keys, increments, barrier):
    d.get(keys[0])  # connect before the clock starts
    lock.acquire()
    lock.release()
    barrier.wait()
    for i in range(increments):
        k = keys[i % len(keys)]
        with lock:  # what the seeds learn to write: without it, d[k] += 1 loses updates
            d[k] = d[k] + 1


def dict_incr_locked_job(nprocs, increments, nkeys=8):
    """d[k] += 1 from nprocs processes on a SyncManager dict, a Lock around each get and set: the baseline of
    rom's generated map _incr (issue 16), one atomic call per increment."""
    sync = mp.Manager()
    keys = [f"k{i}" for i in range(nkeys)]
    d = sync.dict({k: 0 for k in keys})
    lock = sync.Lock()
    barrier = mp.Barrier(nprocs + 1)
    procs = [mp.Process(target=dict_incr_process, args=(d, lock, keys, increments, barrier))
             for _ in range(nprocs)]
    for p in procs:
        p.start()
    barrier.wait()
    t0 = time.perf_counter()
    for p in procs:
        p.join()
    t1 = time.perf_counter()
    exact = sum(d.values()) == nprocs * increments
    sync.shutdown()
    return nprocs * increments / (t1 - t0), exact


def creation(manager, count):
    """Proxy-created objects: manager.Counter () is one round trip that makes the object and a proxy."""
    lat, keep = [], []
    for _ in range(count):
        t0 = time.perf_counter_ns()
        keep.append(manager.Counter())
        lat.append(time.perf_counter_ns() - t0)
    lat.sort()
    return percentile(lat, 50) / 1e3, 1e9 * count / sum(lat)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=0)
    parser.add_argument("--secs", type=float, default=0)
    opts = parser.parse_args()
    opts.runs = opts.runs or (3 if opts.quick else 5)
    opts.secs = opts.secs or (0.4 if opts.quick else 2.0)
    opts.warmup = 0.1 if opts.quick else 0.3
    mp.set_start_method("fork")
    print(f"counter_manager: {sys.executable} {sys.version.split()[0]}, {opts.runs} runs x {opts.secs} s",
          file=sys.stderr)

    manager = CounterManager()
    manager.start()
    counter = manager.Counter()

    # One client, sequential calls, in this process.
    for _ in range(1000):
        counter.increment(1)
    p50s, p99s, rates = [], [], []
    for _ in range(opts.runs):
        lat = timed_loop(counter, opts.secs)
        rates.append(1e9 * len(lat) / sum(lat))
        lat.sort()
        p50s.append(percentile(lat, 50) / 1e3)
        p99s.append(percentile(lat, 99) / 1e3)
    results = {"python_mgr_sync": (statistics.median(p50s), statistics.median(p99s), statistics.median(rates))}

    for nprocs in (1, 2, 4):
        results[f"python_mgr_sync_{nprocs}p_shared"] = fanout(manager, nprocs, opts, counter)
        results[f"python_mgr_sync_{nprocs}p_each"] = fanout(manager, nprocs, opts, None)
    for prefix, (p50, p99, rate) in results.items():
        metric(f"{prefix}_p50_us", p50)
        metric(f"{prefix}_p99_us", p99)
        metric(f"{prefix}_calls_per_s", rate)
        print(f"  {prefix:40s} p50 {p50:8.1f} us  p99 {p99:8.1f} us  {rate:10.0f} calls/s", file=sys.stderr)

    increments = 5000 if opts.quick else 20000
    rate, exact = counter_job(manager, 4, increments)
    metric("python_mgr_job_4p_calls_per_s", rate)
    metric("python_mgr_job_4p_exact", 1 if exact else 0)
    print(f"  python_mgr_job 4 x {increments}: {rate:.0f} increments/s, final value exact: {exact}",
          file=sys.stderr)

    increments = 500 if opts.quick else 2000
    rate, exact = dict_incr_locked_job(4, increments)
    metric("python_mgr_dict_incr_locked_4p_per_s", rate)
    metric("python_mgr_dict_incr_locked_4p_exact", 1 if exact else 0)
    print(f"  python_mgr_dict_incr_locked 4 x {increments}: {rate:.0f} increments/s, exact: {exact}",
          file=sys.stderr)

    p50, rate = creation(manager, 500 if opts.quick else 2000)
    metric("python_mgr_create_p50_us", p50)
    metric("python_mgr_create_per_s", rate)
    print(f"  python_mgr_create p50 {p50:.1f} us, {rate:.0f} objects/s", file=sys.stderr)
    manager.shutdown()


if __name__ == "__main__":
    main()
