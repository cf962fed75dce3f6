// test_killstorm.c: issue 18, point 2. A thousand client processes, in waves of 50, are SIGKILLed at random
// points of calls that create objects, take a Lock and a Semaphore, block in Queue.get and Condition.wait,
// and hold references to another session's object. Afterwards the server must answer and hold exactly what
// the living own: the named objects and the parent's, no lock held by a dead session, no unit granted to a
// dead waiter, no waiting call, one session, no queue item lost beyond the stated exception, and its memory
// within 10 % of a warm baseline.
//
// The queue-loss rule (the stated exception, measured here): rom never hands an item to a getter whose call
// it knows to be dead (rom_call_peer_gone (): the session ended, or the kernel closed the connection), but an
// item handed into the reply of a getter that dies before it reads that reply is gone with it: the server
// cannot know a reply was not read without an acknowledgement round trip on every get. So the test asserts
// lost = put - acknowledged - remaining, 0 <= lost <= getters killed, and no item seen twice.
//
// The semaphore rule: a Semaphore has no owner (Python's semantics; CPython's tests, ported in
// tests/python_parity, take a unit in a child that exits and release it in the parent), so a unit a killed
// child held stays taken: rom gives back a dead session's locks, never its semaphore units. What the storm
// checks: no dead waiter is granted a unit (no waiting call is left and, after each wave, the units missing
// are at most the semaphore children killed, each holding one at most); the parent counts them and releases
// them again so every wave finds SEM_UNITS free.
//
// Reproduce a run: ROM_STORM_SEED=<seed> (printed at the start); ROM_STORM_WAVES changes the number of waves.
#include "rom_test_fault.h"
#include "rom_test_fixture.h"
#include "rom/builtins/dict.rom.h"
#include "rom/builtins/list.rom.h"
#include "rom/builtins/queue.rom.h"
#include "rom/builtins/sync.rom.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PER_WAVE 50      // children alive at once: mostly blocked, so 50 fit 2 cores
#define KILL_MAX_MS 50   // each child is killed 0..50 ms after its wave started
#define NAMED_POOL 32    // children's named objects come from a pool, so the named set stays bounded
#define PUTS_PER_WAVE 12 // items the parent puts into the queue while a wave runs
#define HOLD_MAX 8       // unnamed objects a creator holds at once
#define SETTLE_MS 5000   // how long dead sessions may take to end after the last kill
#define SEM_UNITS 3      // the shared Semaphore's initial value
// Waves before the memory baseline. One wave is not a fair baseline: measured over 140 waves (7000 killed
// children), the server's RSS climbs for ~15 waves (50 connections at a time bring glibc's and libzmq's
// pools to a high-water mark; the server also remembers up to 4096 lost sessions) and is flat after
// (9.42-9.46 MiB from wave 60 to 140): a leak would keep climbing. Five waves were not enough either (one
// run of twelve: +12.6 %).
#define WARMUP_WAVES 20

// Whether this is an ASan build (gcc says so with __SANITIZE_ADDRESS__, clang with __has_feature).
#if defined(__SANITIZE_ADDRESS__)
#define S_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define S_ASAN 1
#endif
#endif
#ifndef S_ASAN
#define S_ASAN 0
#endif

typedef enum { ROLE_CREATE, ROLE_NAMED, ROLE_LOCK, ROLE_SEM, ROLE_GET, ROLE_COND, ROLE_REF, ROLES } role_t;
static const char *const s_role_names[ROLES] = {"create", "named", "lock", "sem", "get", "cond", "ref"};

// What a child tells the parent, one record per write (16 bytes < PIPE_BUF: writes from many children never
// interleave).
typedef enum { REP_NAMED = 1, REP_GOT } report_kind_t;
typedef struct {
    int32_t child;
    int32_t kind;
    int64_t value;
} report_t;

// What the parent shares with its children (inherited by fork) and its own objects.
static struct {
    char endpoint[ROM_PATH_MAX];
    char *ref_token; // the parent's unnamed Dict that children take references to
    int report_fd;   // the write end of the report pipe
} s_storm;

static uint64_t
s_rand (uint64_t *state)
{
    // xorshift64*: seeded per child, so a seed reproduces every child's plan
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 2685821657736338717ull;
}

