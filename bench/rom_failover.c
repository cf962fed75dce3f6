// rom_failover: how soon a rom process learns that its peer died (issue 12), timed over repeated SIGKILLs of
// real processes talking over ipc, through the public API only:
//   detect   a manager's server is killed while a client process (and the owner, in a thread) waits in
//            rom_queue_get_int (ROM_FOREVER): kill () -> the wait returns ROM_UNAVAILABLE; then the next call
//   release  a process holding a Lock is killed while another waits in rom_lock_acquire (ROM_FOREVER):
//            kill () -> the waiter's acquire returns ROM_OK
//   restart  a standalone server is killed and a new one serves at the same endpoint: the new one ready ->
//            the old client's first rom_client_ping () that succeeds (and whether a create works after it)
//   goodbye  what ending one session costs the server, against what the server holds for others (issue 18):
//            a client connects, creates an object and says goodbye, in a loop, while the server holds no
//            other object and then 100 000 owned by another session (the ratio should be ~1); and a process
//            with 40 000 Queue.gets parked is killed while the owner pings: the longest ping then
// plus, in the same run, the sync round trip (ping p50) the figures can be compared with.
//
// Every wait has a bound (BOUND_MS): a trial whose event does not come in time counts the bound as its
// value and as "missed", and a scenario stops after GIVE_UP misses in a row, so a runtime that only learns
// of deaths through deadlines costs seconds here, never a hang. Times are CLOCK_MONOTONIC (one clock for all
// processes): the killer reads it just before kill (), the blocked process as soon as its call returns.
//
// usage: rom_failover [--quick] [--trials N] [detect|release|restart|goodbye ...]   (default: all)
//        rom_failover serve ENDPOINT FD   (internal: the standalone server of the restart trials)
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rom/rom.h>
#include <rom/builtins/queue.rom.h>
#include <rom/builtins/sync.rom.h>

#include "bench_common.h"

// The longest a trial waits for the event it times. Above the tests' 1000 ms bound, so that a runtime that
// is slow but works still shows its figure, and below the 4 s lease and 30 s deadline of a runtime that
// learns of deaths only through them, so that one shows as missed without costing its deadline per trial.
#define BOUND_MS 2000
// Misses in a row after which a scenario stops: more trials would only wait out the bound again.
#define GIVE_UP 3
// From "about to block" to the kill: the blocked call must be parked on the server when its peer dies (a
// round trip is ~50 us here; 30 ms leaves room for a loaded 2-vCPU machine to schedule the call).
#define SETTLE_MS 30
// Setup steps (a fork, a manager start, a server coming up) that should take milliseconds.
#define SETUP_MS 10000

// --- small helpers -----------------------------------------------------------------------------------------

static void
s_write_all (int fd, const void *buf, size_t size)
{
    // Reports are smaller than PIPE_BUF, so one write () is atomic; a failure means the reader is gone.
    if (write (fd, buf, size) != (ssize_t) size)
        _exit (1);
}

// Reap one of our own processes that is about to exit by itself; SIGKILL it if it has not by the deadline.
// (Killing it at once could orphan its own children before it reaps them: zombies nobody collects here.)
static void
s_reap_by (pid_t pid, uint64_t deadline_ns)
{
    if (pid <= 0)
        return;
    while (bench_now_ns () < deadline_ns) {
        pid_t rc = waitpid (pid, NULL, WNOHANG);
        if (rc == pid || (rc < 0 && errno != EINTR))
            return;
        bench_sleep_ms (1);
    }
    bench_kill_reap (pid);
}

static double
s_ms (uint64_t from_ns, uint64_t to_ns)
{
    return to_ns >= from_ns ? (double) (to_ns - from_ns) / 1e6 : -(double) (from_ns - to_ns) / 1e6;
}

static const char *s_phase = "start";

// The benchmark's own watchdog: a wait the bounds above do not cover (a runtime call that hangs in setup or
// teardown) ends the program, saying where, instead of hanging bench/run. Children die with it
// (PR_SET_PDEATHSIG); the METRIC lines printed so far are already flushed.
static void
s_on_alarm (int sig)
{
    (void) sig;
    static const char msg[] = "rom_failover: watchdog: a wait outran its bound in phase ";
    if (write (2, msg, sizeof msg - 1) < 0 || write (2, s_phase, strlen (s_phase)) < 0
        || write (2, "\n", 1) < 0)
        _exit (3);
    _exit (3);
}

