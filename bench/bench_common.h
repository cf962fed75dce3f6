// bench_common.h: what every C benchmark in bench/ shares: options, clocks, percentiles, result lines, and
// a driver that forks N client processes against one server and measures their calls together.
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

// How long and how often to measure. Every figure reported is the median over `runs` runs of `secs`
// seconds each, after `warmup_secs` of unmeasured calls (connections made, caches and allocators warm).
typedef struct bench_opts {
    int quick;          // --quick: shorter runs, smaller sweeps
    int runs;           // --runs N
    double secs;        // --secs S: length of one run
    double warmup_secs; // unmeasured calls before the first run
} bench_opts_t;

// Parse --quick, --runs N, --secs S out of argv (removing them); other arguments stay for the caller.
void bench_opts_parse (bench_opts_t *opts, int *argc, char **argv);
// Whether workload `name` was asked for: named among the arguments left, or none named (then all are).
int bench_wanted (int argc, char **argv, const char *name);

// CLOCK_MONOTONIC in nanoseconds.
uint64_t bench_now_ns (void);

// Print one result line "METRIC <name> <value>" on stdout (what bench/run collects), and flush it so that a
// crash later in the program keeps the figures measured so far.
void bench_metric (const char *name, double value);

// The same with a printf-style name.
void bench_metricf (double value, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

// The median of `n` values (reorders `v`).
double bench_median (double *v, size_t n);

// The p-th percentile (0..100) of `n` latencies in nanoseconds, nearest rank (reorders `v`).
double bench_percentile_ns (uint32_t *v, size_t n, double p);

// --- a server in a process of its own ---------------------------------------------------------------------

// Fork a process that runs `serve (arg, ready_fd)`: the server binds, writes its endpoint (a NUL-terminated
// string) to ready_fd, then serves until killed. Returns its pid and copies the endpoint into `endpoint`,
// or -1. Fork before creating any ZMQ context in the caller: a context does not survive fork.
pid_t bench_server_spawn (int (*serve) (void *arg, int ready_fd), void *arg, char *endpoint, size_t size);

// SIGKILL and reap a server (benchmark servers hold no state worth a clean exit).
void bench_server_stop (pid_t pid);

// --- small process helpers ---------------------------------------------------------------------------------

// SIGKILL and reap one of our own processes (never 0 or -1, which would signal a whole group: ignored).
void bench_kill_reap (pid_t pid);
// Sleep `ms` milliseconds, through signals.
void bench_sleep_ms (int ms);
// Read exactly `size` bytes before CLOCK_MONOTONIC passes `deadline_ns`: 0, or -1 on timeout, EOF, error.
int bench_read_by (int fd, void *buf, size_t size, uint64_t deadline_ns);

// A fresh private directory for ipc:// socket files, removed by bench_tmpdir_remove (). Returns its path.
const char *bench_tmpdir (void);
void bench_tmpdir_remove (void);

// --- N client processes doing calls at once ----------------------------------------------------------------

// One client's behaviour, run in each forked client process. `setup` connects (and may start a pipeline);
// `call` does one unit of work and returns how many operations it completed (>= 1), or < 0 on failure;
// `teardown` closes. The time of each `call` is recorded as one latency sample. `pause` (NULL: none) runs
// between calls, untimed: a client that paces its calls rather than making them back to back.
typedef struct bench_client_ops {
    void *(*setup) (int child, void *arg);
    int (*call) (void *state);
    void (*teardown) (void *state);
    void (*pause) (void *state);
} bench_client_ops_t;

typedef struct bench_result {
    double p50_us; // median latency of one `call`
    double p99_us;
    double ops_per_s;      // operations of all clients together per second of wall time
    double total_ops;      // operations done in the measured runs (all clients, all runs)
    double wakeups_per_op; // thread sleeps (voluntary context switches) of the clients and the watched
                           // server, all threads, per operation; each sleep costs a wake-up. -1: unknown
} bench_result_t;

// The server process whose threads' sleeps bench_fanout () adds to the clients' (0: none). Set it before
// each bench_fanout () against a server of another process.
void bench_watch_server (pid_t pid);

// Voluntary context switches of every thread of a process so far (a thread that blocks and is woken
// later counts one), from /proc/<pid>/task/*/status; -1 if unreadable.
long long bench_sleeps (pid_t pid);

// Fork `nprocs` clients; each sets up, warms up, then all start each run together. Per run, latencies of
// all clients are merged into one p50/p99 and the rate is total operations / wall time of the run; the
// result is the median of each over the runs. Returns 0, or -1 if a client failed (after saying why).
int bench_fanout (int nprocs, const bench_opts_t *opts, const bench_client_ops_t *ops, void *arg,
                  bench_result_t *result);

// Report a result as <prefix>_p50_us, <prefix>_p99_us, <prefix>_calls_per_s, <prefix>_wakeups_per_call.
void bench_report (const char *prefix, const bench_result_t *result);

// Threads of a process whose name starts with `prefix` ("ZMQbg/IO" counts ZMQ's I/O threads), or -1.
int bench_count_threads (pid_t pid, const char *prefix);

// Bytes of resident memory of a process (VmRSS in /proc/<pid>/status), or -1.
long long bench_rss_bytes (pid_t pid);

#endif
