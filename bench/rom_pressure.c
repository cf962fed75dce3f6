// rom_pressure: what many clients, a flooding client and an unauthenticated flood cost a rom server and its
// other clients (issue 18, points 4 and 5), through the public API only. Every figure is also given as a
// ratio against a baseline measured in the same run, since the machine is shared and loaded:
//   connect  N clients held open (rom_client_connect + a ping each, spread over holder processes of
//            CLIENTS_PER_HOLDER), then the next client's connect + first ping, at N = 0, 1000, 10000 (2000
//            with --quick), over ipc and tcp 127.0.0.1; the server's idle CPU and RSS per connection with
//            N held; how long the server takes to end them all when the holders are killed
//   flood    a victim's sync Value.get p50/p99 alone, then while one flooder process (a) sends async calls
//            at full speed and never reads a reply, (b) makes sync calls at full speed, (c) sends one-way
//            calls at full speed; the server's RSS growth during (a)
//   unauth   a server with an authkey over tcp: the victim (right key) alone, then while flooders connect
//            with a wrong key in a loop, then while the same flooders aim at another server (a decoy: the
//            same CPU spent on the machine, none by the victim's server), then while flooders write garbage
//            bytes to the port
//
// usage: rom_pressure [--quick] [--runs N] [--secs S] [--clients N] [connect|flood|unauth ...]
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rom/rom.h>
#include <rom/builtins/value.rom.h>

#include "bench_common.h"

// Clients one holder process keeps open. Each client is a ZMQ DEALER plus its monitor's two PAIR sockets,
// and rom's context keeps ZMQ's default of 1023 sockets per context (ZMQ_MAX_SOCKETS): 250 clients use 750.
#define CLIENTS_PER_HOLDER 250
#define MAX_HOLDERS 256
// Samples of the next client's connect + ping at each N (the median is reported).
#define CONNECT_SAMPLES 15
// The victim's latencies of one run, at most.
#define MAX_SAMPLES 2000000

// CPU time (user + system) of a process so far, in clock ticks, from /proc/<pid>/stat; -1 if unreadable.
static long long
s_cpu_ticks (pid_t pid)
{
    char path[64], buf[1024];
    snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
    FILE *file = fopen (path, "r");
    if (!file)
        return -1;
    size_t n = fread (buf, 1, sizeof buf - 1, file);
    fclose (file);
    buf[n] = '\0';
    // Fields after the command name, which is in parentheses and may hold spaces: state is field 3,
    // utime 14 and stime 15.
    char *p = strrchr (buf, ')');
    unsigned long long utime, stime;
    if (!p || sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
        return -1;
    return (long long) (utime + stime);
}

// The CPU a process used between two s_cpu_ticks () readings `secs` apart, in % of one CPU (-1: unknown).
static double
s_cpu_pct (long long t0, long long t1, double secs)
{
    return t0 >= 0 && t1 >= 0 ? (double) (t1 - t0) / (double) sysconf (_SC_CLK_TCK) / secs * 100 : -1;
}

// Let this process (and the holders it forks) open as many descriptors as the hard limit allows: every
// connection is a descriptor on the server and on its client.
static void
s_raise_fd_limit (void)
{
    struct rlimit limit;
    if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit (RLIMIT_NOFILE, &limit);
    }
}

// --- a server in a manager process ---------------------------------------------------------------------------

// A manager (rom_manager_start forks its server) at `endpoint`, with `authkey` or none. Its owner's client is
// the one the benchmark pings and reads stats through.
static rom_manager_t *
s_manager (const char *endpoint, const char *authkey)
{
    rom_manager_opts_t opts = {.endpoint = endpoint, .authkey = authkey};
    // Room for every session the benchmark opens, whatever the default is.
    opts.server.max_sessions = 1u << 20;
    rom_manager_t *manager = NULL;
    const char *why = NULL;
    if (rom_manager_start (&opts, &manager, &why) != ROM_OK) {
        fprintf (stderr, "rom_pressure: cannot start a manager at %s: %s\n", endpoint, why ? why : "?");
        return NULL;
    }
    return manager;
}

// --- connect: many clients held open ------------------------------------------------------------------------

typedef struct {
    pid_t pid;
    int report_fd; // the holder says how many of its clients connected, then stays silent until killed
} holder_t;