static void
s_watchdog (const char *phase)
{
    s_phase = phase;
    alarm (60);
}

// The outcome of one scenario over its trials: each trial's time in ns (a miss counts BOUND_MS).
typedef struct {
    const char *name;
    uint32_t ns[256];
    int trials;
    int missed;
    int missed_in_a_row;
} series_t;

static void
s_series_add (series_t *self, double ms, int ok)
{
    if (!ok || ms > BOUND_MS)
        ms = BOUND_MS;
    if (ms < 0)
        ms = 0;
    int miss = !ok || ms >= BOUND_MS;
    self->ns[self->trials++] = (uint32_t) (ms * 1e6);
    self->missed += miss;
    self->missed_in_a_row = miss ? self->missed_in_a_row + 1 : 0;
}

static int
s_series_done (const series_t *self, int trials)
{
    return self->trials >= trials || self->trials >= 256 || self->missed_in_a_row >= GIVE_UP;
}

// Report <key>_p50 (or `p50_key` when given), <key>_p99, <key>_trials, <key>_missed.
static void
s_series_report (series_t *self, const char *key, const char *p50_key)
{
    if (self->trials == 0)
        return;
    int n = self->trials;
    double p50 = bench_percentile_ns (self->ns, (size_t) n, 50) / 1e6;
    double p99 = bench_percentile_ns (self->ns, (size_t) n, 99) / 1e6;
    char name[128];
    if (p50_key)
        bench_metric (p50_key, p50);
    else
        bench_metricf (p50, "%s_p50", key);
    snprintf (name, sizeof name, "%s_p99", key);
    bench_metric (name, p99);
    bench_metricf (n, "%s_trials", self->name);
    bench_metricf (self->missed, "%s_missed", self->name);
    fprintf (stderr, "  %-34s p50 %8.2f ms  p99 %8.2f ms  (%d trials, %d missed the %d ms bound%s)\n",
             self->name, p50, p99, n, self->missed, BOUND_MS,
             self->missed_in_a_row >= GIVE_UP ? ", gave up" : "");
}

// --- a process blocked in a wait ---------------------------------------------------------------------------

// What a blocked process tells its killer: first how its wait ended, then how its next call went.
typedef struct {
    int status;     // the blocked call's rom_status_t
    uint64_t at_ns; // CLOCK_MONOTONIC when it returned
    char why[200];  // rom_client_errmsg () of its client after it
} wait_report_t;

typedef struct {
    int status;  // the next call's (a ping's) rom_status_t
    uint64_t ns; // how long it took
} next_report_t;

typedef struct {
    rom_queue_t *queue;
    rom_client_t *client;
    int ready_fd;
    int report_fd;
} getter_t;

// Open the session (a first call), say "about to block", wait for an item that never comes, report when the
// wait returned; then time one more call to the same (dead) server.
static void *
s_getter (void *arg)
{
    getter_t *self = arg;
    int64_t size = 0;
    char ok = rom_queue_qsize (self->queue, &size) == ROM_OK ? 'r' : 'F';
    s_write_all (self->ready_fd, &ok, 1);
    if (ok != 'r')
        return NULL;
    int64_t value = 0;
    wait_report_t report = {0};
    report.status = rom_queue_get_int (self->queue, ROM_FOREVER, &value);
    report.at_ns = bench_now_ns ();
    snprintf (report.why, sizeof report.why, "%s", rom_client_errmsg (self->client));
    s_write_all (self->report_fd, &report, sizeof report);
    next_report_t next = {0};
    uint64_t t0 = bench_now_ns ();
    next.status = rom_client_ping (self->client);
    next.ns = bench_now_ns () - t0;
    s_write_all (self->report_fd, &next, sizeof next);
    return NULL;
}

// --- detect: the manager's server dies under blocked waits -------------------------------------------------

// What a detect trial process sends back.
typedef struct {
    int setup_ok;
    int child_got, owner_got, next_got; // whether each report came within its bound
    wait_report_t child, owner;
    next_report_t next;
    uint64_t kill_ns;
    int server_pid;
} detect_result_t;

