// rom_test.c: the integration tests' shared helpers (see rom_test.h) and test.Tally's servant.
#include "rom_test.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

int rom_test_tally_destroyed;

// Waiting calls are kept in a small array: tests never park many on one object.
#define TALLY_MAX_WAITERS 256
typedef struct {
    int64_t total;
    rom_call_t *waiting[TALLY_MAX_WAITERS];
    int64_t until[TALLY_MAX_WAITERS];
    int n_waiting;
} tally_state_t;

static rom_status_t
s_create (void *ctx, const Test__TallyInit *args, void **self_p, rom_call_t *call)
{
    (void) ctx;
    if (args->start == 666)
        return rom_call_fail (call, ROM_APP_ERROR, "refusing to start at 666");
    tally_state_t *self = calloc (1, sizeof *self);
    if (!self)
        return rom_call_fail (call, ROM_NOMEM, "no memory");
    self->total = args->start;
    *self_p = self;
    return ROM_OK;
}

static void
s_destroy (void *self)
{
    free (self);
    rom_test_tally_destroyed++;
}

static void
s_wake (tally_state_t *self)
{
    for (int i = 0; i < self->n_waiting;) {
        if (self->total >= self->until[i]) {
            rom_call_t *call = self->waiting[i];
            ((Test__Number *) rom_call_output (call))->value = self->total;
            self->waiting[i] = self->waiting[self->n_waiting - 1];
            self->until[i] = self->until[self->n_waiting - 1];
            self->n_waiting--;
            rom_call_complete (call, ROM_OK);
        } else
            i++;
    }
}

static rom_status_t
s_add (void *self, const Test__Number *in, Test__Number *out, rom_call_t *call)
{
    (void) call;
    tally_state_t *tally = self;
    tally->total += in->value;
    out->value = tally->total;
    s_wake (tally);
    return ROM_OK;
}

static rom_status_t
s_get (void *self, const Google__Protobuf__Empty *in, Test__Number *out, rom_call_t *call)
{
    (void) in;
    (void) call;
    out->value = ((tally_state_t *) self)->total;
    return ROM_OK;
}

static rom_status_t
s_fail (void *self, const Test__Number *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) self;
    (void) out;
    return rom_call_fail (call, (rom_status_t) in->value, "asked to fail with %lld", (long long) in->value);
}

static void
s_on_cancel (void *self, rom_call_t *call)
{
    tally_state_t *tally = self;
    for (int i = 0; i < tally->n_waiting; i++)
        if (tally->waiting[i] == call) {
            tally->waiting[i] = tally->waiting[tally->n_waiting - 1];
            tally->until[i] = tally->until[tally->n_waiting - 1];
            tally->n_waiting--;
            return;
        }
}

static rom_status_t
s_wait (void *self, const Test__Number *in, Test__Number *out, rom_call_t *call)
{
    tally_state_t *tally = self;
    if (tally->total >= in->value) {
        out->value = tally->total;
        return ROM_OK;
    }
    if (tally->n_waiting == TALLY_MAX_WAITERS)
        return rom_call_fail (call, ROM_FULL, "too many waiters");
    tally->waiting[tally->n_waiting] = call;
    tally->until[tally->n_waiting++] = in->value;
    rom_call_on_cancel (call, s_on_cancel);
    return ROM_DEFERRED;
}

static rom_status_t
s_sleep (void *self, const Test__Number *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) self;
    (void) out;
    (void) call;
    uint64_t ms = (uint64_t) in->value;
    struct timespec ts = {.tv_sec = (time_t) (ms / 1000), .tv_nsec = (long) (ms % 1000) * 1000000L};
    // A signal (a stopping server's SIGTERM) must not cut the call short: it is the call in flight.
    while (nanosleep (&ts, &ts) != 0 && errno == EINTR)
        ;
    return ROM_OK;
}

static rom_status_t
s_echo (void *self, const Test__Blob *in, Test__Blob *out, rom_call_t *call)
{
    (void) self;
    (void) call;
    out->label = in->label; // borrowed from the input: valid until the reply is packed
    out->data = in->data;
    return ROM_OK;
}

static rom_status_t
s_destroyed (void *self, const Google__Protobuf__Empty *in, Test__Number *out, rom_call_t *call)
{
    (void) self;
    (void) in;
    (void) call;
    out->value = rom_test_tally_destroyed;
    return ROM_OK;
}

static rom_status_t
s_waiters (void *self, const Google__Protobuf__Empty *in, Test__Number *out, rom_call_t *call)
{
    (void) in;
    (void) call;
    out->value = ((tally_state_t *) self)->n_waiting;
    return ROM_OK;
}

static rom_status_t
s_nest (void *self, const Google__Protobuf__Value *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) self;
    (void) in;
    (void) out;
    (void) call;
    return ROM_OK;
}

static const Test__Tally_Servant s_tally_servant = {
    .rom_create = s_create,
    .rom_destroy = s_destroy,
    .add = s_add,
    .get = s_get,
    .fail = s_fail,
    .wait = s_wait,
    .sleep = s_sleep,
    .echo = s_echo,
    .destroyed = s_destroyed,
    .waiters = s_waiters,
    .nest = s_nest,
};

rom_status_t
rom_test_register (rom_server_t *server, void *arg)
{
    (void) arg;
    return test__tally__rom_register (server, &s_tally_servant, NULL);
}