// A holder process: connect `n` clients with a ping each, report how many made it, then hold them (idle:
// no thread of rom's runs on a client's behalf, only ZMQ's I/O thread) until killed.
static void
s_holder_main (const char *endpoint, int n, int report_fd)
{
    prctl (PR_SET_PDEATHSIG, SIGKILL);
    static rom_client_t *clients[CLIENTS_PER_HOLDER];
    rom_client_opts_t opts = {.connect_timeout_ms = 20000, .call_timeout_ms = 20000};
    int ok = 0;
    const char *why = NULL;
    for (int i = 0; i < n && i < CLIENTS_PER_HOLDER; i++) {
        if (rom_client_connect (endpoint, &opts, &clients[i], &why) != ROM_OK) {
            fprintf (stderr, "rom_pressure: holder %d: client %d: %s\n", (int) getpid (), i, why ? why : "?");
            break;
        }
        if (rom_client_ping (clients[i]) != ROM_OK) {
            fprintf (stderr, "rom_pressure: holder %d: ping %d: %s\n", (int) getpid (), i,
                     rom_client_errmsg (clients[i]));
            break;
        }
        ok++;
    }
    if (write (report_fd, &ok, sizeof ok) != sizeof ok)
        _exit (1);
    for (;;)
        pause ();
}

// Start holders until `target` clients are held (in all, counting *held already); returns the new count.
static int
s_hold_more (const char *endpoint, holder_t *holders, int *n_holders, int held, int target)
{
    int started = *n_holders;
    for (int left = target - held; left > 0 && *n_holders < MAX_HOLDERS; left -= CLIENTS_PER_HOLDER) {
        int fds[2];
        if (pipe (fds) != 0)
            break;
        fflush (NULL);
        pid_t pid = fork ();
        if (pid == 0) {
            close (fds[0]);
            s_holder_main (endpoint, left < CLIENTS_PER_HOLDER ? left : CLIENTS_PER_HOLDER, fds[1]);
        }
        close (fds[1]);
        if (pid < 0) {
            close (fds[0]);
            break;
        }
        holders[(*n_holders)++] = (holder_t) {pid, fds[0]};
    }
    for (int i = started; i < *n_holders; i++) {
        int ok = 0;
        if (bench_read_by (holders[i].report_fd, &ok, sizeof ok, bench_now_ns () + 120000000000ull) == 0)
            held += ok;
        else
            fprintf (stderr, "rom_pressure: holder %d did not report\n", (int) holders[i].pid);
    }
    return held;
}

// The median, over CONNECT_SAMPLES, of a new client's rom_client_connect + first ping, in ms.
static double
s_next_connect_ms (const char *endpoint)
{
    double ms[CONNECT_SAMPLES];
    int n = 0;
    for (int i = 0; i < CONNECT_SAMPLES; i++) {
        rom_client_t *client = NULL;
        uint64_t t0 = bench_now_ns ();
        rom_status_t rc = rom_client_connect (endpoint, NULL, &client, NULL);
        if (rc == ROM_OK)
            rc = rom_client_ping (client);
        uint64_t t1 = bench_now_ns ();
        rom_client_destroy (&client);
        if (rc != ROM_OK) {
            fprintf (stderr, "rom_pressure: the next client's connect failed: %s\n", rom_strerror (rc));
            continue;
        }
        ms[n++] = (double) (t1 - t0) / 1e6;
    }
    return n ? bench_median (ms, (size_t) n) : -1;
}

// The owner's ping p50 in us over 500 pings: what a connected client's call costs at this N.
static double
s_ping_p50_us (rom_client_t *client)
{
    enum { PINGS = 500 };
    static uint32_t lat[PINGS];
    int n = 0;
    for (int i = 0; i < PINGS; i++) {
        uint64_t t0 = bench_now_ns ();
        if (rom_client_ping (client) != ROM_OK)
            break;
        lat[n++] = (uint32_t) (bench_now_ns () - t0);
    }
    return n ? bench_percentile_ns (lat, (size_t) n, 50) / 1e3 : -1;
}

