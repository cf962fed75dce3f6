// rom_py_helper: the C side of the mixed C/Python tests (python/tests/test_mixed.py). It reaches the objects
// a Python process made by their tokens (endpoint#id#type), as any C process would; the authkey comes from
// ROM_AUTHKEY.
//
// usage: rom_py_helper dict-incr TOKEN KEY N     d[KEY] += 1, N times
//        rom_py_helper queue-put TOKEN N         q.put (i) for i in 0 .. N-1
//        rom_py_helper queue-get TOKEN N         N q.get (), prints their sum
//        rom_py_helper lock-hold TOKEN MS        with lock: prints "locked", sleeps MS ms, prints "released"
//        rom_py_helper lock-count LOCK DICT KEY N  N times: with lock: d[KEY] = d[KEY] + 1 (read, then write)
//        rom_py_helper value-add TOKEN N         v.value += 1, N times (atomically)
//        rom_py_helper event-wait TOKEN MS       waits for the event, prints "set" or "timeout"
//        rom_py_helper tally-add TOKEN N         t.Add (1), N times (test.Tally, a user type)
//        rom_py_helper state-ops TOKEN N         on a pyst.Board (a declared state), N times the sequence of
//                                                S_STATE_OPS below, one field op each (test_state.py expects
//                                                it)
#define _POSIX_C_SOURCE 200809L
#include <rom/rom.h>
#include "test.rom.h"
#include "pyst.rom.h"
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
s_fail (const char *what, rom_status_t status)
{
    fprintf (stderr, "rom_py_helper: %s: %s (%s)\n", what, rom_strerror (status), rom_client_errmsg (NULL));
    return 1;
}

// A client of the token's server (its endpoint: the token up to "#id#type"), with ROM_AUTHKEY's authkey.
static rom_client_t *
s_connect (const char *token)
{
    char endpoint[512];
    snprintf (endpoint, sizeof endpoint, "%s", token);
    for (int i = 0; i < 2; i++) {
        char *hash = strrchr (endpoint, '#');
        if (hash)
            *hash = '\0';
    }
    rom_client_opts_t opts = {.authkey = getenv ("ROM_AUTHKEY")};
    rom_client_t *client = NULL;
    const char *why = NULL;
    rom_status_t status = rom_client_connect (endpoint, &opts, &client, &why);
    if (status != ROM_OK) {
        fprintf (stderr, "rom_py_helper: connect %s: %s (%s)\n", endpoint, rom_strerror (status),
                 why ? why : "");
        exit (1);
    }
    return client;
}