const char *
rom_test_endpoint (const char *transport, const char *name)
{
    static char slots[4][ROM_PATH_MAX];
    static int next;
    char *buf = slots[next++ % 4];
    if (transport && strcmp (transport, "tcp") == 0) {
        // Ask the kernel for a free port, then let it go: the server binds it right after.
        int fd = socket (AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK)};
        socklen_t len = sizeof addr;
        assert_int_equal (bind (fd, (struct sockaddr *) &addr, sizeof addr), 0);
        assert_int_equal (getsockname (fd, (struct sockaddr *) &addr, &len), 0);
        close (fd);
        snprintf (buf, ROM_PATH_MAX, "tcp://127.0.0.1:%d", ntohs (addr.sin_port));
    } else {
        const char *dir = getenv ("ROM_TEST_TMPDIR");
        snprintf (buf, ROM_PATH_MAX, "ipc://%s/%s-%d.sock", dir ? dir : "/tmp", name, (int) getpid ());
    }
    return buf;
}

static rom_server_t *s_child_server;

// The server child ends with _exit () (the parent's cmocka state must not run its atexit handlers twice),
// which skips LeakSanitizer's check: run it here, so whatever a bad peer made the server leak fails the test.
// Returns the child's exit status: 0, or 23 (LSan's own code) when something leaked.
static int
s_leak_check (void)
{
#if defined(__SANITIZE_ADDRESS__)
    return __lsan_do_recoverable_leak_check () ? 23 : 0;
#else
    return 0;
#endif
}

static void
s_on_term (int signo)
{
    (void) signo;
    rom_server_stop (s_child_server);
}

pid_t
rom_test_server_fork (const char *endpoint, size_t max_message)
{
    int ready[2];
    assert_int_equal (pipe (ready), 0);
    fflush (NULL);
    pid_t parent = getpid ();
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        // A test that crashes (a sanitizer's abort) takes its server with it, instead of leaving it to hold
        // ctest's pipe until the test's timeout.
        prctl (PR_SET_PDEATHSIG, SIGTERM);
        if (getppid () != parent)
            _exit (1);
        close (ready[0]);
        rom_server_opts_t opts = {.max_message = max_message};
        rom_server_t *server = rom_server_new (&opts);
        char ok = server && rom_test_register (server, NULL) == ROM_OK
                  && rom_server_bind (server, endpoint) == ROM_OK;
        if (!ok && server)
            fprintf (stderr, "test server: %s\n", rom_server_errmsg (server));
        s_child_server = server;
        signal (SIGTERM, s_on_term);
        if (write (ready[1], &ok, 1) != 1 || !ok)
            _exit (1);
        close (ready[1]);
        rom_status_t status = rom_server_run (server);
        rom_server_destroy (&server);
        _exit (status == ROM_OK ? s_leak_check () : 1);
    }
    close (ready[1]);
    // Wait with a deadline: a child of a threaded process can deadlock on a lock some other thread held at
    // fork () (an allocator's, under a sanitizer); then the test fails saying so instead of hanging.
    struct pollfd item = {.fd = ready[0], .events = POLLIN};
    char ok = 0;
    int rc;
    while ((rc = poll (&item, 1, 10000)) < 0 && errno == EINTR)
        ;
    if (rc != 1 || read (ready[0], &ok, 1) != 1) {
        close (ready[0]);
        rom_test_kill_reap (pid);
        fail_msg ("test server %d on %s: not serving within 10 s of fork ()", (int) pid, endpoint);
    }
    close (ready[0]);
    assert_true (ok);
    return pid;
}

int
rom_test_server_stop (pid_t pid)
{
    // kill () with 0 or -1 would signal the whole process group (ctest's other tests) or every process.
    assert_true (pid > 0);
    kill (pid, SIGTERM);
    int status = 0;
    while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

int
rom_test_join (pid_t pid)
{
    int status = 0;
    assert_int_equal (waitpid (pid, &status, 0), pid);
    return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

void
rom_test_kill_reap (pid_t pid)
{
    assert_true (pid > 0);
    kill (pid, SIGKILL);
    while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

rom_client_t *
rom_test_connect (const char *endpoint)
{
    rom_client_opts_t opts = {.connect_timeout_ms = 2000, .call_timeout_ms = 5000};
    rom_client_t *client = NULL;
    const char *why = NULL;
    rom_status_t status = rom_client_connect (endpoint, &opts, &client, &why);
    if (status != ROM_OK)
        fail_msg ("connect %s: %s: %s", endpoint, rom_strerror (status), why);
    return client;
}

int64_t
rom_test_tally_add (rom_proxy_t *tally, int64_t n)
{
    Test__Number in = TEST__NUMBER__INIT;
    in.value = n;
    Test__Number *out = NULL;
    rom_status_t status = rom_proxy_call (tally, TEST__TALLY_METHOD__ADD, &in.base,
                                          (ProtobufCMessage **) &out);
    if (status != ROM_OK)
        fail_msg ("Add: %s: %s", rom_strerror (status), rom_client_errmsg (rom_proxy_client (tally)));
    int64_t total = out->value;
    test__number__free_unpacked (out, NULL);
    return total;
}

int64_t
rom_test_tally_query (rom_proxy_t *tally, Test__Tally_Method method)
{
    Test__Number *out = NULL;
    rom_status_t status = rom_proxy_call (tally, method, NULL, (ProtobufCMessage **) &out);
    if (status != ROM_OK)
        fail_msg ("%s: %s: %s", test__tally__rom_type.methods[method].name, rom_strerror (status),
                  rom_client_errmsg (rom_proxy_client (tally)));
    int64_t value = out->value;
    test__number__free_unpacked (out, NULL);
    return value;
}
