#!/usr/bin/python3
# report.py: turns the "name value" lines the benchmarks printed into bench/results/latest.json (flat: metric
# -> number, ratios included), latest.md (tables) and the data files plot.gp draws latest.png from.
#
# usage: report.py METRICS_FILE RESULTS_DIR MODE [NOTE ON WHERE ROM CAME FROM]
import datetime
import json
import math
import os
import platform
import re
import subprocess
import sys

# The ratios of issue 6: (key, numerator, denominator, target, "max" if lower is better, what it says).
RATIOS = [
    ("ipc_sync_vs_raw_zmq", "rom_sync_ipc_p50_us", "raw_zmq_reqrep_ipc_p50_us", 1.25, "max",
     "rom sync call p50 / raw libzmq REQ/REP round trip p50, ipc"),
    ("sync_vs_python_mgr_1c", "rom_sync_ipc_calls_per_s", "python_mgr_sync_1p_shared_calls_per_s", None, "min",
     "sync calls/s, 1 client process: rom / Python BaseManager"),
    ("sync_vs_python_mgr_4c", "rom_sync_ipc_4p_shared_calls_per_s", "python_mgr_sync_4p_shared_calls_per_s", 1.0,
     "min", "sync calls/s, 4 client processes on one object: rom / Python"),
    ("job_vs_python_mgr_4c", "rom_job_4p_calls_per_s", "python_mgr_job_4p_calls_per_s", 10.0, "min",
     "Counter job 4 procs, fastest way each (rom async/oneway, Python proxies)"),
    ("pipelined128_vs_sync", "rom_async_ipc_d128_calls_per_s", "rom_sync_ipc_calls_per_s", 5.0, "min",
     "rom async depth 128 / rom sync, 1 client"),
    ("pipelined128_vs_raw_zmq", "rom_async_ipc_d128_calls_per_s", "raw_zmq_dealer_ipc_w128_calls_per_s", 0.7,
     "min", "rom async depth 128 / raw DEALER/ROUTER echo, window 128"),
    ("batched128_vs_redis", "rom_batched_ipc_d128_calls_per_s", "redis_incr_p128_1c_calls_per_s", 1.0, "min",
     "128 increments in one message (servant-level IncrementMany) / Redis INCR pipelined 128, 1 client"),
    ("create_vs_python_mgr", "rom_create_per_s", "python_mgr_create_per_s", 100.0, "min",
     "objects created/s: rom pipelined (create_async, 128 in flight) / Python (proxy-created)"),
    ("create_sync_vs_python_mgr", "rom_create_sync_per_s", "python_mgr_create_per_s", None, "min",
     "objects created/s one by one (a round trip each): rom / Python"),
    ("bytes_per_object_1m", "rom_bytes_per_object_1m", None, 128.0, "max",
     "server RSS growth per idle object with 1M live (bytes)"),
    ("mib_payload_vs_raw_zmq", "rom_payload_ipc_1048576_bytes_per_s", "raw_zmq_payload_ipc_1048576_bytes_per_s",
     0.8, "min", "1 MiB echo bytes/s over ipc: rom / raw libzmq"),
    # Levers (no target: keep what measures better).
    ("pool_vs_inline_sync", "rom_pool_sync_ipc_p50_us", "rom_sync_ipc_p50_us", None, "max",
     "sync p50 on the worker pool / inline on the I/O thread"),
    ("pool_vs_inline_4p_each", "rom_pool_sync_ipc_4p_each_calls_per_s", "rom_sync_ipc_4p_each_calls_per_s", None,
     "min", "calls/s, 4 procs one object each: pool / inline"),
    ("spin_vs_nospin_sync", "rom_sync_ipc_p50_us", "rom_sync_ipc_nospin_p50_us", None, "max",
     "sync p50 with the server's spin after calls (default 200 us) / without"),
    ("spin_vs_nospin_4p", "rom_sync_ipc_4p_shared_calls_per_s", "rom_sync_ipc_nospin_4p_shared_calls_per_s", None,
     "min", "sync calls/s, 4 procs on one object: with the server's spin / without"),
    ("io_threads2_vs_1_sync", "rom_sync_ipc_io2_p50_us", "rom_sync_ipc_p50_us", None, "max",
     "sync p50 with ZMQ_IO_THREADS=2 / 1"),
    ("pinned_split_vs_free_sync", "rom_sync_ipc_pinned_split_p50_us", "rom_sync_ipc_p50_us", None, "max",
     "sync p50, server and client pinned to different cores / unpinned"),
    ("pinned_same_vs_free_sync", "rom_sync_ipc_pinned_same_p50_us", "rom_sync_ipc_p50_us", None, "max",
     "sync p50, server and client pinned to one core / unpinned"),
    # What a heavy method costs others (no target: it documents a cost). A time: 1 means no cost.
    ("heavy_inline_vs_idle_p50", "rom_heavy_inline_others_p50_us", "rom_heavy_idle_others_p50_us", None, "max",
     "sync p50 on object B while another process calls a 1 ms method on object A, inline (Counter) / nobody working"),
    ("heavy_pool_vs_idle_p50", "rom_heavy_pool_others_p50_us", "rom_heavy_idle_others_p50_us", None, "max",
     "the same with A pooled (PoolCounter, default worker pool) / nobody working"),
    ("heavy_inline_vs_idle_paced_p50", "rom_heavy_inline_paced_p50_us", "rom_heavy_idle_paced_p50_us", None, "max",
     "the same with B's calls paced (a random 0-2 ms apart), A inline / nobody working"),
    ("heavy_pool_vs_idle_paced_p50", "rom_heavy_pool_paced_p50_us", "rom_heavy_idle_paced_p50_us", None, "max",
     "the same with B's calls paced, A pooled / nobody working"),
    ("heavy_inline_vs_idle_p99", "rom_heavy_inline_others_p99_us", "rom_heavy_idle_others_p99_us", None, "max",
     "the same p99, A inline / nobody working"),
    ("heavy_pool_vs_idle_p99", "rom_heavy_pool_others_p99_us", "rom_heavy_idle_others_p99_us", None, "max",
     "the same p99, A pooled / nobody working"),
    # Declared state (issue 16): generated operations against hand-written ones and against Python.
    ("field_add_vs_method", "rom_state_field_add_calls_per_s", "rom_state_method_incr_calls_per_s", 1.0, "min",
     "sync calls/s, 1 client: a generated field _add / a hand-written Increment method"),
    ("batch16_vs_sync", "rom_state_batch16_calls_per_s", "rom_state_sync16_calls_per_s", 8.0, "min",
     "operations/s: batches of 16 field _adds / the same 16 as sync calls"),
    ("field_incr_vs_python_locked_4c", "rom_state_map_incr_batched_4p_per_s", "python_mgr_dict_incr_locked_4p_per_s",
     20.0, "min", "d[k] += 1 from 4 processes, the fastest way each: generated map _incr, 64 in a batch / Python's "
     "dict with a Lock around get and set"),
    ("field_incr_sync_vs_python_locked_4c", "rom_state_map_incr_4p_per_s", "python_mgr_dict_incr_locked_4p_per_s",
     None, "min", "the same with one sync _incr call per increment"),
    # The Python client (issue 17): the same increment, one client, both sides measured in one workload
    # (python/rom_python.py); BaseManager has no pipelining, so its sync figure is the denominator of both.
    ("python_rom_vs_python_mgr_1c", "python_rom_sync_1c_calls_per_s", "python_mgr_counter_1c_calls_per_s", 1.0,
     "min", "Python client sync calls/s, 1 client: rom's (Value.add) / BaseManager's (Counter.increment)"),
    ("python_rom_pipelined_vs_python_mgr_1c", "python_rom_pipelined128_1c_calls_per_s",
     "python_mgr_counter_1c_calls_per_s", 1.0, "min",
     "the same with rom's Python client pipelined (add_async, 128 in flight) / BaseManager's sync"),
    ("oneway_vs_sync", "rom_oneway_ipc_calls_per_s", "rom_sync_ipc_calls_per_s", None, "min",
     "one-way calls/s / sync calls/s, 1 client"),
    ("wakeups_sync_vs_raw_zmq", "rom_sync_ipc_wakeups_per_call", "raw_zmq_reqrep_ipc_wakeups_per_call", None, "max",
     "thread wake-ups per sync call: rom / raw REQ/REP (all threads of client and server)"),
    ("raw_zmq_ipc_vs_python_mgr", "raw_zmq_reqrep_ipc_p50_us", "python_mgr_sync_1p_shared_p50_us", None, "max",
     "context: raw libzmq REQ/REP p50 / Python manager p50"),
    # A session's end costs what it held (issue 18), not what the server holds for others.
    ("goodbye_100k_vs_none", "rom_goodbye_cycle_100k_us", "rom_goodbye_cycle_us", 1.5, "max",
     "a client's life (connect, create, goodbye) beside 100 000 objects of another session / beside none"),
]