// One trial, in a process of its own (forked by the benchmark) so that a wait that never returns, in a
// thread of the owner, dies with that process instead of blocking the benchmark's later trials.
static void
s_detect_trial_process (const char *endpoint, int result_fd)
{
    s_phase = "detect (trial process)";
    alarm (SETUP_MS / 1000 + 3 * BOUND_MS / 1000); // this process's own bound (the handler ends it)
    detect_result_t result = {0};
    rom_manager_opts_t opts = {.endpoint = endpoint};
    // The next call after the kill would wait out the default 30 s deadline on a runtime that does not
    // notice the death: the bound keeps it to BOUND_MS (a runtime that does notice answers sooner anyway).
    opts.client.call_timeout_ms = BOUND_MS;
    rom_manager_t *manager = NULL;
    rom_queue_t *queue = NULL;
    const char *why = NULL;
    if (rom_manager_start (&opts, &manager, &why) != ROM_OK
        || rom_queue_new (rom_manager_client (manager), 0, &queue) != ROM_OK) {
        fprintf (stderr, "rom_failover: detect setup: %s\n",
                 manager ? rom_client_errmsg (rom_manager_client (manager)) : why);
        s_write_all (result_fd, &result, sizeof result);
        _exit (1);
    }
    result.server_pid = rom_manager_pid (manager);
    int ready[2], child_report[2], owner_report[2];
    if (pipe (ready) || pipe (child_report) || pipe (owner_report))
        _exit (1);
    // The client process first (before any thread of ours exists: fork copies only the calling thread);
    // its inherited handle opens a session of its own on its first call, as a Python proxy would.
    fflush (NULL);
    pid_t child = fork ();
    if (child == 0) {
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        getter_t getter = {queue, rom_manager_client (manager), ready[1], child_report[1]};
        s_getter (&getter);
        _exit (0);
    }
    // The owner blocks too, in a thread, through the manager's own client (which knows the server's pid).
    getter_t owner = {queue, rom_manager_client (manager), ready[1], owner_report[1]};
    pthread_t thread;
    if (child < 0 || pthread_create (&thread, NULL, s_getter, &owner) != 0)
        _exit (1);
    pthread_detach (thread);
    char byte[2] = {0, 0};
    if (bench_read_by (ready[0], byte, 2, bench_now_ns () + SETUP_MS * 1000000ull) != 0 || byte[0] != 'r'
        || byte[1] != 'r') {
        fprintf (stderr, "rom_failover: detect: a getter did not start (%s)\n",
                 rom_client_errmsg (rom_manager_client (manager)));
        s_write_all (result_fd, &result, sizeof result);
        kill (result.server_pid, SIGKILL);
        bench_kill_reap (child);
        _exit (1);
    }
    result.setup_ok = 1;
    bench_sleep_ms (SETTLE_MS);
    result.kill_ns = bench_now_ns ();
    // Not reaped until the measurement is over: the manager's client may be the one to reap it (that is how
    // it can say "killed by signal 9").
    kill (result.server_pid, SIGKILL);
    uint64_t deadline = result.kill_ns + BOUND_MS * 1000000ull;
    result.child_got = bench_read_by (child_report[0], &result.child, sizeof result.child, deadline) == 0;
    result.owner_got = bench_read_by (owner_report[0], &result.owner, sizeof result.owner, deadline) == 0;
    if (result.child_got)
        result.next_got = bench_read_by (child_report[0], &result.next, sizeof result.next,
                                         bench_now_ns () + (BOUND_MS + 500) * 1000000ull)
                          == 0;
    s_write_all (result_fd, &result, sizeof result);
    bench_kill_reap (child);
    // Reaped now that the measurement is over (unless the runtime reaped it first: then ECHILD at once), so
    // that no zombie is left to an init that may not collect it.
    while (waitpid (result.server_pid, NULL, 0) < 0 && errno == EINTR)
        ;
    // No cleanup: the owner's thread may still be blocked in its wait (the case this measures), and the
    // manager's state is of no use with its server dead. _exit () ends the thread with the process.
    _exit (0);
}

