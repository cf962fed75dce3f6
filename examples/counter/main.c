// counter: rom's flagship example. A manager process hosts one Counter; N forked processes each increment
// it M times through proxies; the parent prints the final value, exactly N x M. Beside it, a plain global
// incremented the same way stays 0 in the parent: forked processes do not share memory.
//
// usage: counter [processes] [increments]      (default 4 x 1000)
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "counter_servant.h"

static long s_plain_global = 0; // what the seeds try first: each process changes its own copy

// One worker process: connect to the manager, find the shared counter by name, increment it.
static int
s_work (const char *endpoint, long increments)
{
    for (long i = 0; i < increments; i++)
        s_plain_global++;

    rom_client_t *client = NULL;
    const char *why = NULL;
    if (rom_client_connect (endpoint, NULL, &client, &why) != ROM_OK) {
        fprintf (stderr, "worker %d: connect %s: %s\n", (int) getpid (), endpoint, why);
        return 1;
    }
    Demo__Counter_Proxy *counter = NULL;
    rom_status_t rc = demo__counter__rom_lookup (client, "hits", &counter);
    Demo__Delta one = DEMO__DELTA__INIT;
    one.by = 1;
    for (long i = 0; rc == ROM_OK && i < increments; i++)
        rc = demo__counter_proxy__increment (counter, &one, NULL);
    if (rc != ROM_OK)
        fprintf (stderr, "worker %d: %s\n", (int) getpid (), rom_client_errmsg (client));
    demo__counter__rom_destroy (&counter);
    rom_client_destroy (&client);
    return rc == ROM_OK ? 0 : 1;
}

int
main (int argc, char **argv)
{
    long processes = argc > 1 ? atol (argv[1]) : 4;
    long increments = argc > 2 ? atol (argv[2]) : 1000;
    if (processes < 1 || increments < 0) {
        fprintf (stderr, "usage: %s [processes >= 1] [increments >= 0]\n", argv[0]);
        return 2;
    }

    rom_manager_opts_t opts = {.register_types = counter_servant_register};
    rom_manager_t *manager = NULL;
    const char *why = NULL;
    if (rom_manager_start (&opts, &manager, &why) != ROM_OK) {
        fprintf (stderr, "cannot start the manager: %s\n", why);
        return 1;
    }
    rom_client_t *client = rom_manager_client (manager);
    Demo__Counter_Proxy *counter = NULL;
    Demo__CounterInit init = DEMO__COUNTER_INIT__INIT;
    if (demo__counter__rom_create_named (client, "hits", &init, 0, &counter) != ROM_OK) {
        fprintf (stderr, "cannot create the counter: %s\n", rom_client_errmsg (client));
        rom_manager_destroy (&manager);
        return 1;
    }
    printf ("manager serving at %s\n", rom_manager_endpoint (manager));

    int failed = 0;
    long started = 0;
    pid_t *pids = calloc ((size_t) processes, sizeof *pids);
    for (long p = 0; pids && p < processes; p++, started++) {
        fflush (stdout);
        pids[p] = fork ();
        if (pids[p] == 0) {
            int rc = s_work (rom_manager_endpoint (manager), increments);
            free (pids); // the child's copy: valgrind checks each process for leaks
            _exit (rc);
        }
        if (pids[p] < 0) {
            perror ("fork");
            failed = 1;
            break;
        }
    }
    failed |= !pids;
    // Wait for the workers only: the manager's server process is a child of this process too.
    for (long p = 0; p < started; p++) {
        int status;
        if (waitpid (pids[p], &status, 0) != pids[p] || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
            failed = 1;
    }
    free (pids);

    Demo__Count *total = NULL;
    rom_status_t rc = demo__counter_proxy__get (counter, NULL, &total);
    long expected = processes * increments;
    printf ("plain global after %ld processes x %ld increments: %ld (each process changed its own copy)\n",
            processes, increments, s_plain_global);
    if (rc == ROM_OK) {
        printf ("shared Counter after %ld processes x %ld increments: %lld (expected %ld)\n", processes,
                increments, (long long) total->value, expected);
        failed |= total->value != expected;
        demo__count__free_unpacked (total, NULL);
    } else {
        fprintf (stderr, "get: %s\n", rom_client_errmsg (client));
        failed = 1;
    }
    demo__counter__rom_destroy (&counter);
    rom_manager_destroy (&manager);
    return failed;
}
