// manager.c: rom_manager_start (), Python's BaseManager.start () for rom: fork a process that serves the
// registered types, wait on a pipe until it has bound its endpoint (or says why it could not), connect.
//
// The server process watches its owner through a pidfd (pidfd_open, Linux 5.3), polled by the server loop:
// when the owner process ends in any way (exit, crash, SIGKILL) the server stops cleanly, removes its
// socket file and temp dir, and exits. PR_SET_PDEATHSIG was the first idea and is only the fallback where
// pidfds are missing: it fires when the *thread* that forked dies, so a manager started from a short-lived
// thread would die with that thread while its owner lives on. rom_manager_destroy () stops the server with
// SIGTERM, which it turns into the same clean stop (calls in flight finish, queued ones get UNAVAILABLE).
// The server ignores SIGINT, like Python's manager process: a Ctrl-C meant for the owner's terminal must
// not take the manager away from under the owner's cleanup.
#include "rom_private.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct _rom_manager_t {
    pid_t owner; // the process that started the server: only it stops the server
    pid_t pid;   // the server process
    char *endpoint;
    char *tmpdir; // the private dir of a default ipc endpoint, removed at destroy; NULL otherwise
    rom_client_t *client;
};

static _Thread_local char s_errmsg[ROM_ERRMSG_MAX];
static rom_server_t *s_served; // the server of this (server) process, for the signal handler

static void
s_set_error (const char **errmsg, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    romi_format (s_errmsg, sizeof s_errmsg, fmt, ap);
    va_end (ap);
    if (errmsg)
        *errmsg = s_errmsg;
}

static void
s_on_signal (int signo)
{
    (void) signo;
    if (s_served)
        rom_server_stop (s_served);
}

// Report to the owner through the ready pipe: one status byte, then the text of a failure.
static void
s_report (int fd, rom_status_t status, const char *text)
{
    char buf[ROM_ERRMSG_MAX + 1];
    buf[0] = (char) status;
    size_t n = 1;
    if (text) {
        size_t len = strnlen (text, ROM_ERRMSG_MAX);
        memcpy (buf + 1, text, len);
        n += len;
    }
    ssize_t rc;
    do
        rc = write (fd, buf, n);
    while (rc < 0 && errno == EINTR);
}

// The server process: never returns.
static void
s_serve (const rom_manager_opts_t *opts, const char *endpoint, const char *tmpdir, int ready_fd, pid_t owner)
{
    // Die with the owner, even on its SIGKILL. Checked after the watch is set: the owner may already be gone.
    int owner_fd = (int) syscall (SYS_pidfd_open, owner, 0);
    if (owner_fd < 0)
        prctl (PR_SET_PDEATHSIG, SIGTERM);
    if (getppid () != owner)
        _exit (0);

    rom_server_opts_t server_opts = opts->server;
    if (opts->authkey)
        server_opts.authkey = opts->authkey;
    rom_server_t *server = rom_server_new (&server_opts);
    if (!server) {
        s_report (ready_fd, ROM_INTERNAL, "cannot create the server (ZMQ failed to start)");
        _exit (1);
    }
    rom_status_t rc = ROM_OK;
    if (opts->register_types && (rc = opts->register_types (server, opts->arg)) != ROM_OK) {
        char text[ROM_ERRMSG_MAX];
        snprintf (text, sizeof text, "registering the types failed: %s", rom_strerror (rc));
        s_report (ready_fd, rc, text);
        rom_server_destroy (&server);
        _exit (1);
    }
    if ((rc = rom_server_bind (server, endpoint)) != ROM_OK) {
        s_report (ready_fd, rc, rom_server_errmsg (server));
        rom_server_destroy (&server);
        _exit (1);
    }
    s_served = server;
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset (&sa.sa_mask);
    sigaction (SIGTERM, &sa, NULL);
    signal (SIGINT, SIG_IGN);
    if (owner_fd >= 0)
        romi_server_stop_on_fd (server, owner_fd);
    // The endpoint as bound: a tcp port "*" becomes the one the system chose, for the owner to connect to.
    s_report (ready_fd, ROM_OK, rom_server_endpoint (server));
    close (ready_fd);

    rc = rom_server_run (server);
    s_served = NULL;
    rom_server_destroy (&server);
    if (tmpdir)
        rmdir (tmpdir);   // its socket file went with the server; the owner may not be there to do it
    romi_context_term (); // the last replies go out before the process ends
    _exit (rc == ROM_OK ? 0 : 1);
}