static void
s_detect (int trials)
{
    series_t child = {.name = "dead_server_detect_ms"}, owner = {.name = "dead_server_detect_owner_ms"},
             next = {.name = "dead_server_next_call_ms"};
    int printed = 0; // trials described on stderr: the first, then up to 3 that went wrong (not 30 alike)
    for (int t = 0; !s_series_done (&child, trials); t++) {
        s_watchdog ("detect");
        char endpoint[256];
        snprintf (endpoint, sizeof endpoint, "ipc://%s/detect-%d.sock", bench_tmpdir (), t);
        int fds[2];
        if (pipe (fds) != 0)
            return;
        fflush (NULL);
        pid_t pid = fork ();
        if (pid == 0) {
            prctl (PR_SET_PDEATHSIG, SIGKILL);
            close (fds[0]);
            s_detect_trial_process (endpoint, fds[1]);
        }
        close (fds[1]);
        detect_result_t r;
        uint64_t deadline = bench_now_ns () + (SETUP_MS + 3 * BOUND_MS) * 1000000ull;
        int got = pid > 0 && bench_read_by (fds[0], &r, sizeof r, deadline) == 0;
        close (fds[0]);
        s_reap_by (pid, bench_now_ns () + 1000000000ull);
        if (!got || !r.setup_ok) {
            fprintf (stderr, "rom_failover: detect trial %d did not set up; stopping\n", t + 1);
            break;
        }
        int child_ok = r.child_got && r.child.status == ROM_UNAVAILABLE;
        int owner_ok = r.owner_got && r.owner.status == ROM_UNAVAILABLE;
        double child_ms = s_ms (r.kill_ns, r.child.at_ns), owner_ms = s_ms (r.kill_ns, r.owner.at_ns);
        s_series_add (&child, child_ms, child_ok);
        s_series_add (&owner, owner_ms, owner_ok);
        s_series_add (&next, (double) r.next.ns / 1e6, r.next_got && r.next.status == ROM_UNAVAILABLE);
        // One example of what the caller is told, and every unexpected outcome.
        if (printed == 0 || ((!child_ok || !owner_ok) && printed < 4)) {
            printed++;
            fprintf (stderr, "  detect trial %d (server pid %d):\n", t + 1, r.server_pid);
            if (r.child_got)
                fprintf (stderr, "    client process: %s after %.1f ms: %s\n", rom_strerror (r.child.status),
                         child_ms, r.child.why);
            else
                fprintf (stderr, "    client process: still blocked after %d ms\n", BOUND_MS);
            if (r.owner_got)
                fprintf (stderr, "    owner thread:   %s after %.1f ms: %s\n", rom_strerror (r.owner.status),
                         owner_ms, r.owner.why);
            else
                fprintf (stderr, "    owner thread:   still blocked after %d ms\n", BOUND_MS);
            if (r.next_got)
                fprintf (stderr, "    next call (ping) from the client process: %s in %.1f ms\n",
                         rom_strerror (r.next.status), (double) r.next.ns / 1e6);
        }
    }
    s_series_report (&child, "dead_server_detect_ms", NULL);
    s_series_report (&owner, "dead_server_detect_owner_ms", NULL);
    s_series_report (&next, "dead_server_next_call_ms", NULL);
}

// --- release: a lock holder dies while another process waits for the lock ----------------------------------

