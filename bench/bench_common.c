// bench_common.c: options, clocks, percentiles, result lines and the multi-process client driver shared by
// the C benchmarks (see bench_common.h).
#define _GNU_SOURCE
#include "bench_common.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void
bench_opts_parse (bench_opts_t *opts, int *argc, char **argv)
{
    opts->quick = 0;
    opts->runs = 0;
    opts->secs = 0;
    int kept = 1;
    for (int i = 1; i < *argc; i++) {
        if (strcmp (argv[i], "--quick") == 0)
            opts->quick = 1;
        else if (strcmp (argv[i], "--runs") == 0 && i + 1 < *argc)
            opts->runs = atoi (argv[++i]);
        else if (strcmp (argv[i], "--secs") == 0 && i + 1 < *argc)
            opts->secs = atof (argv[++i]);
        else
            argv[kept++] = argv[i];
    }
    *argc = kept;
    argv[kept] = NULL;
    // Quick runs are long enough for thousands of round trips each, which keeps p99 meaningful.
    if (opts->runs <= 0)
        opts->runs = opts->quick ? 3 : 5;
    if (opts->secs <= 0)
        opts->secs = opts->quick ? 0.4 : 2.0;
    opts->warmup_secs = opts->quick ? 0.1 : 0.3;
}

int
bench_wanted (int argc, char **argv, const char *name)
{
    if (argc == 1)
        return 1;
    for (int i = 1; i < argc; i++)
        if (strcmp (argv[i], name) == 0)
            return 1;
    return 0;
}