static void
s_connect (const char *transport, int big, double idle_secs)
{
    char endpoint[256];
    if (strcmp (transport, "ipc") == 0)
        snprintf (endpoint, sizeof endpoint, "ipc://%s/pressure.sock", bench_tmpdir ());
    else
        snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:*");
    rom_manager_t *manager = s_manager (endpoint, NULL);
    if (!manager)
        return;
    snprintf (endpoint, sizeof endpoint, "%s", rom_manager_endpoint (manager));
    rom_client_t *owner = rom_manager_client (manager);
    pid_t server = rom_manager_pid (manager);
    static holder_t holders[MAX_HOLDERS];
    int n_holders = 0, held = 0;
    const int steps[] = {0, 1000, big};
    double connect_ms[3] = {-1, -1, -1};
    long long rss0 = -1, rss_big = -1;
    for (int s = 0; s < 3; s++) {
        uint64_t t0 = bench_now_ns ();
        held = s_hold_more (endpoint, holders, &n_holders, held, steps[s]);
        double fill_s = (double) (bench_now_ns () - t0) / 1e9;
        if (held < steps[s]) {
            fprintf (stderr, "rom_pressure: %s: only %d of %d clients connected; stopping here\n", transport,
                     held, steps[s]);
            break;
        }
        bench_sleep_ms (200); // let the last hellos settle
        if (s == 0)
            rss0 = bench_rss_bytes (server);
        // The owner's ping before and after the next connects: clients that come and go (each a connection
        // that opens and drops) must not cost the ones that stay.
        double ping_us = s_ping_p50_us (owner);
        connect_ms[s] = s_next_connect_ms (endpoint);
        double ping_after_us = s_ping_p50_us (owner);
        rom_server_stats_t stats = {0};
        rom_client_stats (owner, &stats);
        fprintf (stderr,
                 "  %s, %5d clients held (%2d holders, filled in %.1f s): next connect + ping %7.2f ms, "
                 "owner ping p50 %6.1f us (%6.1f us after the connects), server sessions %u\n",
                 transport, held, n_holders, fill_s, connect_ms[s], ping_us, ping_after_us, stats.sessions);
        const char *at = s == 0 ? "0" : s == 1 ? "1k" : "big";
        bench_metricf (connect_ms[s], "rom_pressure_%s_connect_ms_at_%s", transport, at);
        bench_metricf (ping_us, "rom_pressure_%s_ping_p50_us_at_%s", transport, at);
        bench_metricf (ping_after_us, "rom_pressure_%s_ping_after_connects_p50_us_at_%s", transport, at);
        if (s == 2) {
            bench_metricf (held, "rom_pressure_%s_clients_big", transport);
            bench_metricf (held / fill_s, "rom_pressure_%s_fill_clients_per_s", transport);
        }
    }
    if (connect_ms[2] > 0) {
        rss_big = bench_rss_bytes (server);
        // Idle CPU: nobody calls; whatever the server spends now it spends per connection (timers, sweeps).
        long long c0 = s_cpu_ticks (server);
        uint64_t t0 = bench_now_ns ();
        bench_sleep_ms ((int) (idle_secs * 1000));
        long long c1 = s_cpu_ticks (server);
        double secs = (double) (bench_now_ns () - t0) / 1e9;
        double cpu_pct = s_cpu_pct (c0, c1, secs);
        double per_conn = rss0 > 0 && rss_big > 0 ? (double) (rss_big - rss0) / held : -1;
        fprintf (stderr,
                 "  %s, %d clients held: server idle CPU %.2f %% over %.1f s, RSS %.1f MB (%.0f bytes "
                 "per connection)\n",
                 transport, held, cpu_pct, secs, (double) rss_big / 1e6, per_conn);
        bench_metricf (cpu_pct, "rom_pressure_%s_server_idle_cpu_pct_big", transport);
        bench_metricf (per_conn, "rom_pressure_%s_server_bytes_per_connection", transport);
        if (connect_ms[0] > 0) {
            bench_metricf (connect_ms[2] / connect_ms[0], "rom_pressure_%s_connect_big_vs_0", transport);
            bench_metricf (connect_ms[1] / connect_ms[0], "rom_pressure_%s_connect_1k_vs_0", transport);
        }
    }
    // All holders die at once: how long until the server has ended their sessions (the lease's sweeps).
    // The server's CPU time while it ends them, too: unlike the wall time, the machine's load changes it
    // little.
    long long kill_cpu0 = s_cpu_ticks (server);
    uint64_t kill_ns = bench_now_ns ();
    for (int i = 0; i < n_holders; i++)
        kill (holders[i].pid, SIGKILL);
    for (int i = 0; i < n_holders; i++) {
        bench_kill_reap (holders[i].pid);
        close (holders[i].report_fd);
    }
    double end_ms = -1, worst_ping_ms = 0;
    while (held > 0 && bench_now_ns () - kill_ns < 60000000000ull) {
        rom_server_stats_t stats = {0};
        uint64_t t0 = bench_now_ns ();
        if (rom_client_stats (owner, &stats) != ROM_OK) {
            fprintf (stderr, "rom_pressure: stats after the kill: %s\n", rom_client_errmsg (owner));
            break;
        }
        double took = (double) (bench_now_ns () - t0) / 1e6;
        worst_ping_ms = took > worst_ping_ms ? took : worst_ping_ms;
        if (stats.sessions <= 1) {
            end_ms = (double) (bench_now_ns () - kill_ns) / 1e6;
            break;
        }
        bench_sleep_ms (5);
    }
    long long kill_cpu1 = s_cpu_ticks (server);
    double kill_cpu_ms = kill_cpu0 >= 0 && kill_cpu1 >= 0
                             ? (double) (kill_cpu1 - kill_cpu0) * 1000.0 / (double) sysconf (_SC_CLK_TCK)
                             : -1;
    if (held > 0) {
        fprintf (stderr,
                 "  %s, %d holders' clients killed: sessions all ended after %.0f ms (slowest stats "
                 "call meanwhile %.1f ms; server CPU %.0f ms)\n",
                 transport, held, end_ms, worst_ping_ms, kill_cpu_ms);
        bench_metricf (kill_cpu_ms, "rom_pressure_%s_killed_all_server_cpu_ms", transport);
        bench_metricf (end_ms, "rom_pressure_%s_killed_all_sessions_end_ms", transport);
        bench_metricf (worst_ping_ms, "rom_pressure_%s_killed_all_worst_call_ms", transport);
    }
    rom_manager_destroy (&manager);
}

