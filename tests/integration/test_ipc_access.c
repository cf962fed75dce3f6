// test_ipc_access.c: who may reach a server's ipc socket. The file is 0600 from the moment anyone else could
// connect (bound inside a private directory, then renamed into place), whatever the server's umask; no
// detour directory is left behind; another local user is refused at once with a status and a text that say
// so, instead of waiting out the connect timeout for "no server".
#include "rom_test_fixture.h"

#include <dirent.h>
#include <grp.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define S_NOBODY 65534 // Debian's nobody/nogroup: another user without creating one

static const char *
s_path (const rom_test_fixture_t *fx)
{
    assert_int_equal (strncmp (fx->endpoint, "ipc://", 6), 0);
    return fx->endpoint + 6;
}

static void
test_socket_is_private_whatever_the_umask (void **state)
{
    (void) state;
    mode_t old = umask (0); // the forked server inherits it: without the detour its socket would be 0777
    rom_test_fixture_t *fx = rom_test_fixture_start ("ipc", "ipc-umask");
    umask (old);
    struct stat st;
    assert_int_equal (stat (s_path (fx), &st), 0);
    assert_true (S_ISSOCK (st.st_mode));
    assert_int_equal (st.st_mode & 0777, 0600);
    assert_int_equal (rom_client_ping (fx->client), ROM_OK);
    // The private directory the socket was bound in is gone.
    char copy[ROM_PATH_MAX];
    snprintf (copy, sizeof copy, "%s", s_path (fx));
    DIR *dir = opendir (dirname (copy));
    assert_non_null (dir);
    for (struct dirent *e; (e = readdir (dir));)
        if (strncmp (e->d_name, ".rom-", 5) == 0)
            fail_msg ("left behind: %s", e->d_name);
    closedir (dir);
    rom_test_fixture_stop (fx);
}

static void
test_another_user_is_refused_at_once (void **state)
{
    (void) state;
    if (geteuid () != 0)
        skip (); // becoming another user needs root
    rom_test_fixture_t *fx = rom_test_fixture_start ("ipc", "ipc-other-user");
    // Let the other user reach the socket's directory, so that the socket's own mode is what refuses.
    char copy[ROM_PATH_MAX];
    snprintf (copy, sizeof copy, "%s", s_path (fx));
    const char *dir = dirname (copy);
    struct stat dir_st;
    assert_int_equal (stat (dir, &dir_st), 0);
    assert_int_equal (chmod (dir, 0755), 0);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        if (setgroups (0, NULL) != 0 || setgid (S_NOBODY) != 0 || setuid (S_NOBODY) != 0)
            _exit (3);
        rom_client_opts_t opts = {.connect_timeout_ms = 5000};
        rom_client_t *client = NULL;
        const char *why = NULL;
        struct timespec t0, t1;
        clock_gettime (CLOCK_MONOTONIC, &t0);
        rom_status_t status = rom_client_connect (fx->endpoint, &opts, &client, &why);
        clock_gettime (CLOCK_MONOTONIC, &t1);
        long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        if (status != ROM_DENIED || !why || !strstr (why, "permission denied")) {
            fprintf (stderr, "connect as nobody: %s (%s)\n", rom_strerror (status), why ? why : "");
            _exit (1);
        }
        _exit (ms < 1000 ? 0 : 2);
    }
    int wstatus = 0;
    assert_int_equal (waitpid (pid, &wstatus, 0), pid);
    assert_int_equal (chmod (dir, dir_st.st_mode & 07777), 0);
    assert_true (WIFEXITED (wstatus));
    assert_int_equal (WEXITSTATUS (wstatus), 0); // 1: not refused as such; 2: not at once; 3: no setuid
    // The owner is still served.
    assert_int_equal (rom_client_ping (fx->client), ROM_OK);
    rom_test_fixture_stop (fx);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_socket_is_private_whatever_the_umask),
        cmocka_unit_test (test_another_user_is_refused_at_once),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