static void
s_report (int child, report_kind_t kind, int64_t value)
{
    report_t r = {.child = child, .kind = (int32_t) kind, .value = value};
    if (write (s_storm.report_fd, &r, sizeof r) != sizeof r)
        _exit (5);
}

static rom_proxy_t *
s_lookup (rom_client_t *client, const rom_type_t *type, const char *name)
{
    rom_proxy_t *proxy = NULL;
    if (rom_proxy_lookup (client, type, name, &proxy) != ROM_OK)
        _exit (6);
    return proxy;
}

// Create one unnamed object of a rotating type, and every so often a batch of asynchronous creations.
static void
s_create_some (rom_client_t *client, uint64_t *rng, rom_proxy_t **held, size_t *n_held)
{
    rom_proxy_t *made = NULL;
    switch (s_rand (rng) % 4) {
    case 0: rom_dict_new (client, (rom_dict_t **) &made); break;
    case 1: rom_list_new (client, (rom_list_t **) &made); break;
    case 2: rom_value_new (client, 'q', ROM_INT (7), (rom_value_t **) &made); break;
    default: {
        rom_future_t *futures[4] = {NULL};
        for (int i = 0; i < 4; i++)
            rom_proxy_create_async (client, &rom__builtins__list__rom_type, NULL, NULL, 0, &futures[i]);
        for (int i = 0; i < 4; i++) {
            rom_proxy_t *p = NULL;
            if (futures[i]
                && rom_future_wait_proxy (&futures[i], &rom__builtins__list__rom_type, &p) == ROM_OK)
                rom_proxy_destroy (&p); // dropped at once: the object dies with its last reference
        }
    }
    }
    if (!made)
        return;
    if (*n_held == HOLD_MAX) { // drop the oldest: objects die while others are made
        rom_proxy_destroy (&held[0]);
        memmove (held, held + 1, (HOLD_MAX - 1) * sizeof *held);
        (*n_held)--;
    }
    held[(*n_held)++] = made;
}

// A child: its own client, the parent's named objects looked up, a prefix of creations and references, then
// its role in a loop until it is killed.
static void
s_child (int index, uint64_t seed)
{
    prctl (PR_SET_PDEATHSIG, SIGKILL);
    uint64_t rng = seed * 0x9E3779B97F4A7C15ull + (uint64_t) index + 1;
    role_t role = (role_t) (s_rand (&rng) % ROLES);
    rom_client_t *client = NULL;
    rom_client_opts_t opts = {.connect_timeout_ms = 10000, .call_timeout_ms = 10000};
    if (rom_client_connect (s_storm.endpoint, &opts, &client, NULL) != ROM_OK)
        _exit (4);
    rom_proxy_t *held[HOLD_MAX] = {NULL};
    size_t n_held = 0;
    int prefix = (int) (s_rand (&rng) % 3);
    for (int i = 0; i < prefix; i++)
        s_create_some (client, &rng, held, &n_held);
    rom_dict_t *ref = NULL;
    if (role == ROLE_REF || s_rand (&rng) % 3 == 0)
        rom_dict_from_token (client, s_storm.ref_token, &ref);

    switch (role) {
    case ROLE_CREATE:
        for (;;)
            s_create_some (client, &rng, held, &n_held);
    case ROLE_NAMED:
        for (;;) {
            unsigned k = (unsigned) (s_rand (&rng) % NAMED_POOL);
            char name[32];
            snprintf (name, sizeof name, "storm.n%u", k);
            rom_proxy_t *named = NULL;
            if (rom_proxy_create (client, &rom__builtins__dict__rom_type, name, NULL, ROM_CREATE_EXIST_OK,
                                  &named)
                == ROM_OK)
                s_report (index, REP_NAMED, k);
            rom_dict_incr_int ((rom_dict_t *) named, "children", 1, NULL);
            rom_proxy_destroy (&named);
            s_create_some (client, &rng, held, &n_held);
        }
    case ROLE_LOCK: {
        rom_lock_t *lock = (rom_lock_t *) s_lookup (client, &rom__builtins__lock__rom_type, "storm.lock");
        for (;;)
            if (rom_lock_acquire (lock, ROM_FOREVER) == ROM_OK) {
                usleep ((useconds_t) (s_rand (&rng) % 5000));
                rom_lock_release (lock);
            }
    }
    case ROLE_SEM: {
        rom_semaphore_t *sem = (rom_semaphore_t *) s_lookup (client, &rom__builtins__semaphore__rom_type,
                                                             "storm.sem");
        for (;;)
            if (rom_semaphore_acquire (sem, ROM_FOREVER) == ROM_OK) {
                usleep ((useconds_t) (s_rand (&rng) % 5000));
                rom_semaphore_release (sem);
            }
    }
    case ROLE_GET: {
        rom_queue_t *queue = (rom_queue_t *) s_lookup (client, &rom__builtins__queue__rom_type,
                                                       "storm.queue");
        for (;;) {
            int64_t v = 0;
            if (rom_queue_get_int (queue, ROM_FOREVER, &v) == ROM_OK)
                s_report (index, REP_GOT, v); // acknowledged: the parent counts it as got
        }
    }
    case ROLE_COND: {
        rom_condition_t *cond = (rom_condition_t *) s_lookup (client, &rom__builtins__condition__rom_type,
                                                              "storm.cond");
        for (;;)
            if (rom_condition_acquire (cond, ROM_FOREVER) == ROM_OK) {
                // Some wait without end (woken by the parent's notify_all), some time out and re-acquire.
                rom_condition_wait (cond, s_rand (&rng) % 2 ? ROM_FOREVER : 5);
                rom_condition_release (cond);
            }
    }
    case ROLE_REF: {
        rom_dict_t *results = (rom_dict_t *) s_lookup (client, &rom__builtins__dict__rom_type,
                                                       "storm.results");
        for (;;) {
            rom_dict_incr_int (results, "ref_hits", 1, NULL);
            rom_proxy_t *dup = NULL;
            if (ref && rom_proxy_dup (rom_dict_proxy (ref), &dup) == ROM_OK)
                held[n_held++] = dup; // more references of this session to it
            if (n_held == HOLD_MAX) {
                for (size_t i = 0; i < n_held; i++)
                    rom_proxy_destroy (&held[i]);
                n_held = 0;
            }
        }
    }
    default: break;
    }
    _exit (0);
}