// --- flood: a client that does not play fair -----------------------------------------------------------------

// FLOOD_DECOY is the wrong-key flood aimed at another server (a decoy) on the same machine: the same CPU
// spent by the flooders and by a server refusing them, none of it by the victim's server. The victim's p50
// beside it against beside the wrong-key flood is what refusing the flood costs the victim's server itself.
enum {
    FLOOD_NONE,
    FLOOD_UNREAD,
    FLOOD_SYNC,
    FLOOD_ONEWAY,
    FLOOD_WRONG_KEY,
    FLOOD_GARBAGE,
    FLOOD_DECOY,
    FLOOD_KINDS
};
static const char *const s_flood_names[] = {"alone",    "unread",  "sync",          "oneway",
                                            "wrongkey", "garbage", "wrongkey_decoy"};
// A case with this added to its kind runs its flooders at nice 19: on 2 vCPUs a flooder that never blocks
// takes a CPU from the victim and the server whatever the server does; at nice 19 the scheduler gives the
// others the CPU first, so what is left of the slowdown is the server's own (its queues, its fairness).
#define FLOOD_NICE 16

typedef struct {
    const char *endpoint;
    const char *authkey;
    int kind;     // FLOOD_*, plus FLOOD_NICE
    int go_fd;    // the flooder starts when this is readable
    int count_fd; // it writes how many operations it did when stopped (SIGTERM)
} flooder_t;

static volatile sig_atomic_t s_stop;

static void
s_on_term (int sig)
{
    (void) sig;
    s_stop = 1;
}

// A garbage writer: connect to the tcp port, write 1 KiB of bytes that are no ZMTP greeting, close; again.
static long long
s_garbage (const char *endpoint)
{
    const char *colon = strrchr (endpoint, ':');
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons ((uint16_t) atoi (colon + 1))};
    inet_pton (AF_INET, "127.0.0.1", &addr.sin_addr);
    char junk[1024];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char) (i * 131 + 7);
    long long n = 0;
    while (!s_stop) {
        int fd = socket (AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            break;
        if (connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0 && write (fd, junk, sizeof junk) > 0)
            n++;
        close (fd);
    }
    return n;
}

