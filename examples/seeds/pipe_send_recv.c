// pipe_send_recv: seed 003, Pipe. pp = Pipe (); one process sends "PolarSnow" through pp[0], another
// receives it from pp[1] and prints it. Then, once the sender's end is gone, recv raises EOFError.
// kill is POSIX; the build is -std=c11 without extensions.
#define _POSIX_C_SOURCE 200809L

#include <rom/rom.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

// def func1 (arg, pp): pp.send (arg)
static int
s_func1 (const char *arg, rom_pipe_t *pp)
{
    return rom_pipe_send_str (pp, arg) != ROM_OK;
}

// def func2 (pp): recv = pp.recv (); print (recv)
static int
s_func2 (rom_pipe_t *pp)
{
    char *recv = NULL;
    if (rom_pipe_recv_str (pp, ROM_FOREVER, &recv) != ROM_OK)
        return 1;
    printf ("%s\n", recv);
    fflush (stdout);
    free (recv);
    return 0;
}

static int
s_join (pid_t pid)
{
    int status = 0;
    waitpid (pid, &status, 0);
    return !WIFEXITED (status) || WEXITSTATUS (status) != 0;
}

int
main (void)
{
    rom_manager_opts_t opts = {0};
    rom_manager_t *manager = NULL;
    const char *why = NULL;
    if (rom_manager_start (&opts, &manager, &why) != ROM_OK) {
        fprintf (stderr, "cannot start the manager: %s\n", why);
        return 1;
    }
    rom_client_t *client = rom_manager_client (manager);
    rom_pipe_t *pp[2]; // pp = multiprocessing.Pipe ()
    if (rom_pipe_new (client, true, &pp[0], &pp[1]) != ROM_OK) {
        fprintf (stderr, "%s\n", rom_client_errmsg (client));
        rom_manager_destroy (&manager);
        return 1;
    }
    fflush (stdout);
    pid_t p1 = fork ();
    if (p1 == 0)
        _exit (s_func1 ("PolarSnow", pp[0]));
    pid_t p2 = fork ();
    if (p2 == 0)
        _exit (s_func2 (pp[1]));
    int failed = s_join (p1);
    // A sender that failed may have sent nothing: the receiver would then wait for ever (as in Python).
    if (failed)
        kill (p2, SIGKILL);
    failed |= s_join (p2);
    // The last handle of pp[0] goes: pp[1].recv () now raises EOFError (ROM_CLOSED).
    rom_pipe_close (&pp[0]);
    int64_t v;
    rom_status_t status = rom_pipe_recv_int (pp[1], 1000, &v);
    printf ("recv after the other end closed: %s\n",
            status == ROM_CLOSED ? "EOFError" : rom_strerror (status));
    rom_pipe_destroy (&pp[1]);
    rom_manager_destroy (&manager);
    return failed;
}
