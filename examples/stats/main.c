// stats: four processes count hits into one shared Stats (a counter, per-key counts, a log), a declared
// state (no servant written: see stats.proto); this process watches the hits field and prints its changes.
// The final state is exact.
// The same in Python's multiprocessing: stats_manager.py.
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stats.rom.h"

enum { WORKERS = 4, HITS = 1000 };

static rom_status_t
s_register (rom_server_t *server, void *arg)
{
    (void) arg;
    return stats__board__rom_register_state (server);
}

static int
s_worker (const char *endpoint, int n)
{
    rom_client_t *client = NULL;
    Stats__Board_Proxy *board = NULL;
    rom_status_t rc = rom_client_connect (endpoint, NULL, &client, NULL);
    if (rc == ROM_OK)
        rc = stats__board__rom_lookup (client, "stats", &board);
    char key[16];
    snprintf (key, sizeof key, "worker%d", n);
    for (int i = 0; rc == ROM_OK && i < HITS; i++) {
        rc = stats__board_proxy__hits_add (board, 1, NULL);
        if (rc == ROM_OK)
            rc = stats__board_proxy__per_key_incr (board, key, 1, NULL);
    }
    if (rc == ROM_OK)
        rc = stats__board_proxy__log_append (board, key);
    stats__board__rom_destroy (&board);
    rom_client_destroy (&client);
    return rc != ROM_OK;
}

int
main (void)
{
    rom_manager_opts_t opts = {.register_types = s_register};
    rom_manager_t *manager = NULL;
    Stats__Board_Proxy *board = NULL;
    rom_watch_t *watch = NULL;
    if (rom_manager_start (&opts, &manager, NULL) != ROM_OK
        || stats__board__rom_create_named (rom_manager_client (manager), "stats", NULL, 0, &board) != ROM_OK
        || rom_watch_new (stats__board__rom_base (board), STATS__BOARD_PATH__HITS, STATS__BOARD_DEPTH__HITS,
                          0, &watch)
               != ROM_OK)
        return 1;
    pid_t pids[WORKERS];
    for (int n = 0; n < WORKERS; n++)
        if ((pids[n] = fork ()) == 0)
            _exit (s_worker (rom_manager_endpoint (manager), n));
    rom_change_t change;
    int64_t hits = 0;
    while (hits < WORKERS * HITS && rom_watch_next (watch, 5000, &change) == ROM_OK) {
        hits = change.value.i;
        if (hits % 500 == 0 || change.missed)
            printf ("hits = %lld (version %llu, %llu missed)\n", (long long) hits,
                    (unsigned long long) change.version, (unsigned long long) change.missed);
        rom_change_clear (&change);
    }
    int failed = 0, status;
    for (int n = 0; n < WORKERS; n++)
        failed |= waitpid (pids[n], &status, 0) != pids[n] || !WIFEXITED (status)
                  || WEXITSTATUS (status) != 0;
    Stats__Stats *final = NULL;
    failed |= stats__board_proxy__rom_state_get (board, &final) != ROM_OK || final->hits != WORKERS * HITS;
    for (size_t i = 0; !failed && i < final->n_per_key; i++) {
        printf ("%s: %lld\n", final->per_key[i]->key, (long long) final->per_key[i]->value);
        failed |= final->per_key[i]->value != HITS;
    }
    failed |= final && final->n_log != WORKERS;
    printf ("log: %zu entries\n", final ? final->n_log : 0);
    printf ("hits: %lld (expected %d)\n", final ? (long long) final->hits : -1LL, WORKERS * HITS);
    stats__stats__free_unpacked (final, NULL);
    rom_watch_destroy (&watch);
    stats__board__rom_destroy (&board);
    rom_manager_destroy (&manager);
    return failed;
}