static void
s_flooder_main (const flooder_t *self)
{
    prctl (PR_SET_PDEATHSIG, SIGKILL);
    if (self->kind & FLOOD_NICE) {
        errno = 0;
        if (nice (19) == -1 && errno)
            _exit (1);
    }
    struct sigaction sa = {.sa_handler = s_on_term};
    sigaction (SIGTERM, &sa, NULL);
    long long n = 0;
    rom_client_t *client = NULL;
    rom_value_t *value = NULL;
    rom_client_opts_t opts = {.authkey = self->authkey};
    int kind = self->kind & ~FLOOD_NICE;
    if (kind != FLOOD_WRONG_KEY && kind != FLOOD_GARBAGE && kind != FLOOD_DECOY
        && (rom_client_connect (self->endpoint, &opts, &client, NULL) != ROM_OK
            || rom_value_new (client, 'q', ROM_INT (0), &value) != ROM_OK)) {
        fprintf (stderr, "rom_pressure: flooder: cannot connect: %s\n", rom_client_errmsg (client));
        _exit (1);
    }
    char go;
    if (read (self->go_fd, &go, 1) != 1)
        _exit (1);
    Rom__Builtins__Variant one = ROM__BUILTINS__VARIANT__INIT;
    one.kind_case = ROM__BUILTINS__VARIANT__KIND_INT_VALUE;
    one.int_value = 1;
    switch (self->kind & ~FLOOD_NICE) {
    case FLOOD_UNREAD:
        // Async calls whose futures are never waited for: the client never reads the socket, so the replies
        // pile up towards it. The futures are leaked on purpose (this process dies at the end).
        while (!s_stop) {
            rom_future_t *future = NULL;
            if (rom_proxy_call_async (rom_value_proxy (value), ROM__BUILTINS__VALUE_METHOD__ADD, &one.base,
                                      &future)
                != ROM_OK)
                break;
            n++;
        }
        break;
    case FLOOD_SYNC:
        while (!s_stop && rom_value_add_int (value, 1, NULL) == ROM_OK)
            n++;
        break;
    case FLOOD_ONEWAY:
        while (!s_stop
               && rom_proxy_call_oneway (rom_value_proxy (value), ROM__BUILTINS__VALUE_METHOD__ADD, &one.base)
                      == ROM_OK)
            n++;
        break;
    case FLOOD_WRONG_KEY:
    case FLOOD_DECOY: {
        rom_client_opts_t wrong = {.authkey = "not the key", .connect_timeout_ms = 2000};
        while (!s_stop) {
            rom_client_t *intruder = NULL;
            rom_status_t rc = rom_client_connect (self->endpoint, &wrong, &intruder, NULL);
            if (rc == ROM_OK) {
                fprintf (stderr, "rom_pressure: a wrong key was admitted\n");
                _exit (1);
            }
            n++;
        }
        break;
    }
    case FLOOD_GARBAGE: n = s_garbage (self->endpoint); break;
    }
    if (write (self->count_fd, &n, sizeof n) != sizeof n)
        _exit (1);
    _exit (0);
}

typedef struct {
    pid_t pid;
    int go_fd, count_fd;
} flood_run_t;

static int
s_flood_start (const char *endpoint, const char *authkey, int kind, flood_run_t *run)
{
    int go[2], count[2];
    if (pipe (go) != 0 || pipe (count) != 0)
        return -1;
    flooder_t flooder = {endpoint, authkey, kind, go[0], count[1]};
    fflush (NULL);
    pid_t pid = fork ();
    if (pid == 0) {
        close (go[1]);
        close (count[0]);
        s_flooder_main (&flooder);
    }
    close (go[0]);
    close (count[1]);
    *run = (flood_run_t) {pid, go[1], count[0]};
    return pid > 0 ? 0 : -1;
}

// Stop a flooder: SIGTERM, its count (operations done), then reap it (SIGKILL if it does not stop: a
// blocking send to a server that stopped reading may never return).
static long long
s_flood_stop (flood_run_t *run)
{
    long long n = -1;
    kill (run->pid, SIGTERM);
    if (bench_read_by (run->count_fd, &n, sizeof n, bench_now_ns () + 2000000000ull) != 0)
        n = -1;
    bench_kill_reap (run->pid);
    close (run->go_fd);
    close (run->count_fd);
    return n;
}