uint64_t
bench_now_ns (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

void
bench_metric (const char *name, double value)
{
    printf ("METRIC %s %.6g\n", name, value);
    fflush (stdout);
}

void
bench_metricf (double value, const char *fmt, ...)
{
    char name[256];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (name, sizeof name, fmt, ap);
    va_end (ap);
    bench_metric (name, value);
}

static int
s_cmp_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static int
s_cmp_u32 (const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
    return (x > y) - (x < y);
}

double
bench_median (double *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort (v, n, sizeof *v, s_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double
bench_percentile_ns (uint32_t *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    qsort (v, n, sizeof *v, s_cmp_u32);
    size_t rank = (size_t) (p / 100.0 * (double) n + 0.5);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return v[rank - 1];
}

// --- servers -----------------------------------------------------------------------------------------------

pid_t
bench_server_spawn (int (*serve) (void *arg, int ready_fd), void *arg, char *endpoint, size_t size)
{
    int fds[2];
    if (pipe (fds) != 0)
        return -1;
    fflush (NULL);
    pid_t pid = fork ();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        // A benchmark that dies must not leave its server spinning.
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        close (fds[0]);
        _exit (serve (arg, fds[1]));
    }
    close (fds[1]);
    size_t got = 0;
    while (got < size) {
        ssize_t n = read (fds[0], endpoint + got, 1);
        if (n <= 0 || endpoint[got] == '\0')
            break;
        got++;
    }
    close (fds[0]);
    if (got == 0 || got == size) {
        fprintf (stderr, "bench: server %d did not report an endpoint\n", (int) pid);
        bench_server_stop (pid);
        return -1;
    }
    endpoint[got] = '\0';
    return pid;
}

void
bench_server_stop (pid_t pid)
{
    bench_kill_reap (pid);
}

void
bench_kill_reap (pid_t pid)
{
    if (pid <= 0)
        return;
    kill (pid, SIGKILL);
    while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

void
bench_sleep_ms (int ms)
{
    struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};
    while (nanosleep (&ts, &ts) != 0 && errno == EINTR)
        ;
}

int
bench_read_by (int fd, void *buf, size_t size, uint64_t deadline_ns)
{
    size_t got = 0;
    while (got < size) {
        uint64_t now = bench_now_ns ();
        if (now >= deadline_ns)
            return -1;
        struct pollfd item = {.fd = fd, .events = POLLIN};
        if (poll (&item, 1, (int) ((deadline_ns - now + 999999) / 1000000)) <= 0)
            continue; // timed out or interrupted: the deadline check above ends it
        ssize_t n = read (fd, (char *) buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        got += (size_t) n;
    }
    return 0;
}

static char s_tmpdir[64];

const char *
bench_tmpdir (void)
{
    if (s_tmpdir[0] == '\0') {
        strcpy (s_tmpdir, "/tmp/rom-bench-XXXXXX");
        if (!mkdtemp (s_tmpdir)) {
            perror ("mkdtemp");
            exit (1);
        }
    }
    return s_tmpdir;
}

void
bench_tmpdir_remove (void)
{
    if (s_tmpdir[0] == '\0')
        return;
    DIR *dir = opendir (s_tmpdir);
    if (dir) {
        struct dirent *entry;
        char path[512];
        while ((entry = readdir (dir))) {
            if (entry->d_name[0] == '.')
                continue;
            snprintf (path, sizeof path, "%s/%s", s_tmpdir, entry->d_name);
            unlink (path);
        }
        closedir (dir);
    }
    rmdir (s_tmpdir);
    s_tmpdir[0] = '\0';
}

int
bench_count_threads (pid_t pid, const char *prefix)
{
    char path[96], name[64];
    snprintf (path, sizeof path, "/proc/%d/task", (int) pid);
    DIR *dir = opendir (path);
    if (!dir)
        return -1;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir (dir))) {
        if (entry->d_name[0] == '.')
            continue;
        snprintf (path, sizeof path, "/proc/%d/task/%.16s/comm", (int) pid, entry->d_name);
        FILE *file = fopen (path, "r");
        if (file && fgets (name, sizeof name, file) && strncmp (name, prefix, strlen (prefix)) == 0)
            count++;
        if (file)
            fclose (file);
    }
    closedir (dir);
    return count;
}

long long
bench_rss_bytes (pid_t pid)
{
    char path[64], line[256];
    snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
    FILE *file = fopen (path, "r");
    if (!file)
        return -1;
    long long kb = -1;
    while (fgets (line, sizeof line, file))
        if (sscanf (line, "VmRSS: %lld kB", &kb) == 1)
            break;
    fclose (file);
    return kb < 0 ? -1 : kb * 1024;
}

// --- clients -----------------------------------------------------------------------------------------------

// What each client process shares with the parent: its counts and latency samples of the current run.
typedef struct {
    size_t samples;
    double ops;
    long long sleeps; // voluntary context switches of all its threads during the run; -1: unknown
} s_slot_t;

static pid_t s_watched;

void
bench_watch_server (pid_t pid)
{
    s_watched = pid;
}

long long
bench_sleeps (pid_t pid)
{
    char path[96], line[256];
    snprintf (path, sizeof path, "/proc/%d/task", (int) pid);
    DIR *dir = opendir (path);
    if (!dir)
        return -1;
    long long total = 0;
    struct dirent *entry;
    while ((entry = readdir (dir))) {
        if (entry->d_name[0] == '.')
            continue;
        snprintf (path, sizeof path, "/proc/%d/task/%.16s/status", (int) pid, entry->d_name);
        FILE *file = fopen (path, "r");
        if (!file)
            continue; // a thread that ended meanwhile
        long long n;
        while (fgets (line, sizeof line, file))
            if (sscanf (line, "voluntary_ctxt_switches: %lld", &n) == 1) {
                total += n;
                break;
            }
        fclose (file);
    }
    closedir (dir);
    return total;
}

static void
s_write_byte (int fd, char byte)
{
    while (write (fd, &byte, 1) < 0 && errno == EINTR)
        ;
}

static char
s_read_byte (int fd)
{
    char byte;
    ssize_t n;
    while ((n = read (fd, &byte, 1)) < 0 && errno == EINTR)
        ;
    return n == 1 ? byte : 'F';
}

static void
s_client_main (int child, const bench_opts_t *opts, const bench_client_ops_t *ops, void *arg, s_slot_t *slot,
               uint32_t *lat, size_t cap, int ready_fd, int go_fd, int done_fd)
{
    void *state = ops->setup (child, arg);
    if (!state) {
        s_write_byte (ready_fd, 'F');
        _exit (1);
    }
    // Warm up: connections, the server's per-session state, page faults, branch predictors.
    uint64_t until = bench_now_ns () + (uint64_t) (opts->warmup_secs * 1e9);
    for (int i = 0; i < 10 || bench_now_ns () < until; i++)
        if (ops->call (state) < 0) {
            s_write_byte (ready_fd, 'F');
            _exit (1);
        }
    s_write_byte (ready_fd, 'r');
    while (s_read_byte (go_fd) == 'g') {
        size_t samples = 0;
        double done = 0;
        int failed = 0;
        long long sleeps0 = bench_sleeps (getpid ());
        uint64_t t0 = bench_now_ns ();
        uint64_t end = t0 + (uint64_t) (opts->secs * 1e9);
        while (t0 < end) {
            int n = ops->call (state);
            uint64_t t1 = bench_now_ns ();
            if (n < 0) {
                failed = 1;
                break;
            }
            if (samples < cap)
                lat[samples++] = (uint32_t) (t1 - t0 > UINT32_MAX ? UINT32_MAX : t1 - t0);
            done += n;
            if (ops->pause) {
                ops->pause (state);
                t1 = bench_now_ns ();
            }
            t0 = t1;
        }
        long long sleeps1 = bench_sleeps (getpid ());
        slot->samples = samples;
        slot->ops = done;
        slot->sleeps = sleeps0 < 0 || sleeps1 < 0 ? -1 : sleeps1 - sleeps0;
        s_write_byte (done_fd, failed ? 'F' : 'd');
        if (failed)
            _exit (1);
    }
    ops->teardown (state);
    _exit (0);
}

int
bench_fanout (int nprocs, const bench_opts_t *opts, const bench_client_ops_t *ops, void *arg,
              bench_result_t *result)
{
    memset (result, 0, sizeof *result);
    // Room for one sample per microsecond of a run: no call here is faster than that.
    size_t cap = (size_t) (opts->secs * 1e6) + 1024;
    size_t bytes = (size_t) nprocs * (sizeof (s_slot_t) + cap * sizeof (uint32_t));
    void *shared = mmap (NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) {
        perror ("mmap");
        return -1;
    }
    s_slot_t *slots = shared;
    uint32_t *lats = (uint32_t *) (slots + nprocs);
    int ready[2], go[2], done[2];
    if (pipe (ready) || pipe (go) || pipe (done)) {
        perror ("pipe");
        return -1;
    }
    pid_t pids[64];
    if (nprocs < 1 || nprocs > 64)
        return -1;
    fflush (NULL);
    for (int i = 0; i < nprocs; i++) {
        pids[i] = fork ();
        if (pids[i] == 0) {
            prctl (PR_SET_PDEATHSIG, SIGKILL);
            close (ready[0]);
            close (go[1]);
            close (done[0]);
            s_client_main (i, opts, ops, arg, &slots[i], lats + (size_t) i * cap, cap, ready[1], go[0],
                           done[1]);
        }
    }
    close (ready[1]);
    close (go[0]);
    close (done[1]);

    int failed = 0;
    for (int i = 0; i < nprocs; i++)
        if (s_read_byte (ready[0]) != 'r')
            failed = 1;
    double p50[64], p99[64], rate[64], wakeups[64];
    uint32_t *merged = failed ? NULL : malloc ((size_t) nprocs * cap * sizeof (uint32_t));
    int runs = 0;
    for (int run = 0; !failed && merged && run < opts->runs && run < 64; run++) {
        long long server0 = s_watched > 0 ? bench_sleeps (s_watched) : 0;
        uint64_t t0 = bench_now_ns ();
        for (int i = 0; i < nprocs; i++)
            s_write_byte (go[1], 'g');
        for (int i = 0; i < nprocs; i++)
            if (s_read_byte (done[0]) != 'd')
                failed = 1;
        uint64_t t1 = bench_now_ns ();
        long long server1 = s_watched > 0 ? bench_sleeps (s_watched) : 0;
        if (failed)
            break;
        size_t n = 0;
        double total = 0;
        long long sleeps = server0 < 0 || server1 < 0 ? -1 : server1 - server0;
        for (int i = 0; i < nprocs; i++) {
            memcpy (merged + n, lats + (size_t) i * cap, slots[i].samples * sizeof (uint32_t));
            n += slots[i].samples;
            total += slots[i].ops;
            sleeps = sleeps < 0 || slots[i].sleeps < 0 ? -1 : sleeps + slots[i].sleeps;
        }
        wakeups[runs] = sleeps < 0 || total <= 0 ? -1 : (double) sleeps / total;
        p50[runs] = bench_percentile_ns (merged, n, 50) / 1e3;
        p99[runs] = bench_percentile_ns (merged, n, 99) / 1e3;
        rate[runs] = total / ((double) (t1 - t0) / 1e9);
        result->total_ops += total;
        runs++;
    }
    free (merged);
    for (int i = 0; i < nprocs; i++)
        s_write_byte (go[1], 'q');
    close (go[1]);
    for (int i = 0; i < nprocs; i++) {
        int status = 0;
        if (failed)
            kill (pids[i], SIGKILL);
        waitpid (pids[i], &status, 0);
        if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
            failed = 1;
    }
    close (ready[0]);
    close (done[0]);
    munmap (shared, bytes);
    if (failed || runs == 0) {
        fprintf (stderr, "bench: a client process failed\n");
        return -1;
    }
    result->p50_us = bench_median (p50, (size_t) runs);
    result->p99_us = bench_median (p99, (size_t) runs);
    result->ops_per_s = bench_median (rate, (size_t) runs);
    result->wakeups_per_op = bench_median (wakeups, (size_t) runs);
    return 0;
}

void
bench_report (const char *prefix, const bench_result_t *result)
{
    bench_metricf (result->p50_us, "%s_p50_us", prefix);
    bench_metricf (result->p99_us, "%s_p99_us", prefix);
    bench_metricf (result->ops_per_s, "%s_calls_per_s", prefix);
    if (result->wakeups_per_op >= 0)
        bench_metricf (result->wakeups_per_op, "%s_wakeups_per_call", prefix);
    fprintf (stderr, "  %-40s p50 %8.1f us  p99 %8.1f us  %10.0f calls/s  %5.2f wake-ups/call\n", prefix,
             result->p50_us, result->p99_us, result->ops_per_s, result->wakeups_per_op);
}