# The failure figures of issue 12 (bench/rom_failover.c, python/failover_manager.py): (key, target in ms or
# None, the series whose _trials/_missed counts go with it, the Python key beside it, what it says). Every
# target is a maximum. A trial that missed its bound (2000 ms) counts the bound as its value.
FAILURES = [
    ("dead_server_detect_ms_p50", 100.0, "dead_server_detect_ms", "python_mgr_dead_server_detect_ms_p50",
     "manager server SIGKILLed: a client process blocked in Queue.get (ROM_FOREVER) returns ROM_UNAVAILABLE (ms after kill)"),
    ("dead_server_detect_ms_p99", 100.0, "dead_server_detect_ms", "python_mgr_dead_server_detect_ms_p99",
     "the same, p99 (with 30 trials: the slowest)"),
    ("dead_server_detect_owner_ms_p50", None, "dead_server_detect_owner_ms", None,
     "the same wait in a thread of the manager's owner (its client knows the server's pid)"),
    ("dead_server_next_call_ms_p50", None, "dead_server_next_call_ms", None,
     "then the client process's next call (a ping) to the dead server: how long until ROM_UNAVAILABLE"),
    ("dead_client_release_ms_p50", 100.0, "dead_client_release_ms", "python_mgr_dead_client_release_ms_p50",
     "a Lock holder SIGKILLed: the process waiting in rom_lock_acquire (ROM_FOREVER) gets it (ms after kill)"),
    ("dead_client_release_ms_p99", None, "dead_client_release_ms", "python_mgr_dead_client_release_ms_p99",
     "the same, p99"),
    ("restart_reconnect_ms", 500.0, "restart_reconnect_ms", None,
     "standalone server SIGKILLed and restarted at the same ipc path: new server ready -> the old client's first "
     "ping that succeeds (p50; the target also needs a create to work after it)"),
    ("restart_reconnect_ms_p99", None, "restart_reconnect_ms", None, "the same, p99"),
    ("rom_failover_ping_p50_us", None, None, None,
     "the same run's baseline: a sync round trip (ping) to a live server, µs"),
]