// The victim: sync Value.get for `secs`; p50 and p99 in us, and calls/s.
static void
s_victim (rom_value_t *value, double secs, double *p50, double *p99, double *rate)
{
    static uint32_t lat[MAX_SAMPLES];
    size_t n = 0;
    uint64_t start = bench_now_ns (), end = start + (uint64_t) (secs * 1e9), now = start;
    while (now < end && n < MAX_SAMPLES) {
        int64_t v;
        if (rom_value_get_int (value, &v) != ROM_OK) {
            fprintf (stderr, "rom_pressure: the victim's call failed: %s\n", rom_client_errmsg (NULL));
            break;
        }
        uint64_t t = bench_now_ns ();
        lat[n++] = (uint32_t) (t - now);
        now = t;
    }
    *p50 = n ? bench_percentile_ns (lat, n, 50) / 1e3 : -1;
    *p99 = n ? bench_percentile_ns (lat, n, 99) / 1e3 : -1;
    *rate = (double) n / ((double) (now - start) / 1e9);
}

// One workload: the victim alone and beside each flooder in `kinds` (FLOOD_NONE first), `runs` rounds in
// which the cases take turns (so all see the same machine), medians reported as <prefix>_<case>_... The
// FLOOD_DECOY flooders aim at `decoy` (pid `decoy_pid`), the others at `endpoint` (the server's `server`).
static void
s_flood_cases (const char *prefix, const char *endpoint, const char *decoy, pid_t decoy_pid,
               const char *authkey, const int *kinds, int n_kinds, int flooders, const bench_opts_t *opts,
               pid_t server)
{
    rom_client_opts_t copts = {.authkey = authkey};
    rom_client_t *client = NULL;
    rom_value_t *value = NULL;
    if (rom_client_connect (endpoint, &copts, &client, NULL) != ROM_OK
        || rom_value_new (client, 'q', ROM_INT (0), &value) != ROM_OK) {
        fprintf (stderr, "rom_pressure: %s: the victim cannot connect: %s\n", prefix,
                 rom_client_errmsg (client));
        rom_client_destroy (&client);
        return;
    }
    double victim_unused[3];
    s_victim (value, opts->warmup_secs, &victim_unused[0], &victim_unused[1], &victim_unused[2]);
    enum { MAX_KINDS = 2 * FLOOD_KINDS, MAX_RUNS = 64 };
    double p50[MAX_KINDS][MAX_RUNS], p99[MAX_KINDS][MAX_RUNS], rate[MAX_KINDS][MAX_RUNS],
        ops[MAX_KINDS][MAX_RUNS], cpu[MAX_KINDS][MAX_RUNS], decoy_cpu[MAX_KINDS][MAX_RUNS],
        rss_growth[2 * MAX_RUNS];
    int runs = opts->runs < MAX_RUNS ? opts->runs : MAX_RUNS, n_growth = 0;
    for (int r = 0; r < runs; r++)
        for (int k = 0; k < n_kinds; k++) {
            flood_run_t run[4];
            int n_run = kinds[k] == FLOOD_NONE ? 0 : flooders;
            const char *target = (kinds[k] & ~FLOOD_NICE) == FLOOD_DECOY ? decoy : endpoint;
            if (!target)
                return;
            for (int f = 0; f < n_run; f++)
                if (s_flood_start (target, authkey, kinds[k], &run[f]) != 0)
                    return;
            bench_sleep_ms (100); // the flooders connect
            long long rss_before = bench_rss_bytes (server);
            for (int f = 0; f < n_run; f++)
                if (write (run[f].go_fd, "g", 1) != 1)
                    return;
            bench_sleep_ms (n_run ? 200 : 0); // the flood reaches its pace (and fills what it fills)
            long long c0 = s_cpu_ticks (server), d0 = decoy_pid > 0 ? s_cpu_ticks (decoy_pid) : -1;
            uint64_t t0 = bench_now_ns ();
            s_victim (value, opts->secs, &p50[k][r], &p99[k][r], &rate[k][r]);
            double window = (double) (bench_now_ns () - t0) / 1e9;
            cpu[k][r] = s_cpu_pct (c0, s_cpu_ticks (server), window);
            decoy_cpu[k][r] = s_cpu_pct (d0, decoy_pid > 0 ? s_cpu_ticks (decoy_pid) : -1, window);
            long long rss_after = bench_rss_bytes (server);
            double secs = opts->secs + 0.2;
            ops[k][r] = 0;
            for (int f = 0; f < n_run; f++) {
                long long n = s_flood_stop (&run[f]);
                ops[k][r] += n > 0 ? (double) n / secs : 0;
            }
            if ((kinds[k] & ~FLOOD_NICE) == FLOOD_UNREAD && rss_before > 0 && rss_after > 0)
                rss_growth[n_growth++] = (double) (rss_after - rss_before) / 1e6;
            bench_sleep_ms (50); // the server drains what the flood left (and ends its session)
        }
    double alone_p50 = -1, alone_p99 = -1, flood_p50[2] = {-1, -1}, decoy_p50[2] = {-1, -1};
    for (int k = 0; k < n_kinds; k++) {
        char name[64];
        snprintf (name, sizeof name, "%s%s", s_flood_names[kinds[k] & ~FLOOD_NICE],
                  kinds[k] & FLOOD_NICE ? "_nice19" : "");
        double m50 = bench_median (p50[k], (size_t) runs), m99 = bench_median (p99[k], (size_t) runs);
        double mrate = bench_median (rate[k], (size_t) runs), mops = bench_median (ops[k], (size_t) runs);
        double mcpu = bench_median (cpu[k], (size_t) runs),
               mdecoy = bench_median (decoy_cpu[k], (size_t) runs);
        int plain = kinds[k] & ~FLOOD_NICE, niced = (kinds[k] & FLOOD_NICE) != 0;
        if (kinds[k] == FLOOD_NONE) {
            alone_p50 = m50;
            alone_p99 = m99;
        }
        if (plain == FLOOD_WRONG_KEY)
            flood_p50[niced] = m50;
        if (plain == FLOOD_DECOY)
            decoy_p50[niced] = m50;
        fprintf (stderr,
                 "  %-8s %-9s victim p50 %8.1f us (x%.2f)  p99 %9.1f us (x%.2f)  %7.0f calls/s; "
                 "flooders %9.0f ops/s; server CPU %3.0f %%",
                 prefix, name, m50, alone_p50 > 0 ? m50 / alone_p50 : 0, m99,
                 alone_p99 > 0 ? m99 / alone_p99 : 0, mrate, mops, mcpu);
        if (plain == FLOOD_DECOY)
            fprintf (stderr, ", decoy's %3.0f %%", mdecoy);
        fprintf (stderr, "\n");
        bench_metricf (mcpu, "rom_%s_%s_server_cpu_pct", prefix, name);
        // A refused handshake's cost to a server: the decoy does nothing else.
        if (plain == FLOOD_DECOY && !niced && mops > 0 && mdecoy >= 0)
            bench_metricf (mdecoy / 100 * 1e6 / mops, "%s_server_us_per_refused_handshake", prefix);
        bench_metricf (m50, "rom_%s_%s_victim_p50_us", prefix, name);
        bench_metricf (m99, "rom_%s_%s_victim_p99_us", prefix, name);
        bench_metricf (mrate, "rom_%s_%s_victim_calls_per_s", prefix, name);
        if (kinds[k] != FLOOD_NONE) {
            bench_metricf (mops, "rom_%s_%s_flooder_ops_per_s", prefix, name);
            if (alone_p50 > 0) {
                bench_metricf (m50 / alone_p50, "%s_%s_victim_p50_vs_alone", prefix, name);
                bench_metricf (m99 / alone_p99, "%s_%s_victim_p99_vs_alone", prefix, name);
            }
        }
    }
    // What refusing the flood costs the victim's server itself: the same flood aimed at the decoy instead.
    for (int niced = 0; niced < 2; niced++)
        if (flood_p50[niced] > 0 && decoy_p50[niced] > 0)
            bench_metricf (flood_p50[niced] / decoy_p50[niced], "%s_wrongkey%s_victim_p50_vs_decoy", prefix,
                           niced ? "_nice19" : "");
    if (n_growth) {
        double growth = bench_median (rss_growth, (size_t) n_growth);
        double worst = rss_growth[0];
        for (int i = 1; i < n_growth; i++)
            worst = rss_growth[i] > worst ? rss_growth[i] : worst;
        fprintf (stderr,
                 "  %-8s server RSS growth during the unread flood: median %.2f MB, largest %.2f MB\n",
                 prefix, growth, worst);
        bench_metricf (growth, "%s_unread_server_rss_growth_mb", prefix);
        bench_metricf (worst, "%s_unread_server_rss_growth_max_mb", prefix);
    }
    rom_value_destroy (&value);
    rom_client_destroy (&client);
}

