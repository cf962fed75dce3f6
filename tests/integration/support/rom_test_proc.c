// rom_test_proc.c: processes for the process-model tests (see rom_test_proc.h).
#include "rom_test_proc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

int
rom_test_child_leak_check (void)
{
#if defined(__SANITIZE_ADDRESS__)
    return __lsan_do_recoverable_leak_check () ? 23 : 0;
#else
    return 0;
#endif
}

static rom_server_t *s_forked_server;

static void
s_stop_early (int signo)
{
    (void) signo;
    rom_server_stop (s_forked_server); // before serve_forever's own handler is in: run () returns at once
}

pid_t
rom_test_serve_fork (const char *endpoint, const rom_server_opts_t *opts, char *bound)
{
    int ready[2];
    assert_int_equal (pipe (ready), 0);
    fflush (NULL);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        close (ready[0]);
        // A test that fails half-way never stops its server: let it go with the test process.
        prctl (PR_SET_PDEATHSIG, SIGTERM);
        rom_server_t *server = rom_server_new (opts);
        bool ok = server && rom_test_register (server, NULL) == ROM_OK
                  && rom_server_bind (server, endpoint) == ROM_OK;
        if (!ok && server)
            fprintf (stderr, "test server: %s\n", rom_server_errmsg (server));
        // The test may signal as soon as it hears "ready": a stop must not find the default disposition.
        s_forked_server = server;
        signal (SIGTERM, s_stop_early);
        signal (SIGINT, s_stop_early);
        rom_test_send_line (ready[1], ok ? rom_server_endpoint (server) : "");
        close (ready[1]);
        if (!ok)
            _exit (1);
        rom_status_t status = rom_server_serve_forever (server);
        rom_server_destroy (&server);
        romi_context_term (); // what exit () would do: the final replies go out (_exit () skips it)
        _exit (status == ROM_OK ? rom_test_child_leak_check () : 1);
    }
    close (ready[1]);
    char line[ROM_PATH_MAX];
    assert_true (rom_test_recv_line (ready[0], line, sizeof line, 10000));
    close (ready[0]);
    assert_true (line[0] != '\0');
    if (bound)
        snprintf (bound, ROM_PATH_MAX, "%s", line);
    return pid;
}

bool
rom_test_wait_gone (pid_t pid, int timeout_ms, int *status)
{
    int fd = (int) syscall (SYS_pidfd_open, pid, 0);
    if (fd < 0)
        return errno == ESRCH; // gone and reaped already
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int n;
    do
        n = poll (&pfd, 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    close (fd);
    if (n <= 0)
        return false;
    int ws = 0;
    if (waitpid (pid, &ws, WNOHANG) == pid && status)
        *status = ws;
    return true;
}

bool
rom_test_exited_ok (int status)
{
    return WIFEXITED (status) && WEXITSTATUS (status) == 0;
}

void
rom_test_send_line (int fd, const char *text)
{
    size_t len = strlen (text);
    char *buf = malloc (len + 1);
    assert_non_null (buf);
    memcpy (buf, text, len);
    buf[len] = '\n';
    size_t done = 0;
    while (done < len + 1) {
        ssize_t n = write (fd, buf + done, len + 1 - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t) n;
    }
    free (buf);
}

bool
rom_test_recv_line (int fd, char *buf, size_t size, int timeout_ms)
{
    size_t used = 0;
    while (used + 1 < size) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int n = poll (&pfd, 1, timeout_ms);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        ssize_t got = read (fd, buf + used, 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        if (buf[used] == '\n') {
            buf[used] = '\0';
            return true;
        }
        used++;
    }
    buf[used] = '\0';
    return true;
}