# Pressure (issue 18, bench/rom_pressure.c): (key, target, "max"/"min", what it says). Every figure with a
# baseline is a ratio against that baseline measured in the same run (the machine is shared). The connect
# keys carry the number of clients held (10k in a full run, 2k with --quick), filled in by derive ().
PRESSURE = [
    ("connect_ms_at_{n}_clients", 1000.0, "max",
     "a new client's rom_client_connect + first ping with {n} clients held open (the slower of ipc and tcp), ms"),
    ("connect_{n}_vs_0", None, "max", "the same / with no client held (the slower transport's ratio)"),
    ("server_idle_cpu_pct_{n}", None, "max", "the server's CPU with {n} idle clients held (% of one CPU, /proc)"),
    ("server_bytes_per_connection", None, "max", "server RSS growth / clients held (mostly libzmq's buffers)"),
    ("killed_{n}_sessions_end_ms", None, "max",
     "all holders SIGKILLed at once: until the server has ended all {n} sessions, ms (the slower transport)"),
    ("killed_{n}_worst_call_ms", None, "max",
     "the slowest rom_client_stats call of another client meanwhile, ms (the slower transport)"),
    ("flood_unread_victim_p50_vs_alone", 3.0, "max",
     "a victim's sync Value.get p50 while one flooder sends async calls at full speed and never reads / alone"),
    ("flood_sync_victim_p50_vs_alone", 3.0, "max", "the same while the flooder makes sync calls at full speed"),
    ("flood_oneway_victim_p50_vs_alone", 3.0, "max", "the same while the flooder sends one-way calls at full speed"),
    ("flood_unread_nice19_victim_p50_vs_alone", 1.5, "max",
     "unread flood with the flooder at nice 19 (the CPU it takes from others given back: the server's own cost)"),
    ("flood_sync_nice19_victim_p50_vs_alone", 1.5, "max", "sync flood, flooder at nice 19"),
    ("flood_oneway_nice19_victim_p50_vs_alone", 1.5, "max", "one-way flood, flooder at nice 19"),
    ("flood_unread_server_rss_growth_mb", 16.0, "max",
     "server RSS growth during the unread flood (median over runs), MB"),
    ("unauth_flood_victim_p50_vs_alone", 1.5, "max",
     "authkey server over tcp: the victim's p50 while 2 processes connect with a wrong key in a loop / alone"),
    ("unauth_wrongkey_victim_p50_vs_decoy", 1.5, "max",
     "the same / the same flood aimed at another server of the machine (what refusing it costs the server)"),
    ("unauth_server_us_per_refused_handshake", None, "max",
     "a server's CPU per refused wrong-key handshake (the decoy's CPU / the attempts), us"),
    ("unauth_garbage_victim_p50_vs_alone", None, "max",
     "the same while 2 processes write garbage bytes to the port (connect, 1 KiB, close) in a loop"),
    ("unauth_wrongkey_nice19_victim_p50_vs_alone", 1.5, "max", "wrong-key flood, flooders at nice 19"),
    ("unauth_garbage_nice19_victim_p50_vs_alone", 1.5, "max", "garbage flood, flooders at nice 19"),
]