// --- the parent -------------------------------------------------------------------------------------------

typedef struct {
    uint64_t seed;
    unsigned waves;
    uint64_t puts;         // items the parent put (each acknowledged)
    uint64_t killed;       // children SIGKILLed
    uint64_t exited;       // children that ended otherwise (must be 0)
    uint64_t getters;      // children in the get role (all killed: the bound on lost items)
    uint64_t roles[ROLES]; // children per role
    bool named_seen[NAMED_POOL];
    uint64_t *got; // acknowledged items, by value: how many times each was got (must be <= 1)
    uint64_t got_total;
    uint64_t sem_kept;      // semaphore units killed children held (given back by the parent)
    uint64_t checked_waves; // waves after which the per-wave invariants were checked
    int64_t max_settle_ms;  // the longest wait for a wave's sessions to end
} storm_t;

static int64_t
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
s_read_reports (storm_t *st, int fd)
{
    report_t r;
    ssize_t n;
    while ((n = read (fd, &r, sizeof r)) == (ssize_t) sizeof r) {
        if (r.kind == REP_NAMED && r.value >= 0 && r.value < NAMED_POOL)
            st->named_seen[r.value] = true;
        else if (r.kind == REP_GOT) {
            assert_true (r.value >= 0 && (uint64_t) r.value < st->puts);
            st->got[r.value]++;
            st->got_total++;
        }
    }
    assert_true (n < 0 && errno == EAGAIN); // never a torn record
}

// Wait until the dead sessions are gone: one session (ours) and no deferred call.
static rom_server_stats_t
s_settle (rom_client_t *client, int64_t *max_settle_ms)
{
    rom_server_stats_t stats;
    int64_t start = s_now_ms ();
    for (;;) {
        assert_int_equal (rom_client_stats (client, &stats), ROM_OK);
        if ((stats.sessions == 1 && stats.waiting == 0) || s_now_ms () > start + SETTLE_MS)
            break;
        usleep (2000);
    }
    if (max_settle_ms && s_now_ms () - start > *max_settle_ms)
        *max_settle_ms = s_now_ms () - start;
    if (stats.sessions != 1 || stats.waiting != 0) { // say what the sessions left behind hold
        print_message (
            "\nafter %d ms: %u sessions, %llu waiting calls; objects held by more than one session:\n",
            SETTLE_MS, stats.sessions, (unsigned long long) stats.waiting);
        rom_object_info_t *objects = NULL;
        size_t n = 0;
        if (rom_client_objects (client, NULL, &objects, &n) == ROM_OK)
            for (size_t i = 0; i < n; i++)
                if (objects[i].n_sessions != 1)
                    for (size_t j = 0; j < objects[i].n_sessions; j++)
                        print_message ("  %llu %s \"%s\" refs %u: session %llx\n",
                                       (unsigned long long) objects[i].id, objects[i].type, objects[i].name,
                                       objects[i].refs, (unsigned long long) objects[i].sessions[j]);
        rom_object_infos_free (&objects);
    }
    return stats;
}