static void
s_flood (const bench_opts_t *opts)
{
    char endpoint[256];
    snprintf (endpoint, sizeof endpoint, "ipc://%s/flood.sock", bench_tmpdir ());
    rom_manager_t *manager = s_manager (endpoint, NULL);
    if (!manager)
        return;
    const int kinds[] = {FLOOD_NONE,
                         FLOOD_UNREAD,
                         FLOOD_SYNC,
                         FLOOD_ONEWAY,
                         FLOOD_UNREAD | FLOOD_NICE,
                         FLOOD_SYNC | FLOOD_NICE,
                         FLOOD_ONEWAY | FLOOD_NICE};
    // --quick leaves out the nice-19 cases: they would double its time (bench/run --quick has ~3 minutes).
    s_flood_cases ("flood", endpoint, NULL, -1, NULL, kinds, opts->quick ? 4 : 7, 1, opts,
                   rom_manager_pid (manager));
    rom_manager_destroy (&manager);
}

static void
s_unauth (const bench_opts_t *opts)
{
    static const char key[] = "rom_pressure's shared secret";
    rom_manager_t *manager = s_manager ("tcp://127.0.0.1:*", key);
    rom_manager_t *decoy = s_manager ("tcp://127.0.0.1:*", key);
    if (manager && decoy) {
        char endpoint[256], decoy_endpoint[256];
        snprintf (endpoint, sizeof endpoint, "%s", rom_manager_endpoint (manager));
        snprintf (decoy_endpoint, sizeof decoy_endpoint, "%s", rom_manager_endpoint (decoy));
        const int kinds[] = {FLOOD_NONE,
                             FLOOD_WRONG_KEY,
                             FLOOD_DECOY,
                             FLOOD_GARBAGE,
                             FLOOD_WRONG_KEY | FLOOD_NICE,
                             FLOOD_DECOY | FLOOD_NICE,
                             FLOOD_GARBAGE | FLOOD_NICE};
        // Two flooders of each kind: one alone spends much of its time waiting for its own handshake's
        // answer. --quick leaves out the nice-19 cases.
        s_flood_cases ("unauth", endpoint, decoy_endpoint, rom_manager_pid (decoy), key, kinds,
                       opts->quick ? 4 : 7, 2, opts, rom_manager_pid (manager));
    }
    rom_manager_destroy (&decoy);
    rom_manager_destroy (&manager);
}