def load(path):
    metrics = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                try:
                    value = float(parts[1])
                except ValueError:
                    continue
                if math.isfinite(value):
                    metrics[parts[0]] = value
    return metrics


def derive(m):
    # The batched figure is IncrementMany (128 increments in one message, batched by the servant: the runtime
    # has no call that carries several calls). Should it be missing, fall back to the async pipeline at depth
    # 128 and say so.
    if "rom_batched_ipc_d128_calls_per_s" not in m and "rom_async_ipc_d128_calls_per_s" in m:
        m["rom_batched_ipc_d128_calls_per_s"] = m["rom_async_ipc_d128_calls_per_s"]
        m["rom_batched_is_async"] = 1
    # The failure figures as ratios: against Python's manager, and in round trips of the same run.
    if m.get("dead_server_detect_ms_p50") is not None and m.get("python_mgr_dead_server_detect_ms_p50"):
        m["dead_server_detect_vs_python_mgr"] = m["dead_server_detect_ms_p50"] / m["python_mgr_dead_server_detect_ms_p50"]
    if m.get("dead_server_detect_ms_p50") is not None and m.get("rom_failover_ping_p50_us"):
        m["dead_server_detect_in_round_trips"] = m["dead_server_detect_ms_p50"] * 1e3 / m["rom_failover_ping_p50_us"]
    if m.get("dead_client_release_ms_p50") is not None and m.get("rom_failover_ping_p50_us"):
        m["dead_client_release_in_round_trips"] = m["dead_client_release_ms_p50"] * 1e3 / m["rom_failover_ping_p50_us"]
    # Pressure: the headline keys from the per-transport figures, the worse transport's, named by the number
    # of clients held.
    n = m.get("rom_pressure_ipc_clients_big") or m.get("rom_pressure_tcp_clients_big")
    if n:
        label = f"{n / 1000:.0f}k"
        m["pressure_clients_held"] = n
        for key, src in (("connect_ms_at_{n}_clients", "connect_ms_at_big"), ("connect_{n}_vs_0", "connect_big_vs_0"),
                         ("server_idle_cpu_pct_{n}", "server_idle_cpu_pct_big"),
                         ("server_bytes_per_connection", "server_bytes_per_connection"),
                         ("killed_{n}_sessions_end_ms", "killed_all_sessions_end_ms"),
                         ("killed_{n}_worst_call_ms", "killed_all_worst_call_ms")):
            vals = [m[k] for k in (f"rom_pressure_ipc_{src}", f"rom_pressure_tcp_{src}") if k in m]
            if vals:
                m[key.format(n=label)] = max(vals)
    if "unauth_wrongkey_victim_p50_vs_alone" in m:
        m["unauth_flood_victim_p50_vs_alone"] = m["unauth_wrongkey_victim_p50_vs_alone"]
    for key, num, den, _, _, _ in RATIOS:
        if num in m and (den is None or m.get(den)):
            m[key] = m[num] / m[den] if den else m[num]


def payload_sizes(m):
    """The payload sizes measured by either side: <system>_payload_ipc_<bytes>_bytes_per_s."""
    found = (re.fullmatch(r"(?:raw_zmq|rom)_payload_ipc_(\d+)_bytes_per_s", k) for k in m)
    return sorted({int(x.group(1)) for x in found if x})


def fmt(v, digits=3):
    if v is None:
        return "–"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.{digits}g}"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        out.append("| " + " | ".join(row) + " |")
    return "\n".join(out) + "\n"


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} x {cpu}, Linux {platform.release()}"


def git_rev(repo):
    try:
        rev = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True)
        return rev.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except OSError:
        return "?"