static void
s_release (int trials)
{
    s_watchdog ("release: manager start");
    char endpoint[256];
    snprintf (endpoint, sizeof endpoint, "ipc://%s/release.sock", bench_tmpdir ());
    rom_manager_opts_t opts = {.endpoint = endpoint};
    opts.client.call_timeout_ms = BOUND_MS; // the owner's calls never wait out a 30 s deadline here
    rom_manager_t *manager = NULL;
    const char *why = NULL;
    if (rom_manager_start (&opts, &manager, &why) != ROM_OK) {
        fprintf (stderr, "rom_failover: release: cannot start a manager: %s\n", why);
        return;
    }
    rom_client_t *client = rom_manager_client (manager);
    series_t release = {.name = "dead_client_release_ms"};
    int printed = 0; // as in s_detect ()
    while (!s_series_done (&release, trials)) {
        s_watchdog ("release");
        rom_lock_t *lock = NULL;
        if (rom_lock_new (client, &lock) != ROM_OK) {
            fprintf (stderr, "rom_failover: release: Lock: %s\n", rom_client_errmsg (client));
            break;
        }
        int held[2], ready[2], report[2];
        if (pipe (held) || pipe (ready) || pipe (report))
            break;
        // A: takes the lock (its inherited handle opens a session of its own) and keeps it until killed.
        fflush (NULL);
        pid_t a = fork ();
        if (a == 0) {
            prctl (PR_SET_PDEATHSIG, SIGKILL);
            char byte = rom_lock_acquire (lock, BOUND_MS) == ROM_OK ? 'h' : 'F';
            s_write_all (held[1], &byte, 1);
            for (;;)
                pause ();
        }
        char byte = 0;
        int ok = a > 0 && bench_read_by (held[0], &byte, 1, bench_now_ns () + SETUP_MS * 1000000ull) == 0
                 && byte == 'h';
        // B: opens its session (a first call), then waits for the lock with no deadline.
        pid_t b = ok ? fork () : -1;
        if (b == 0) {
            prctl (PR_SET_PDEATHSIG, SIGKILL);
            bool locked = false;
            byte = rom_lock_locked (lock, &locked, NULL) == ROM_OK && locked ? 'r' : 'F';
            s_write_all (ready[1], &byte, 1);
            wait_report_t r = {0};
            r.status = rom_lock_acquire (lock, ROM_FOREVER);
            r.at_ns = bench_now_ns ();
            snprintf (r.why, sizeof r.why, "%s", rom_client_errmsg (client));
            s_write_all (report[1], &r, sizeof r);
            for (;;)
                pause ();
        }
        ok = ok && b > 0 && bench_read_by (ready[0], &byte, 1, bench_now_ns () + SETUP_MS * 1000000ull) == 0
             && byte == 'r';
        if (!ok) {
            fprintf (stderr, "rom_failover: release: the holder or the waiter did not start (%s)\n",
                     rom_client_errmsg (client));
            bench_kill_reap (a);
            bench_kill_reap (b);
            rom_lock_destroy (&lock);
            break;
        }
        bench_sleep_ms (SETTLE_MS);
        uint64_t kill_ns = bench_now_ns ();
        bench_kill_reap (a); // reaped at once, as a parent would; the server learns of it from the connection
        wait_report_t r;
        int got = bench_read_by (report[0], &r, sizeof r, kill_ns + BOUND_MS * 1000000ull) == 0;
        double ms = got ? s_ms (kill_ns, r.at_ns) : BOUND_MS;
        // An acquire that returned before the kill would mean the lock was never held by A: not a release.
        int good = got && r.status == ROM_OK && r.at_ns >= kill_ns;
        s_series_add (&release, ms, good);
        if (printed == 0 || (!good && printed < 4)) {
            printed++;
            if (got)
                fprintf (stderr, "  release trial %d: the waiter's acquire: %s %.1f ms after the kill%s%s\n",
                         release.trials, rom_strerror (r.status), ms, r.status == ROM_OK ? "" : ": ",
                         r.status == ROM_OK ? "" : r.why);
            else
                fprintf (stderr, "  release trial %d: the waiter still waits %d ms after the kill\n",
                         release.trials, BOUND_MS);
        }
        bench_kill_reap (b);
        for (int i = 0; i < 2; i++) {
            close (held[i]);
            close (ready[i]);
            close (report[i]);
        }
        rom_lock_destroy (&lock);
    }
    s_series_report (&release, "dead_client_release_ms", NULL);
    s_watchdog ("release: manager destroy");
    rom_manager_destroy (&manager);
}

// --- goodbye: a session's end against what the others hold -------------------------------------------------

// Mean microseconds of `cycles` client lives (connect, create an Event, goodbye) plus the owner's ping after
// each: the ping waits until the server has handled the goodbye before it.
static double
s_goodbye_cycle_us (rom_client_t *owner, const char *endpoint, int cycles)
{
    uint64_t start = bench_now_ns ();
    for (int i = 0; i < cycles; i++) {
        rom_client_t *client = NULL;
        rom_event_t *event = NULL;
        if (rom_client_connect (endpoint, NULL, &client, NULL) != ROM_OK
            || rom_event_new (client, &event) != ROM_OK)
            return -1;
        rom_event_destroy (&event);
        rom_client_destroy (&client);
        if (rom_client_ping (owner) != ROM_OK)
            return -1;
    }
    return (double) (bench_now_ns () - start) / 1e3 / cycles;
}