// After each wave, once its sessions are gone: nothing waits, the Lock and the Condition are free, and the
// Semaphore misses at most one unit per killed semaphore child (given back here, see the rule above).
static void
s_after_wave (storm_t *st, rom_client_t *client, rom_proxy_t *const *own, uint64_t sem_children)
{
    rom_server_stats_t stats = s_settle (client, &st->max_settle_ms);
    assert_int_equal (stats.sessions, 1);
    assert_int_equal (stats.waiting, 0);
    assert_int_equal (rom_lock_acquire ((rom_lock_t *) own[0], ROM_NOWAIT), ROM_OK);
    assert_int_equal (rom_lock_release ((rom_lock_t *) own[0]), ROM_OK);
    assert_int_equal (rom_condition_acquire ((rom_condition_t *) own[2], ROM_NOWAIT), ROM_OK);
    assert_int_equal (rom_condition_release ((rom_condition_t *) own[2]), ROM_OK);
    int64_t value = -1;
    assert_int_equal (rom_semaphore_value ((rom_semaphore_t *) own[1], &value), ROM_OK);
    assert_true (value >= 0 && value <= SEM_UNITS);
    assert_true ((uint64_t) (SEM_UNITS - value) <= sem_children);
    st->sem_kept += (uint64_t) (SEM_UNITS - value);
    for (; value < SEM_UNITS; value++)
        assert_int_equal (rom_semaphore_release ((rom_semaphore_t *) own[1]), ROM_OK);
    st->checked_waves++;
}

// One wave: fork PER_WAVE children, put items and notify the condition while they run, kill each at its
// random moment, reap them all.
static void
s_wave (storm_t *st, rom_client_t *client, rom_proxy_t *const *own, int report_rd, unsigned wave)
{
    rom_queue_t *queue = (rom_queue_t *) own[3];
    rom_condition_t *cond = (rom_condition_t *) own[2];
    uint64_t sem_children = 0;
    pid_t pids[PER_WAVE];
    int64_t kill_at[PER_WAVE];
    uint64_t rng = st->seed ^ (0xA5A5A5A5ull * (wave + 1));
    int64_t start = s_now_ms ();
    fflush (NULL);
    for (int i = 0; i < PER_WAVE; i++) {
        int index = (int) (wave * PER_WAVE) + i;
        // The child's role, as it will draw it (same generator, same seed): for the parent's counts.
        uint64_t child_rng = st->seed * 0x9E3779B97F4A7C15ull + (uint64_t) index + 1;
        role_t role = (role_t) (s_rand (&child_rng) % ROLES);
        st->roles[role]++;
        st->getters += role == ROLE_GET;
        sem_children += role == ROLE_SEM;
        pids[i] = fork ();
        assert_true (pids[i] >= 0);
        if (pids[i] == 0)
            s_child (index, st->seed);
        kill_at[i] = start + (int64_t) (s_rand (&rng) % (KILL_MAX_MS + 1));
    }
    // Puts spread over the kill window, so items meet getters that are alive, dying and dead.
    int alive = PER_WAVE;
    unsigned puts = 0;
    bool notified = false;
    while (alive > 0 || puts < PUTS_PER_WAVE) {
        int64_t t = s_now_ms () - start;
        for (int i = 0; i < PER_WAVE; i++)
            if (pids[i] > 0 && s_now_ms () >= kill_at[i]) {
                kill (pids[i], SIGKILL);
                pids[i] = -pids[i];
                alive--;
            }
        if (puts < PUTS_PER_WAVE && t >= (int64_t) (puts * KILL_MAX_MS / PUTS_PER_WAVE)) {
            assert_int_equal (rom_queue_put_int (queue, (int64_t) st->puts, ROM_FOREVER), ROM_OK);
            st->puts++, puts++;
        }
        if (!notified && t >= KILL_MAX_MS / 2) {
            // Waiters woken now must re-take the lock: some die holding it or queued for it.
            if (rom_condition_acquire (cond, 5000) == ROM_OK) {
                assert_int_equal (rom_condition_notify_all (cond, NULL), ROM_OK);
                assert_int_equal (rom_condition_release (cond), ROM_OK);
            }
            notified = true;
        }
        usleep (500);
    }
    for (int i = 0; i < PER_WAVE; i++) {
        int ws = 0;
        assert_int_equal (waitpid (-pids[i], &ws, 0), -pids[i]);
        if (WIFSIGNALED (ws) && WTERMSIG (ws) == SIGKILL)
            st->killed++;
        else {
            st->exited++;
            print_message ("child %d ended with status 0x%x before its kill\n", -pids[i], ws);
        }
    }
    s_read_reports (st, report_rd);
    s_after_wave (st, client, own, sem_children);
}