def markdown(m, mode, repo, note):
    g = m.get
    md = [f"# rom benchmarks\n\n{datetime.datetime.now():%Y-%m-%d %H:%M}, `bench/run{' --quick' if mode == 'quick' else ''}`"
          f", commit {git_rev(repo)}, {machine()}. Every figure is the median of several runs; latencies in µs.\n"]
    if note:
        md.append(f"\n{note}\n")
    if "rom_sync_ipc_calls_per_s" not in m:
        md.append("\n**rom workloads did not run** (see the run's log): only the baselines are shown.\n")

    md.append("\n## Ratios (targets from issue 6)\n\n")
    rows = []
    for key, _, _, target, sense, what in RATIOS:
        v = g(key)
        if target is None:
            verdict = ""
        elif v is None:
            verdict = "not measured"
        else:
            ok = v <= target if sense == "max" else v >= target
            verdict = "met" if ok else "**not met**"
        tgt = "" if target is None else ("≤ " if sense == "max" else "≥ ") + fmt(target)
        rows.append([f"`{key}`", fmt(v), tgt, verdict, what])
    md.append(table(["key", "value", "target", "", "what"], rows))
    if g("rom_batched_is_async"):
        md.append("\n`batched128_vs_redis` uses the async pipeline at depth 128: IncrementMany did not run.\n")
    else:
        md.append("\n`batched128_vs_redis`: rom's side batches at the servant level (`IncrementMany`, 128 increments "
                  "and their 128 results in one call); the runtime has no call that carries several calls in one "
                  "message.\n")
    if g("rom_pool_worker_threads") == 0:
        md.append("\nThe server started no worker thread: this runtime runs `PoolCounter` inline, so the pool rows "
                  "measure the inline path.\n")

    md.append("\n## Failures (targets from issue 12)\n\n")
    if "dead_server_detect_ms_trials" not in m and "dead_client_release_ms_trials" not in m \
            and "restart_reconnect_ms_trials" not in m:
        md.append("rom_failover did not run (see the run's log).\n")
    else:
        rows = []
        for key, target, series, py_key, what in FAILURES:
            v = g(key)
            trials, missed = (g(series + "_trials"), g(series + "_missed")) if series else (None, None)
            if target is None:
                verdict = ""
            elif v is None:
                verdict = "not measured"
            else:
                ok = v <= target
                notes = []
                if missed:
                    notes.append(f"{missed:.0f} of {trials:.0f} trials missed the 2000 ms bound")
                if key == "restart_reconnect_ms" and g("restart_create_ok") is not None and g("restart_create_ok") < 1:
                    ok = False
                    notes.append(f"a create after it failed in {(1 - g('restart_create_ok')) * 100:.0f} % of trials")
                verdict = ("met" if ok else "**not met**") + (": " + "; ".join(notes) if notes else "")
            py = g(py_key) if py_key else None
            py_text = fmt(py) if py is not None else "–"
            if py_key and py is not None and g(py_key.rsplit("_p", 1)[0] + "_missed"):
                py_text = ("≥ " + py_text + " (never came)") if py >= 2000 else py_text + " (some trials missed)"
            # A p50/p99 at the bound is no measurement of the time, only a floor of it.
            v_text = "≥ " + fmt(v) if missed and v is not None and v >= 2000 else fmt(v)
            rows.append([f"`{key}`", v_text, "" if target is None else "≤ " + fmt(target), verdict, py_text, what])
        md.append(table(["key", "value (ms)", "target", "", "Python's manager", "what"], rows))
        extra = [(k, g(k)) for k in ("dead_server_detect_vs_python_mgr", "dead_server_detect_in_round_trips",
                                     "dead_client_release_in_round_trips", "restart_create_ok") if g(k) is not None]
        if extra:
            md.append("\n" + ", ".join(f"`{k}` {fmt(v)}" for k, v in extra) + ".\n")
        md.append("\nEach figure is over repeated kills (30 trials, 8 with `--quick`), times from `kill ()` (or the new "
                  "server being ready) to the call's return, CLOCK_MONOTONIC in both processes. A trial that missed "
                  "its 2000 ms bound counts 2000; a scenario stops after 3 misses in a row.\n")

    md.append("\n## Pressure (issue 18: many clients, floods)\n\n")
    n = g("pressure_clients_held")
    label = f"{n / 1000:.0f}k" if n else "10k"
    rows = []
    for key, target, sense, what in PRESSURE:
        key, what = key.format(n=label), what.format(n=label)
        v = g(key)
        if target is None:
            verdict = ""
        elif v is None:
            verdict = "not measured"
        else:
            verdict = "met" if (v <= target if sense == "max" else v >= target) else "**not met**"
        tgt = "" if target is None else ("≤ " if sense == "max" else "≥ ") + fmt(target)
        rows.append([f"`{key}`", fmt(v), tgt, verdict, what])
    md.append(table(["key", "value", "target", "", "what"], rows))
    rows = []
    for tr in ("ipc", "tcp"):
        for at in ("0", "1k", "big"):
            rows.append([tr, fmt(g(f"rom_pressure_{tr}_clients_big")) if at == "big" else at,
                         fmt(g(f"rom_pressure_{tr}_connect_ms_at_{at}")), fmt(g(f"rom_pressure_{tr}_ping_p50_us_at_{at}")),
                         fmt(g(f"rom_pressure_{tr}_ping_after_connects_p50_us_at_{at}"))])
    md.append("\n" + table(["transport", "clients held", "next connect + ping ms", "owner ping p50 µs",
                            "owner ping p50 after the connects µs"], rows))
    rows = []
    for prefix in ("flood", "unauth"):
        for case in ("alone", "unread", "sync", "oneway", "wrongkey", "garbage"):
            for nice in ("", "_nice19"):
                p50 = g(f"rom_{prefix}_{case}{nice}_victim_p50_us")
                if p50 is None:
                    continue
                rows.append([prefix, case + nice, fmt(p50), fmt(g(f"rom_{prefix}_{case}{nice}_victim_p99_us")),
                             fmt(g(f"{prefix}_{case}{nice}_victim_p50_vs_alone")),
                             fmt(g(f"{prefix}_{case}{nice}_victim_p99_vs_alone")),
                             fmt(g(f"rom_{prefix}_{case}{nice}_flooder_ops_per_s"))])
    if rows:
        md.append("\n" + table(["server", "beside", "victim p50 µs", "victim p99 µs", "p50 ÷ alone", "p99 ÷ alone",
                                "flooders' ops/s"], rows))

    md.append("\n## Sequential calls, 1 client process\n\n")
    rows = []
    for label, prefix in [("rom sync, ipc", "rom_sync_ipc"), ("raw libzmq REQ/REP, ipc", "raw_zmq_reqrep_ipc"),
                          ("rom sync, tcp", "rom_sync_tcp"), ("raw libzmq REQ/REP, tcp", "raw_zmq_reqrep_tcp"),
                          ("Python BaseManager (client in a child process)", "python_mgr_sync_1p_shared"),
                          ("Python BaseManager (client in the starting process)", "python_mgr_sync"),
                          ("Redis INCR, tcp", "redis_incr_p1_1c"), ("rom sync on the worker pool, ipc", "rom_pool_sync_ipc"),
                          ("rom sync, server without its spin after calls", "rom_sync_ipc_nospin"),
                          ("rom sync, ZMQ_IO_THREADS=2", "rom_sync_ipc_io2"),
                          ("rom sync, server and client on different cores", "rom_sync_ipc_pinned_split"),
                          ("rom sync, server and client on one core", "rom_sync_ipc_pinned_same")]:
        rows.append([label, fmt(g(prefix + "_p50_us")), fmt(g(prefix + "_p99_us")), fmt(g(prefix + "_calls_per_s")),
                     fmt(g(prefix + "_wakeups_per_call"))])
    md.append(table(["workload", "p50 µs", "p99 µs", "calls/s", "wake-ups/call"], rows))
    md.append("\nwake-ups/call: voluntary context switches of every thread of the client(s) and the server during "
              "the runs, per call (each is a thread that slept and had to be woken).\n")

    md.append("\n## Several client processes, sync calls over ipc (calls/s of all together)\n\n")
    rows = []
    for n in (1, 2, 4):
        raw = g("raw_zmq_reqrep_ipc_calls_per_s") if n == 1 else g(f"raw_zmq_reqrep_ipc_{n}p_calls_per_s")
        rows.append([str(n), fmt(g(f"rom_sync_ipc_{n}p_shared_calls_per_s")), fmt(g(f"rom_sync_ipc_{n}p_each_calls_per_s")),
                     fmt(raw), fmt(g(f"python_mgr_sync_{n}p_shared_calls_per_s")),
                     fmt(g(f"python_mgr_sync_{n}p_each_calls_per_s")),
                     fmt(g(f"redis_incr_p1_{n}c_calls_per_s"))])
    md.append(table(["processes", "rom, one object", "rom, one each", "raw REQ/REP", "Python, one object",
                     "Python, one each", "Redis INCR"], rows))
    rows = [[str(n), fmt(g(f"rom_sync_ipc_{n}p_shared_p50_us")), fmt(g(f"rom_sync_ipc_{n}p_shared_p99_us")),
             fmt(g(f"python_mgr_sync_{n}p_shared_p50_us")), fmt(g(f"python_mgr_sync_{n}p_shared_p99_us"))]
            for n in (1, 2, 4)]
    md.append("\n" + table(["processes (one object)", "rom p50", "rom p99", "Python p50", "Python p99"], rows))

    md.append("\n## Pipelined, 1 client (calls/s)\n\n")
    rows = []
    for d in (1, 16, 128):
        rows.append([str(d), fmt(g(f"rom_async_ipc_d{d}_calls_per_s")), fmt(g(f"raw_zmq_dealer_ipc_w{d}_calls_per_s")),
                     fmt(g(f"rom_batched_ipc_d{d}_calls_per_s")),
                     fmt(g(f"redis_incr_p{d}_1c_calls_per_s")), fmt(g(f"redis_incr_p{d}_4c_calls_per_s")),
                     fmt(g(f"rom_async_ipc_d{d}_wakeups_per_call")), fmt(g(f"raw_zmq_dealer_ipc_w{d}_wakeups_per_call"))])
    md.append(table(["depth", "rom async (ipc)", "raw DEALER/ROUTER (ipc)", "rom IncrementMany of depth (ipc)",
                     "Redis INCR, 1 client", "Redis INCR, 4 clients", "rom async wake-ups/call",
                     "raw wake-ups/call"], rows))
    md.append(f"\nrom one-way calls (1024 per sync Get): {fmt(g('rom_oneway_ipc_calls_per_s'))} calls/s; "
              f"rom async depth 128 on the worker pool: {fmt(g('rom_pool_async_ipc_d128_calls_per_s'))} calls/s "
              f"({fmt(g('rom_pool_worker_threads'))} worker threads).\n")

    md.append("\n## A heavy method: others' sync calls while one object runs a 1 ms method\n\n")
    rows = []
    for label, case in (("nobody working (baseline)", "idle"), ("A inline (`Counter.Work`)", "inline"),
                        ("A pooled (`PoolCounter.Work`)", "pool")):
        row = [label]
        for how in ("others", "paced"):
            p50 = g(f"rom_heavy_{case}_{how}_p50_us")
            idle = g(f"rom_heavy_idle_{how}_p50_us")
            row += [fmt(p50), fmt(g(f"rom_heavy_{case}_{how}_p99_us")), fmt(p50 / idle if p50 is not None and idle else None)]
            if how == "others":
                row.append(fmt(g(f"rom_heavy_{case}_others_calls_per_s")))
        row.append(fmt(g(f"rom_heavy_{case}_work_calls_per_s")) if case != "idle" else "")
        rows.append(row)
    md.append(table(["while", "B p50 µs", "B p99 µs", "p50 ÷ baseline", "B calls/s", "paced B p50 µs",
                     "paced B p99 µs", "paced p50 ÷ baseline", "A Work calls/s"], rows))
    md.append("\nOne client process calls `Work` (1 ms busy-wait on the server) in a loop on object A while another "
              "times sync `Increment` on object B, an inline `Counter`, on a server of its own with the default "
              f"options ({fmt(g('rom_heavy_pool_worker_threads'))} worker threads when A is pooled): back to back, "
              "then paced (a random 0–2 ms between calls, so they land at random moments of A's cycle). Back to "
              "back with A inline, B makes a few fast calls between two Work calls and one that waits behind a "
              "Work, so its p50 is one or the other from run to run. `heavy_inline_vs_idle_p50`, "
              "`heavy_pool_vs_idle_p50` (`_paced_p50`, `_p99`) are in the ratios above.\n")

    md.append("\n## The Counter job: 4 processes increment one counter\n\n")
    exact = {1.0: "yes", 0.0: "**no**"}
    rows = [["rom, async depth 128", fmt(g("rom_job_4p_async_calls_per_s")), exact.get(g("rom_job_4p_exact"), "–")],
            ["rom, one-way + a final Get", fmt(g("rom_job_4p_oneway_calls_per_s")), exact.get(g("rom_job_4p_exact"), "–")],
            ["Python BaseManager proxies", fmt(g("python_mgr_job_4p_calls_per_s")),
             exact.get(g("python_mgr_job_4p_exact"), "–")]]
    md.append(table(["how", "increments/s", "final value exact"], rows))

    md.append("\n## Payload sweep, Echo over ipc (payload bytes/s, one way)\n\n")
    sizes = payload_sizes(m)
    rows = []
    for s in sizes:
        rom = g(f"rom_payload_ipc_{s}_bytes_per_s")
        raw = g(f"raw_zmq_payload_ipc_{s}_bytes_per_s")
        rows.append([str(s), fmt(rom / 1e6 if rom else None), fmt(raw / 1e6 if raw else None),
                     fmt(rom / raw if rom and raw else None), fmt(g(f"rom_payload_ipc_{s}_p50_us")),
                     fmt(g(f"raw_zmq_payload_ipc_{s}_p50_us"))])
    md.append(table(["bytes", "rom MB/s", "raw libzmq MB/s", "rom / raw", "rom p50 µs", "raw p50 µs"], rows))

    md.append("\n## Objects\n\n")
    md.append(f"Creation: rom pipelined (128 in flight, 10 k → 100 k objects) {fmt(g('rom_create_per_s'))}/s, "
              f"100 k → 1 M {fmt(g('rom_create_to_1m_per_s'))}/s; rom one by one "
              f"{fmt(g('rom_create_sync_per_s'))}/s (p50 {fmt(g('rom_create_p50_us'))} µs); Python "
              f"{fmt(g('python_mgr_create_per_s'))}/s (p50 {fmt(g('python_mgr_create_p50_us'))} µs).\n\n")
    rows = [[label, fmt(g(f"rom_bytes_per_object_{k}")), fmt(g(f"rom_sync_ipc_{k}obj_p50_us"))]
            for label, k in (("10 k", "10k"), ("100 k", "100k"), ("1 M", "1m"))]
    md.append(table(["live idle objects", "server bytes/object", "sync call p50 µs"], rows))

    md.append("\n## The Python client (python/rom_python.py)\n\n")
    md.append("One client process, an atomic increment returning the new value, measured in one workload.\n\n")
    rows = [[label, fmt(g(prefix + "_p50_us")), fmt(g(prefix + "_calls_per_s"))]
            for label, prefix in (("BaseManager Counter.increment (sync)", "python_mgr_counter_1c"),
                                  ("rom Value.add (sync)", "python_rom_sync_1c"),
                                  ("rom Value.add_async, 128 in flight", "python_rom_pipelined128_1c"),
                                  ("rom Value.add_oneway, then a sync get per 1024", "python_rom_oneway_1c"))]
    md.append(table(["how", "p50 µs", "calls/s"], rows))
    return "".join(md)