static void
s_goodbye (bool quick)
{
    s_watchdog ("goodbye: manager start");
    char endpoint[256];
    snprintf (endpoint, sizeof endpoint, "ipc://%s/goodbye.sock", bench_tmpdir ());
    rom_manager_opts_t opts = {.endpoint = endpoint};
    rom_manager_t *manager = NULL;
    if (rom_manager_start (&opts, &manager, NULL) != ROM_OK) {
        fprintf (stderr, "rom_failover: goodbye: cannot start a manager\n");
        return;
    }
    rom_client_t *owner = rom_manager_client (manager);
    int cycles = quick ? 200 : 1000;
    alarm (120);
    double none = s_goodbye_cycle_us (owner, endpoint, cycles);
    // 100 000 objects of the owner's: created pipelined, 256 in flight.
    enum { HELD = 100000, WINDOW = 256 };
    rom_proxy_t **held = calloc (HELD, sizeof *held);
    rom_future_t *window[WINDOW] = {NULL};
    int made = 0;
    for (int i = 0; i < HELD + WINDOW && held; i++) {
        int slot = i % WINDOW;
        if (window[slot]
            && rom_future_wait_proxy (&window[slot], &rom__builtins__event__rom_type, &held[made]) == ROM_OK)
            made++;
        if (i < HELD)
            rom_proxy_create_async (owner, &rom__builtins__event__rom_type, NULL, NULL, 0, &window[slot]);
    }
    double many = s_goodbye_cycle_us (owner, endpoint, cycles);
    fprintf (stderr, "  goodbye: a client's life + goodbye %.1f us with no other object, %.1f us beside %d\n",
             none, many, made);
    if (none > 0 && many > 0 && made == HELD) {
        bench_metric ("rom_goodbye_cycle_us", none);
        bench_metric ("rom_goodbye_cycle_100k_us", many);
        bench_metric ("goodbye_100k_vs_none", many / none);
    }
    for (int i = 0; i < made; i++)
        rom_proxy_destroy (&held[i]);
    free (held);

    // A process with 40 000 gets parked is killed: the owner's slowest ping while the server ends it.
    rom_queue_t *queue = NULL;
    int ready[2];
    if (rom_queue_new (owner, 0, &queue) != ROM_OK || pipe (ready) != 0) {
        rom_manager_destroy (&manager);
        return;
    }
    fflush (NULL);
    pid_t child = fork ();
    if (child == 0) {
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        enum { PARKED = 40000 };
        static rom_future_t *gets[PARKED];
        Rom__Builtins__GetRequest in = ROM__BUILTINS__GET_REQUEST__INIT;
        for (int i = 0; i < PARKED; i++)
            if (rom_proxy_call_async_timeout (rom_queue_proxy (queue), ROM__BUILTINS__QUEUE_METHOD__GET,
                                              &in.base, ROM_FOREVER, &gets[i])
                != ROM_OK)
                _exit (1);
        char byte = rom_client_ping (rom_manager_client (manager)) == ROM_OK ? 'p' : 'F';
        s_write_all (ready[1], &byte, 1);
        for (;;)
            pause ();
    }
    char byte = 0;
    if (child > 0 && bench_read_by (ready[0], &byte, 1, bench_now_ns () + SETUP_MS * 1000000ull) == 0
        && byte == 'p') {
        uint64_t kill_ns = bench_now_ns (), worst = 0;
        bench_kill_reap (child);
        while (bench_now_ns () - kill_ns < 500000000ull) { // half a second of pings
            uint64_t t0 = bench_now_ns ();
            if (rom_client_ping (owner) != ROM_OK)
                break;
            uint64_t took = bench_now_ns () - t0;
            worst = took > worst ? took : worst;
        }
        fprintf (stderr, "  goodbye: a process with 40000 parked gets killed: slowest ping after %.2f ms\n",
                 (double) worst / 1e6);
        bench_metric ("rom_killed_40k_parked_worst_ping_ms", (double) worst / 1e6);
    } else
        bench_kill_reap (child);
    close (ready[0]);
    close (ready[1]);
    rom_queue_destroy (&queue);
    alarm (0);
    rom_manager_destroy (&manager);
}

// --- restart: a standalone server killed and started again at the same endpoint ----------------------------