int
main (int argc, char **argv)
{
    bench_opts_t opts;
    bench_opts_parse (&opts, &argc, argv);
    int big = opts.quick ? 2000 : 10000;
    int kept = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv[i], "--clients") == 0 && i + 1 < argc)
            big = atoi (argv[++i]);
        else if (strcmp (argv[i], "connect") == 0 || strcmp (argv[i], "flood") == 0
                 || strcmp (argv[i], "unauth") == 0)
            argv[kept++] = argv[i];
        else {
            fprintf (stderr,
                     "usage: %s [--quick] [--runs N] [--secs S] [--clients N] [connect|flood|unauth ...]\n",
                     argv[0]);
            return 2;
        }
    }
    argc = kept;
    if (big < 1000 || big > MAX_HOLDERS * CLIENTS_PER_HOLDER)
        big = 10000;
    signal (SIGPIPE, SIG_IGN);
    s_raise_fd_limit ();
    struct rlimit limit = {0, 0};
    getrlimit (RLIMIT_NOFILE, &limit);
    fprintf (stderr, "rom_pressure: rom %d.%d.%d, %d clients at most, %d runs x %.1f s, fd limit %llu\n",
             ROM_VERSION_MAJOR, ROM_VERSION_MINOR, ROM_VERSION_PATCH, big, opts.runs, opts.secs,
             (unsigned long long) limit.rlim_cur);
    if (bench_wanted (argc, argv, "flood"))
        s_flood (&opts);
    if (bench_wanted (argc, argv, "unauth"))
        s_unauth (&opts);
    if (bench_wanted (argc, argv, "connect")) {
        double idle = opts.quick ? 2.0 : 5.0;
        s_connect ("ipc", big, idle);
        s_connect ("tcp", big, idle);
    }
    bench_tmpdir_remove ();
    return 0;
}