// Wait for the server's report; ROM_OK once it serves, with the endpoint it bound in *bound_p (caller frees;
// NULL when not reported or out of memory).
static rom_status_t
s_await_ready (int fd, pid_t pid, uint32_t timeout_ms, char **bound_p, const char **errmsg)
{
    *bound_p = NULL;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int n;
    do
        n = poll (&pfd, 1, (int) timeout_ms);
    while (n < 0 && errno == EINTR);
    if (n == 0) {
        s_set_error (errmsg, "the manager process %d did not start serving within %u ms", (int) pid,
                     timeout_ms);
        return ROM_TIMEOUT;
    }
    char buf[ROM_ERRMSG_MAX + 1];
    ssize_t got;
    do
        got = read (fd, buf, sizeof buf - 1);
    while (got < 0 && errno == EINTR);
    if (got <= 0) {
        s_set_error (errmsg, "the manager process %d ended before serving", (int) pid);
        return ROM_UNAVAILABLE;
    }
    buf[got] = '\0';
    rom_status_t status = (rom_status_t) (unsigned char) buf[0];
    if (status != ROM_OK)
        s_set_error (errmsg, "the manager process could not start: %s", buf + 1);
    else if (buf[1])
        *bound_p = strdup (buf + 1);
    return status;
}

// How the server process ended, for the text of calls that found it gone (client.c asks once per loss).
// Its socket closes while it exits, a moment before it can be waited for: look for up to 100 ms. WNOWAIT
// leaves it to be reaped by rom_manager_destroy (). Only its parent can ask.
static void
s_describe_end (void *arg, char *buf, size_t size)
{
    const rom_manager_t *self = arg;
    buf[0] = '\0';
    if (self->owner != getpid ())
        return;
    for (int i = 0; i < 20; i++) {
        siginfo_t info;
        memset (&info, 0, sizeof info);
        if (waitid (P_PID, (id_t) self->pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0)
            return;
        if (info.si_pid == self->pid) {
            if (info.si_code == CLD_EXITED)
                snprintf (buf, size, "server pid %d exited with status %d", (int) self->pid, info.si_status);
            else
                snprintf (buf, size, "server pid %d was killed by signal %d (%s)", (int) self->pid,
                          info.si_status, strsignal (info.si_status));
            return;
        }
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep (&ts, NULL);
    }
    snprintf (buf, size, "server pid %d still runs", (int) self->pid);
}

static void
s_reap (pid_t pid)
{
    // SIGTERM lets the server finish calls in flight and remove its socket file; SIGKILL bounds the wait.
    kill (pid, SIGTERM);
    for (int i = 0; i < 500; i++) {
        pid_t r = waitpid (pid, NULL, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            return;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep (&ts, NULL);
    }
    kill (pid, SIGKILL);
    while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

static void
s_free (rom_manager_t *self)
{
    if (self->tmpdir && self->owner == getpid ()) {
        char path[ROM_PATH_MAX];
        snprintf (path, sizeof path, "%s/manager.sock", self->tmpdir);
        unlink (path);
        rmdir (self->tmpdir);
    }
    free (self->tmpdir);
    free (self->endpoint);
    free (self);
}

rom_status_t
rom_manager_start (const rom_manager_opts_t *opts, rom_manager_t **manager_p, const char **errmsg)
{
    static const rom_manager_opts_t defaults;
    if (!manager_p) {
        s_set_error (errmsg, "rom_manager_start: manager_p is NULL");
        return ROM_INVALID;
    }
    *manager_p = NULL;
    if (!opts)
        opts = &defaults;
    // Another process must reach the server: an in-process endpoint cannot (it would fork, then wait out
    // the connect timeout for a server nobody can see).
    if (opts->endpoint && strncmp (opts->endpoint, "inproc://", 9) == 0) {
        s_set_error (
            errmsg,
            "rom_manager_start: %s is an in-process endpoint, which the manager's own process "
            "cannot share: use ipc://path or tcp://127.0.0.1:port (or NULL for a private ipc socket)",
            opts->endpoint);
        return ROM_INVALID;
    }

    rom_manager_t *self = calloc (1, sizeof *self);
    if (!self) {
        s_set_error (errmsg, "out of memory");
        return ROM_NOMEM;
    }
    self->owner = getpid ();
    if (opts->endpoint)
        self->endpoint = strdup (opts->endpoint);
    else {
        const char *base = getenv ("TMPDIR");
        char templ[ROM_PATH_MAX];
        snprintf (templ, sizeof templ, "%s/rom-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp (templ)) {
            s_set_error (errmsg, "cannot create a temp dir for the manager socket in %s: %s",
                         base && *base ? base : "/tmp", strerror (errno));
            s_free (self);
            return ROM_INTERNAL;
        }
        self->tmpdir = strdup (templ);
        char ep[ROM_PATH_MAX + 32];
        snprintf (ep, sizeof ep, "ipc://%s/manager.sock", templ);
        self->endpoint = strdup (ep);
    }
    if (!self->endpoint || (!opts->endpoint && !self->tmpdir)) {
        s_set_error (errmsg, "out of memory");
        s_free (self);
        return ROM_NOMEM;
    }

    int ready[2];
    if (pipe (ready) != 0) {
        s_set_error (errmsg, "pipe: %s", strerror (errno));
        s_free (self);
        return ROM_INTERNAL;
    }
    fflush (NULL); // buffered output must not be written twice, by owner and server
    pid_t pid = fork ();
    if (pid < 0) {
        s_set_error (errmsg, "fork: %s", strerror (errno));
        close (ready[0]);
        close (ready[1]);
        s_free (self);
        return ROM_INTERNAL;
    }
    if (pid == 0) {
        // The server process's copy of the manager stays reachable while it serves (s_serve never returns):
        // it is the owner's memory, not a leak of this process.
        static rom_manager_t *s_served;
        s_served = self;
        close (ready[0]);
        s_serve (opts, s_served->endpoint, s_served->tmpdir, ready[1], s_served->owner);
    }
    close (ready[1]);
    self->pid = pid;

    uint32_t wait_ms = opts->client.connect_timeout_ms ? opts->client.connect_timeout_ms : 5000;
    char *bound = NULL;
    rom_status_t rc = s_await_ready (ready[0], pid, wait_ms, &bound, errmsg);
    close (ready[0]);
    if (bound) { // "tcp://127.0.0.1:*" asked, "tcp://127.0.0.1:41234" bound: connect there, report that
        free (self->endpoint);
        self->endpoint = bound;
    }
    rom_client_opts_t client_opts = opts->client;
    if (opts->authkey)
        client_opts.authkey = opts->authkey;
    if (rc == ROM_OK)
        rc = rom_client_connect (self->endpoint, &client_opts, &self->client, errmsg);
    if (rc != ROM_OK) {
        s_reap (pid);
        s_free (self);
        return rc;
    }
    romi_client_on_gone (self->client, s_describe_end, self);
    *manager_p = self;
    return ROM_OK;
}

rom_client_t *
rom_manager_client (rom_manager_t *self)
{
    return self ? self->client : NULL;
}

const char *
rom_manager_endpoint (const rom_manager_t *self)
{
    return self ? self->endpoint : NULL;
}

int
rom_manager_pid (const rom_manager_t *self)
{
    return self ? (int) self->pid : -1;
}

void
rom_manager_destroy (rom_manager_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    rom_manager_t *self = *self_p;
    *self_p = NULL;
    rom_client_destroy (&self->client);
    if (self->owner == getpid ())
        s_reap (self->pid);
    s_free (self);
}