// The standalone server (`rom_failover serve ENDPOINT FD`): binds, says so on FD, serves until killed.
// A program of its own (exec'd, not just forked) so that it shares no memory, ZMQ context or descriptors
// with the benchmark's client, as a server restarted by a supervisor would.
static int
s_serve (const char *endpoint, int ready_fd)
{
    rom_server_t *server = rom_server_new (NULL);
    char ok = server && rom_server_bind (server, endpoint) == ROM_OK;
    if (!ok)
        fprintf (stderr, "rom_failover serve: %s\n", server ? rom_server_errmsg (server) : "no server");
    if (write (ready_fd, &ok, 1) != 1 || !ok)
        return 1;
    close (ready_fd);
    rom_status_t rc = rom_server_serve_forever (server);
    rom_server_destroy (&server);
    return rc == ROM_OK ? 0 : 1;
}

// Start the standalone server and wait until it is bound; its pid, or -1. *ready_ns: when it said so.
static pid_t
s_server_start (const char *endpoint, uint64_t *ready_ns)
{
    int fds[2];
    if (pipe (fds) != 0)
        return -1;
    fflush (NULL);
    pid_t pid = fork ();
    if (pid == 0) {
        prctl (PR_SET_PDEATHSIG, SIGKILL); // kept across exec: the server never outlives the benchmark
        close (fds[0]);
        char fd[16];
        snprintf (fd, sizeof fd, "%d", fds[1]);
        execl ("/proc/self/exe", "rom_failover", "serve", endpoint, fd, (char *) NULL);
        _exit (127);
    }
    close (fds[1]);
    char ok = 0;
    int got = pid > 0 && bench_read_by (fds[0], &ok, 1, bench_now_ns () + SETUP_MS * 1000000ull) == 0;
    *ready_ns = bench_now_ns ();
    close (fds[0]);
    if (!got || !ok) {
        fprintf (stderr, "rom_failover: the standalone server on %s did not come up\n", endpoint);
        bench_kill_reap (pid);
        return -1;
    }
    return pid;
}

static void
s_restart (int trials)
{
    s_watchdog ("restart: setup");
    char endpoint[256];
    snprintf (endpoint, sizeof endpoint, "ipc://%s/restart.sock", bench_tmpdir ());
    uint64_t ready_ns;
    pid_t server = s_server_start (endpoint, &ready_ns);
    if (server < 0)
        return;
    // The call deadline only bounds a ping that nothing answers (a runtime that waits out deadlines): the
    // reconnect is timed from the first ping that succeeds, not from the deadline.
    rom_client_opts_t copts = {.connect_timeout_ms = BOUND_MS, .call_timeout_ms = 500};
    rom_client_t *client = NULL;
    const char *why = NULL;
    if (rom_client_connect (endpoint, &copts, &client, &why) != ROM_OK) {
        fprintf (stderr, "rom_failover: restart: connect %s: %s\n", endpoint, why);
        bench_kill_reap (server);
        return;
    }
    // The baseline of this run: a sync round trip (ping) to a live server, p50 and p99 over 2000.
    enum { PINGS = 2000 };
    static uint32_t lat[PINGS];
    for (int i = 0; i < 200; i++)
        if (rom_client_ping (client) != ROM_OK)
            break; // a server that does not answer: the measured loop below says so and stops at once
    int n = 0;
    for (; n < PINGS; n++) {
        uint64_t t0 = bench_now_ns ();
        if (rom_client_ping (client) != ROM_OK)
            break;
        lat[n] = (uint32_t) (bench_now_ns () - t0);
    }
    if (n > 0) {
        double p50 = bench_percentile_ns (lat, (size_t) n, 50) / 1e3;
        double p99 = bench_percentile_ns (lat, (size_t) n, 99) / 1e3;
        bench_metric ("rom_failover_ping_p50_us", p50);
        bench_metric ("rom_failover_ping_p99_us", p99);
        fprintf (stderr, "  %-34s p50 %8.1f us  p99 %8.1f us  (sync round trip to a live server)\n",
                 "rom ping", p50, p99);
    }

    series_t reconnect = {.name = "restart_reconnect_ms"};
    int creates_ok = 0, odd_failures = 0, printed = 0; // printed: as in s_detect ()
    while (!s_series_done (&reconnect, trials)) {
        s_watchdog ("restart");
        bench_kill_reap (server);
        // A real restart takes at least this long; it also lets the client see the connection drop first.
        bench_sleep_ms (20);
        server = s_server_start (endpoint, &ready_ns);
        if (server < 0)
            break;
        uint64_t deadline = ready_ns + BOUND_MS * 1000000ull, ok_ns = 0;
        int pings = 0;
        rom_status_t rc = ROM_UNAVAILABLE;
        while (bench_now_ns () < deadline) {
            pings++;
            rc = rom_client_ping (client);
            if (rc == ROM_OK) {
                ok_ns = bench_now_ns ();
                break;
            }
            // The spec allows only ROM_UNAVAILABLE while the client reconnects.
            if (rc != ROM_UNAVAILABLE && odd_failures++ == 0)
                fprintf (stderr, "  restart trial %d: a ping failed with %s: %s\n", reconnect.trials + 1,
                         rom_strerror (rc), rom_client_errmsg (client));
            bench_sleep_ms (1); // failures may come at once: do not starve the new server of the CPU
        }
        double ms = ok_ns ? s_ms (ready_ns, ok_ns) : BOUND_MS;
        s_series_add (&reconnect, ms, ok_ns != 0);
        // The reconnect is only worth its name if the client can work again: a create under a new session.
        rom_lock_t *lock = NULL;
        rom_status_t created = ok_ns ? rom_lock_new (client, &lock) : ROM_UNAVAILABLE;
        creates_ok += created == ROM_OK;
        if (printed == 0 || ((!ok_ns || created != ROM_OK) && printed < 4)) {
            printed++;
            fprintf (stderr,
                     "  restart trial %d: %s %.1f ms after the new server was ready (%d pings); a create "
                     "then: %s%s%s\n",
                     reconnect.trials, ok_ns ? "ping ok" : "no ping succeeded", ms, pings,
                     rom_strerror (created), created == ROM_OK ? "" : ": ",
                     created == ROM_OK ? "" : rom_client_errmsg (client));
        }
        rom_lock_destroy (&lock);
    }
    s_series_report (&reconnect, "restart_reconnect_ms", "restart_reconnect_ms");
    if (reconnect.trials > 0) {
        bench_metric ("restart_create_ok", (double) creates_ok / reconnect.trials);
        bench_metric ("restart_odd_failures", odd_failures);
        fprintf (stderr, "  %-34s %d of %d trials; pings failing other than ROM_UNAVAILABLE: %d\n",
                 "create after the reconnect ok", creates_ok, reconnect.trials, odd_failures);
    }
    s_watchdog ("restart: teardown");
    rom_client_destroy (&client);
    bench_kill_reap (server);
}

