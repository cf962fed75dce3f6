#!/usr/bin/python3
# failover_manager.py: the Python baseline of bench/rom_failover.c, on the standard library's SyncManager
# (multiprocessing.Manager ()): how soon a process blocked in Queue.get () learns that the manager's server was
# SIGKILLed, and how soon a Lock held by a SIGKILLed process passes to a waiting one. The same trials, bound,
# give-up rule and METRIC lines as rom's side, so the figures compare as they stand.
#
# usage: /usr/bin/python3 failover_manager.py [--quick] [--trials N]
import argparse
import multiprocessing as mp
import os
import signal
import sys
import time
from multiprocessing.managers import SyncManager

BOUND_MS = 2000   # as rom_failover.c: a trial whose event does not come within it counts as missed
GIVE_UP = 3       # misses in a row that end a scenario
SETTLE_S = 0.03   # "about to block" -> kill, so the blocked call has reached the server


def metric(name, value):
    print(f"METRIC {name} {value:.6g}", flush=True)


def percentile(values, p):
    # Nearest rank, as bench_percentile_ns () in bench_common.c.
    v = sorted(values)
    rank = max(1, min(len(v), int(p / 100.0 * len(v) + 0.5)))
    return v[rank - 1]


def report(name, values, missed, gave_up):
    p50, p99 = percentile(values, 50), percentile(values, 99)
    metric(f"{name}_p50", p50)
    metric(f"{name}_p99", p99)
    metric(f"{name}_trials", len(values))
    metric(f"{name}_missed", missed)
    print(f"  {name:44s} p50 {p50:8.2f} ms  p99 {p99:8.2f} ms  ({len(values)} trials, {missed} missed the "
          f"{BOUND_MS} ms bound{', gave up' if gave_up else ''})", file=sys.stderr)


def getter(queue, ready, out):
    queue.qsize()  # this process's connection to the manager is made before the clock starts
    ready.send(1)
    try:
        queue.get()
        outcome = "returned"
    except BaseException as e:  # EOFError, ConnectionResetError, ...
        outcome = type(e).__name__
    out.send((outcome, time.monotonic_ns()))


def detect_trial(ctx):
    manager = SyncManager(ctx=ctx)
    manager.start()
    queue = manager.Queue()
    ready_r, ready_w = ctx.Pipe(duplex=False)
    out_r, out_w = ctx.Pipe(duplex=False)
    child = ctx.Process(target=getter, args=(queue, ready_w, out_w), daemon=True)
    child.start()
    if not ready_r.poll(10):
        sys.exit("failover_manager: the getter did not start")
    ready_r.recv()
    time.sleep(SETTLE_S)
    t_kill = time.monotonic_ns()  # CLOCK_MONOTONIC, like the child's
    os.kill(manager._process.pid, signal.SIGKILL)
    if out_r.poll(BOUND_MS / 1000):
        outcome, at = out_r.recv()
        result = (outcome, (at - t_kill) / 1e6)
    else:
        result = ("still blocked", None)
    child.kill()
    child.join()
    manager._process.join()
    return result


def holder(lock, held):
    lock.acquire()
    held.send(1)
    time.sleep(3600)


def waiter(lock, ready, out):
    lock.acquire(False)  # connection made (the lock is held: this returns False at once)
    ready.send(1)
    lock.acquire()
    out.send(time.monotonic_ns())
    time.sleep(3600)


def release_trial(ctx, manager):
    lock = manager.Lock()
    held_r, held_w = ctx.Pipe(duplex=False)
    ready_r, ready_w = ctx.Pipe(duplex=False)
    out_r, out_w = ctx.Pipe(duplex=False)
    a = ctx.Process(target=holder, args=(lock, held_w), daemon=True)
    a.start()
    if not held_r.poll(10):
        sys.exit("failover_manager: the holder did not take the lock")
    b = ctx.Process(target=waiter, args=(lock, ready_w, out_w), daemon=True)
    b.start()
    if not ready_r.poll(10):
        sys.exit("failover_manager: the waiter did not start")
    time.sleep(SETTLE_S)
    t_kill = time.monotonic_ns()
    a.kill()
    a.join()
    ms = (out_r.recv() - t_kill) / 1e6 if out_r.poll(BOUND_MS / 1000) else None
    b.kill()
    b.join()
    return ms


def trials_of(run, trials):
    """Run trials until `trials` or GIVE_UP misses in a row; a miss counts the bound."""
    values, missed, in_a_row, first = [], 0, 0, None
    while len(values) < trials and in_a_row < GIVE_UP:
        outcome, ms = run()
        if first is None:
            first = (outcome, ms)
        if ms is None or ms >= BOUND_MS:
            values.append(float(BOUND_MS))
            missed += 1
            in_a_row += 1
        else:
            values.append(ms)
            in_a_row = 0
    return values, missed, in_a_row >= GIVE_UP, first


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--trials", type=int, default=0)
    opts = parser.parse_args()
    trials = opts.trials or (8 if opts.quick else 30)
    ctx = mp.get_context("fork")  # as rom's children: forked, handles inherited
    print(f"failover_manager: {sys.executable} {sys.version.split()[0]}, {trials} trials, bound {BOUND_MS} ms",
          file=sys.stderr)

    values, missed, gave_up, first = trials_of(lambda: detect_trial(ctx), trials)
    outcome, ms = first
    print(f"  detect trial 1: the blocked get: {outcome}"
          + (f" after {ms:.1f} ms" if ms is not None else f" after {BOUND_MS} ms"), file=sys.stderr)
    report("python_mgr_dead_server_detect_ms", values, missed, gave_up)

    manager = SyncManager(ctx=ctx)
    manager.start()

    def one_release():
        ms = release_trial(ctx, manager)
        return ("acquired" if ms is not None else "still waiting"), ms

    values, missed, gave_up, first = trials_of(one_release, trials)
    outcome, ms = first
    print(f"  release trial 1: the waiter: {outcome}"
          + (f" {ms:.1f} ms after the kill" if ms is not None else f" {BOUND_MS} ms after the kill"), file=sys.stderr)
    report("python_mgr_dead_client_release_ms", values, missed, gave_up)
    manager.shutdown()


if __name__ == "__main__":
    main()