static rom_proxy_t *
s_named (rom_client_t *client, const rom_type_t *type, const char *name, const ProtobufCMessage *args)
{
    rom_proxy_t *proxy = NULL;
    assert_int_equal (rom_proxy_create (client, type, name, args, 0, &proxy), ROM_OK);
    return proxy;
}

static void
test_killstorm (void **state)
{
    (void) state;
    rom_test_watchdog (280, "the kill storm");
    storm_t st = {0};
    const char *env = getenv ("ROM_STORM_SEED");
    st.seed = env && *env ? strtoull (env, NULL, 0) : (uint64_t) time (NULL) ^ ((uint64_t) getpid () << 20);
    env = getenv ("ROM_STORM_WAVES");
    st.waves = env && *env ? (unsigned) atoi (env) : 20;
    print_message ("kill storm: seed %llu (ROM_STORM_SEED=%llu reproduces it), %u waves of %d\n",
                   (unsigned long long) st.seed, (unsigned long long) st.seed, st.waves, PER_WAVE);
    st.got = calloc ((size_t) (st.waves + WARMUP_WAVES) * PUTS_PER_WAVE, sizeof *st.got);
    assert_non_null (st.got);

    rom_test_fixture_t *f = rom_test_fixture_serve ("ipc", "killstorm", NULL);
    snprintf (s_storm.endpoint, sizeof s_storm.endpoint, "%s", f->endpoint);
    rom_client_t *client = f->client;
    int pipe_fds[2];
    assert_int_equal (pipe2 (pipe_fds, O_NONBLOCK | O_CLOEXEC), 0);
    fcntl (pipe_fds[1], F_SETFL, 0); // children block rather than lose a report
    s_storm.report_fd = pipe_fds[1];

    // The parent's objects: five named, one unnamed that children hold references to.
    Rom__Builtins__SemaphoreInit sem_init = ROM__BUILTINS__SEMAPHORE_INIT__INIT;
    sem_init.value = SEM_UNITS;
    rom_proxy_t *own[6];
    own[0] = s_named (client, &rom__builtins__lock__rom_type, "storm.lock", NULL);
    own[1] = s_named (client, &rom__builtins__semaphore__rom_type, "storm.sem", &sem_init.base);
    own[2] = s_named (client, &rom__builtins__condition__rom_type, "storm.cond", NULL);
    own[3] = s_named (client, &rom__builtins__queue__rom_type, "storm.queue", NULL);
    own[4] = s_named (client, &rom__builtins__dict__rom_type, "storm.results", NULL);
    rom_dict_t *ref_target = NULL;
    assert_int_equal (rom_dict_new (client, &ref_target), ROM_OK);
    own[5] = rom_dict_proxy (ref_target);
    s_storm.ref_token = rom_proxy_to_token (own[5]);
    assert_non_null (s_storm.ref_token);
    rom_queue_t *queue = (rom_queue_t *) own[3];
    rom_condition_t *cond = (rom_condition_t *) own[2];

    // Warm-up: identical waves, so the allocator's pools and the named pool exist before the baseline. The
    // baseline is the highest RSS the warm-up reached, settled or between waves: the measured waves repeat
    // the same load, so what an allocator's high-water mark explains stays under it, and a leak over 20
    // waves does not (a settled figure alone, taken at a trough, failed once in 27 runs beside 4 fuzzers).
    uint64_t warm_peak = 0;
    for (unsigned w = 0; w < WARMUP_WAVES; w++) {
        s_wave (&st, client, own, pipe_fds[0], w);
        rom_server_stats_t now;
        assert_int_equal (rom_client_stats (client, &now), ROM_OK);
        warm_peak = now.rss_bytes > warm_peak ? now.rss_bytes : warm_peak;
    }
    rom_server_stats_t base = s_settle (client, NULL);
    assert_int_equal (base.sessions, 1);
    base.rss_bytes = base.rss_bytes > warm_peak ? base.rss_bytes : warm_peak;
    int64_t t0 = s_now_ms ();
    storm_t warm = st;
    // RSS after each wave, printed: a leak climbs wave after wave, an allocator's high-water mark levels off.
    print_message ("server RSS (KiB) after each wave:");
    for (unsigned w = WARMUP_WAVES; w < WARMUP_WAVES + st.waves; w++) {
        s_wave (&st, client, own, pipe_fds[0], w);
        rom_server_stats_t now;
        assert_int_equal (rom_client_stats (client, &now), ROM_OK);
        print_message (" %llu", (unsigned long long) (now.rss_bytes / 1024));
    }
    print_message ("\n");
    int64_t storm_ms = s_now_ms () - t0;
    int64_t settle_start = s_now_ms ();
    rom_server_stats_t after = s_settle (client, NULL);
    int64_t settle_ms = s_now_ms () - settle_start;

    // 1. The server answers, with one session and no waiting call.
    assert_int_equal (rom_client_ping (client), ROM_OK);
    print_message (
        "storm: %llu children in %u waves of %d (+%d warm-up waves) in %.1f s; killed %llu in all, "
        "ended early %llu; each wave's sessions ended within %lld ms (the last's %lld ms)\n",
        (unsigned long long) (st.killed - warm.killed), st.waves, PER_WAVE, WARMUP_WAVES, storm_ms / 1000.0,
        (unsigned long long) st.killed, (unsigned long long) st.exited, (long long) st.max_settle_ms,
        (long long) settle_ms);
    print_message ("roles:");
    for (int r = 0; r < ROLES; r++)
        print_message (" %s %llu", s_role_names[r], (unsigned long long) st.roles[r]);
    print_message ("\n");
    print_message ("sessions %u (want 1), waiting calls %llu (want 0), objects %llu\n", after.sessions,
                   (unsigned long long) after.waiting, (unsigned long long) after.objects);
    assert_int_equal (st.exited, 0);
    assert_int_equal (after.sessions, 1);
    assert_int_equal (after.waiting, 0);

    // 2. Exactly the named objects and the parent's: every unnamed object of a dead child is gone.
    rom_object_info_t *objects = NULL;
    size_t n = 0;
    assert_int_equal (rom_client_objects (client, NULL, &objects, &n), ROM_OK);
    size_t named_children = 0, own_found = 0, strays = 0;
    bool named_listed[NAMED_POOL] = {false};
    for (size_t i = 0; i < n; i++) {
        const rom_object_info_t *o = &objects[i];
        unsigned k;
        bool mine = false;
        for (int j = 0; j < 6; j++)
            mine |= o->id == rom_proxy_id (own[j]) && strcmp (o->type, rom_proxy_type (own[j])->name) == 0;
        if (mine)
            own_found++;
        else if (sscanf (o->name, "storm.n%u", &k) == 1 && k < NAMED_POOL
                 && strcmp (o->type, rom__builtins__dict__rom_type.name) == 0) {
            named_children++;
            named_listed[k] = true;
        } else {
            strays++;
            print_message ("stray object %llu %s \"%s\" refs %u sessions %zu\n", (unsigned long long) o->id,
                           o->type, o->name, o->refs, o->n_sessions);
        }
        if (o->id == rom_proxy_id (own[5])) { // the children's references to it are gone: ours is left
            assert_int_equal (o->n_sessions, 1);
            assert_int_equal (o->refs, 1);
        }
    }
    size_t named_reported = 0, named_missing = 0;
    for (int k = 0; k < NAMED_POOL; k++) {
        named_reported += st.named_seen[k];
        named_missing += st.named_seen[k] && !named_listed[k]; // a created named object must live on
    }
    rom_object_infos_free (&objects);
    print_message ("objects listed %zu: the parent's %zu/6, children's named %zu (%zu reported created, %zu "
                   "missing), strays %zu\n",
                   n, own_found, named_children, named_reported, named_missing, strays);
    assert_int_equal (own_found, 6);
    assert_int_equal (strays, 0);
    assert_int_equal (named_missing, 0);
    assert_int_equal (after.objects, n);

    // 3. No lock held by a dead session (checked after every wave too), the semaphore whole: its SEM_UNITS
    // units and no more (the parent gave back the units killed holders kept, wave by wave).
    assert_int_equal (rom_lock_acquire ((rom_lock_t *) own[0], ROM_NOWAIT), ROM_OK);
    assert_int_equal (rom_lock_release ((rom_lock_t *) own[0]), ROM_OK);
    assert_int_equal (rom_condition_acquire (cond, ROM_NOWAIT), ROM_OK);
    assert_int_equal (rom_condition_release (cond), ROM_OK);
    rom_semaphore_t *sem = (rom_semaphore_t *) own[1];
    for (int i = 0; i < SEM_UNITS; i++)
        assert_int_equal (rom_semaphore_acquire (sem, ROM_NOWAIT), ROM_OK);
    assert_int_equal (rom_semaphore_acquire (sem, ROM_NOWAIT), ROM_TIMEOUT);
    for (int i = 0; i < SEM_UNITS; i++)
        assert_int_equal (rom_semaphore_release (sem), ROM_OK);
    print_message ("after each of %llu waves: lock free, condition free, no waiting call; semaphore units "
                   "kept by killed holders: %llu in all (of %llu semaphore children; given back by the "
                   "parent), its %d units whole at the end\n",
                   (unsigned long long) st.checked_waves, (unsigned long long) st.sem_kept,
                   (unsigned long long) st.roles[ROLE_SEM], SEM_UNITS);

    // 4. Queue accounting: put = acknowledged + remaining + lost, lost bounded by the getters killed.
    uint64_t remaining = 0, twice = 0;
    int64_t v;
    while (rom_queue_get_int (queue, ROM_NOWAIT, &v) == ROM_OK) {
        assert_true (v >= 0 && (uint64_t) v < st.puts);
        st.got[v]++;
        remaining++;
    }
    for (uint64_t i = 0; i < st.puts; i++)
        twice += st.got[i] > 1;
    int64_t lost = (int64_t) st.puts - (int64_t) st.got_total - (int64_t) remaining;
    print_message ("queue: put %llu, acknowledged by getters %llu, left in the queue %llu, lost %lld (in "
                   "replies to getters killed before reading them; bound: %llu getters killed), seen twice "
                   "%llu\n",
                   (unsigned long long) st.puts, (unsigned long long) st.got_total,
                   (unsigned long long) remaining, (long long) lost, (unsigned long long) st.getters,
                   (unsigned long long) twice);
    assert_int_equal (twice, 0);
    assert_true (lost >= 0);
    assert_true ((uint64_t) lost <= st.getters);

    // 5. Memory: within 10 % of the warm baseline.
    rom_server_stats_t end;
    assert_int_equal (rom_client_stats (client, &end), ROM_OK);
    double growth = base.rss_bytes ? ((double) end.rss_bytes / (double) base.rss_bytes - 1.0) * 100.0 : 0.0;
    print_message ("server RSS: warm baseline %.1f MiB, after the storm %.1f MiB (%+.1f %%, limit +10 %%); "
                   "calls served %llu\n",
                   base.rss_bytes / 1048576.0, end.rss_bytes / 1048576.0, growth,
                   (unsigned long long) end.calls);
    assert_true (base.rss_bytes > 0);
#if S_ASAN
    // ASan keeps freed memory in its quarantine (up to 256 MiB) by design, so RSS climbs with every wave;
    // there, LeakSanitizer at the server's exit is the check that nothing leaked.
    print_message ("(ASan build: RSS growth not judged)\n");
#else
    assert_true (growth <= 10.0);
#endif

    free (s_storm.ref_token);
    free (st.got);
    for (int j = 0; j < 5; j++)
        rom_proxy_destroy (&own[j]);
    rom_dict_destroy (&ref_target);
    close (pipe_fds[0]);
    close (pipe_fds[1]);
    rom_test_fixture_stop (f);
    rom_test_watchdog (0, NULL);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test (test_killstorm)};
    return cmocka_run_group_tests (tests, NULL, NULL);
}