def plot_data(m, out_dir):
    g = lambda k: m.get(k, float("nan"))
    rows = [
        ("sync 1 client", "rom_sync_ipc", "raw_zmq_reqrep_ipc", "python_mgr_sync_1p_shared", "redis_incr_p1_1c"),
        ("sync 4 procs", "rom_sync_ipc_4p_shared", "raw_zmq_reqrep_ipc_4p", "python_mgr_sync_4p_shared",
         "redis_incr_p1_4c"),
        ("depth 16", "rom_async_ipc_d16", "raw_zmq_dealer_ipc_w16", None, "redis_incr_p16_1c"),
        ("depth 128", "rom_async_ipc_d128", "raw_zmq_dealer_ipc_w128", None, "redis_incr_p128_1c"),
        ("job 4 procs", "rom_job_4p", None, "python_mgr_job_4p", "redis_incr_p128_4c"),
    ]
    with open(os.path.join(out_dir, "plot_rates.dat"), "w") as f:
        f.write("# workload rom raw_zmq python redis (calls/s)\n")
        for label, *keys in rows:
            vals = [g(k + "_calls_per_s") if k else float("nan") for k in keys]
            f.write(f'"{label}" ' + " ".join("NaN" if math.isnan(v) else f"{v:.6g}" for v in vals) + "\n")
    sizes = payload_sizes(m)
    with open(os.path.join(out_dir, "plot_payload.dat"), "w") as f:
        f.write("# bytes rom raw_zmq (MB/s)\n")
        for s in sizes:
            vals = [g(f"rom_payload_ipc_{s}_bytes_per_s") / 1e6, g(f"raw_zmq_payload_ipc_{s}_bytes_per_s") / 1e6]
            f.write(f"{s} " + " ".join("NaN" if math.isnan(v) else f"{v:.6g}" for v in vals) + "\n")


def main():
    metrics_path, out_dir, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    note = sys.argv[4] if len(sys.argv) > 4 else ""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    m = load(metrics_path)
    derive(m)
    with open(os.path.join(out_dir, "latest.json"), "w") as f:
        json.dump(dict(sorted(m.items())), f, indent=1)
        f.write("\n")
    with open(os.path.join(out_dir, "latest.md"), "w") as f:
        f.write(markdown(m, mode, repo, note))
    plot_data(m, out_dir)


if __name__ == "__main__":
    main()