int
main (int argc, char **argv)
{
    if (argc == 4 && strcmp (argv[1], "serve") == 0)
        return s_serve (argv[2], atoi (argv[3]));
    bench_opts_t opts;
    bench_opts_parse (&opts, &argc, argv);
    int trials = opts.quick ? 8 : 30;
    int kept = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv[i], "--trials") == 0 && i + 1 < argc)
            trials = atoi (argv[++i]);
        else if (strcmp (argv[i], "detect") == 0 || strcmp (argv[i], "release") == 0
                 || strcmp (argv[i], "restart") == 0 || strcmp (argv[i], "goodbye") == 0)
            argv[kept++] = argv[i];
        else {
            fprintf (
                stderr,
                "usage: %s [--quick] [--trials N] [detect|release|restart|goodbye ...]   (default: all)\n",
                argv[0]);
            return 2;
        }
    }
    argc = kept;
    if (trials < 1 || trials > 256)
        trials = 30;
    struct sigaction sa = {.sa_handler = s_on_alarm};
    sigaction (SIGALRM, &sa, NULL);
    signal (SIGPIPE, SIG_IGN); // a reader that died is seen as a failed write, not a dead benchmark
    fprintf (stderr, "rom_failover: rom %d.%d.%d, %d trials per scenario, bound %d ms, ipc in %s\n",
             ROM_VERSION_MAJOR, ROM_VERSION_MINOR, ROM_VERSION_PATCH, trials, BOUND_MS, bench_tmpdir ());
    // The detect trials fork first, from a process that has no rom state yet.
    if (bench_wanted (argc, argv, "detect"))
        s_detect (trials);
    if (bench_wanted (argc, argv, "release"))
        s_release (trials);
    if (bench_wanted (argc, argv, "restart"))
        s_restart (trials);
    if (bench_wanted (argc, argv, "goodbye"))
        s_goodbye (opts.quick);
    alarm (0);
    bench_tmpdir_remove ();
    return 0;
}