int
main (int argc, char **argv)
{
    if (argc < 4) {
        fprintf (stderr, "usage: %s COMMAND TOKEN ARGS...\n", argv[0]);
        return 2;
    }
    const char *cmd = argv[1], *token = argv[2];
    rom_status_t status;
    rom_client_t *client = s_connect (token);
    if (strcmp (cmd, "dict-incr") == 0 && argc == 5) {
        rom_dict_t *d = NULL;
        if ((status = rom_dict_from_token (client, token, &d)) != ROM_OK)
            return s_fail ("dict_from_token", status);
        for (long i = 0, n = atol (argv[4]); i < n; i++)
            if ((status = rom_dict_incr_int (d, argv[3], 1, NULL)) != ROM_OK)
                return s_fail ("dict_incr_int", status);
        rom_dict_destroy (&d);
        rom_client_destroy (&client);
        return 0;
    }
    if (strcmp (cmd, "queue-put") == 0 || strcmp (cmd, "queue-get") == 0) {
        rom_queue_t *q = NULL;
        if ((status = rom_queue_from_token (client, token, &q)) != ROM_OK)
            return s_fail ("queue_from_token", status);
        long n = atol (argv[3]);
        int64_t sum = 0;
        for (long i = 0; i < n; i++) {
            int64_t v = 0;
            status = cmd[6] == 'p' ? rom_queue_put_int (q, i, ROM_FOREVER) : rom_queue_get_int (q, 10000, &v);
            if (status != ROM_OK)
                return s_fail (cmd, status);
            sum += v;
        }
        if (cmd[6] == 'g')
            printf ("%lld\n", (long long) sum);
        rom_queue_destroy (&q);
        rom_client_destroy (&client);
        return 0;
    }
    if (strcmp (cmd, "lock-hold") == 0) {
        rom_lock_t *lock = NULL;
        if ((status = rom_lock_from_token (client, token, &lock)) != ROM_OK)
            return s_fail ("lock_from_token", status);
        if ((status = rom_lock_acquire (lock, ROM_FOREVER)) != ROM_OK)
            return s_fail ("lock_acquire", status);
        printf ("locked\n");
        fflush (stdout);
        long ms = atol (argv[3]);
        nanosleep (&(struct timespec) {.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000}, NULL);
        printf ("released\n");
        fflush (stdout);
        if ((status = rom_lock_release (lock)) != ROM_OK)
            return s_fail ("lock_release", status);
        rom_lock_destroy (&lock);
        rom_client_destroy (&client);
        return 0;
    }
    if (strcmp (cmd, "lock-count") == 0 && argc == 6) {
        rom_lock_t *lock = NULL;
        rom_dict_t *d = NULL;
        if ((status = rom_lock_from_token (client, token, &lock)) != ROM_OK
            || (status = rom_dict_from_token (client, argv[3], &d)) != ROM_OK)
            return s_fail ("from_token", status);
        for (long i = 0, n = atol (argv[5]); i < n; i++) {
            int64_t v = 0;
            if ((status = rom_lock_acquire (lock, ROM_FOREVER)) != ROM_OK
                || (status = rom_dict_get_int (d, argv[4], &v)) != ROM_OK
                || (status = rom_dict_set_int (d, argv[4], v + 1)) != ROM_OK
                || (status = rom_lock_release (lock)) != ROM_OK)
                return s_fail ("lock-count", status);
        }
        rom_dict_destroy (&d);
        rom_lock_destroy (&lock);
        rom_client_destroy (&client);
        return 0;
    }
    if (strcmp (cmd, "value-add") == 0) {
        rom_value_t *v = NULL;
        if ((status = rom_value_from_token (client, token, &v)) != ROM_OK)
            return s_fail ("value_from_token", status);
        for (long i = 0, n = atol (argv[3]); i < n; i++)
            if ((status = rom_value_add_int (v, 1, NULL)) != ROM_OK)
                return s_fail ("value_add", status);
        rom_value_destroy (&v);
        rom_client_destroy (&client);
        return 0;
    }
    if (strcmp (cmd, "event-wait") == 0) {
        rom_event_t *e = NULL;
        if ((status = rom_event_from_token (client, token, &e)) != ROM_OK)
            return s_fail ("event_from_token", status);
        status = rom_event_wait (e, (uint32_t) atol (argv[3]));
        printf ("%s\n", status == ROM_OK ? "set" : status == ROM_TIMEOUT ? "timeout" : rom_strerror (status));
        rom_event_destroy (&e);
        rom_client_destroy (&client);
        return 0;
    }
    if (strcmp (cmd, "tally-add") == 0) {
        Test__Tally_Proxy *t = NULL;
        if ((status = test__tally__rom_from_token (client, token, &t)) != ROM_OK)
            return s_fail ("tally_from_token", status);
        Test__Number one = TEST__NUMBER__INIT;
        one.value = 1;
        for (long i = 0, n = atol (argv[3]); i < n; i++)
            if ((status = test__tally_proxy__add (t, &one, NULL)) != ROM_OK)
                return s_fail ("tally add", status);
        test__tally__rom_destroy (&t);
        rom_client_destroy (&client);
        return 0;
    }
    if (strcmp (cmd, "state-ops") == 0) {
        // One change of each kind a watcher prints: a number's ADD, a repeated APPEND, a map INCR and DEL, a
        // nested field's SET, an enum, bytes, and an rpc (a whole-state change). test_state.py lists them.
        Pyst__Board_Proxy *b = NULL;
        if ((status = pyst__board__rom_from_token (client, token, &b)) != ROM_OK)
            return s_fail ("board_from_token", status);
        Pyst__Amount two = PYST__AMOUNT__INIT;
        two.by = 2;
        for (long i = 0, n = atol (argv[3]); i < n; i++) {
            char item[32];
            snprintf (item, sizeof item, "item%ld", i);
            if ((status = pyst__board_proxy__hits_add (b, 5, NULL)) != ROM_OK
                || (status = pyst__board_proxy__log_append (b, item)) != ROM_OK
                || (status = pyst__board_proxy__per_key_incr (b, "k", 3, NULL)) != ROM_OK
                || (status = pyst__board_proxy__per_key_del (b, "k")) != ROM_OK
                || (status = pyst__board_proxy__inner_a_set (b, 1LL << 40)) != ROM_OK
                || (status = pyst__board_proxy__mode_set (b, PYST__MODE__MODE_ON)) != ROM_OK
                || (status = pyst__board_proxy__raw_set (b, (const uint8_t *) "\0\1", 2)) != ROM_OK
                || (status = pyst__board_proxy__bump (b, &two, NULL)) != ROM_OK)
                return s_fail ("state-ops", status);
        }
        pyst__board__rom_destroy (&b);
        rom_client_destroy (&client);
        return 0;
    }
    fprintf (stderr, "rom_py_helper: unknown command %s\n", cmd);
    return 2;
}
