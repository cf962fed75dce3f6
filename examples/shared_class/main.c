// shared_class: the seeds' BaseManager.register ('Test', Test) example in C. A manager hosts one Test
// object; two processes append their names to its list and print it; the parent prints the final list,
// which holds both appends: the object lives in the manager, not in either process.
// strdup is POSIX.1-2008; the build is -std=c11 without extensions.
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_class.rom.h"

// --- the class, as the manager hosts it ---

typedef struct {
    size_t n;
    char **items;
} test_t;

static rom_status_t
s_create (void *ctx, void **self_p, rom_call_t *call)
{
    (void) ctx;
    test_t *self = calloc (1, sizeof *self);
    char **items = malloc (sizeof *items);
    char *first = strdup ("start flag");
    if (!self || !items || !first) {
        free (self);
        free (items);
        free (first);
        return rom_call_fail (call, ROM_NOMEM, "no memory for a Test");
    }
    items[0] = first;
    self->items = items;
    self->n = 1;
    *self_p = self;
    return ROM_OK;
}

static void
s_destroy (void *self_)
{
    test_t *self = self_;
    for (size_t i = 0; i < self->n; i++)
        free (self->items[i]);
    free (self->items);
    free (self);
}

static rom_status_t
s_test_function (void *self_, const Seeds__TestArg *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    test_t *self = self_;
    char *copy = strdup (in->arg);
    char **items = copy ? realloc (self->items, (self->n + 1) * sizeof *items) : NULL;
    if (!items) {
        free (copy);
        return rom_call_fail (call, ROM_NOMEM, "no memory to append '%s'", in->arg);
    }
    items[self->n++] = copy;
    self->items = items;
    return ROM_OK;
}

static rom_status_t
s_print_test_list (void *self_, const Google__Protobuf__Empty *in, Seeds__TestList *out, rom_call_t *call)
{
    (void) in;
    (void) call;
    test_t *self = self_;
    out->n_items = self->n; // borrowed: packed before the next call can change the list
    out->items = self->items;
    return ROM_OK;
}

static const Seeds__Test_Servant s_servant = {
    .rom_create = s_create,
    .rom_destroy = s_destroy,
    .test_function = s_test_function,
    .print_test_list = s_print_test_list,
};

static rom_status_t
s_register (rom_server_t *server, void *arg)
{
    return seeds__test__rom_register (server, &s_servant, arg);
}

// --- the processes that share it ---

static int
s_print_list (Seeds__Test_Proxy *obj, const char *who)
{
    Seeds__TestList *list = NULL;
    if (seeds__test_proxy__print_test_list (obj, NULL, &list) != ROM_OK)
        return 1;
    // One write per process keeps the lines of two processes from interleaving.
    char buf[4096];
    size_t used = 0;
    for (size_t i = 0; i < list->n_items && used < sizeof buf; i++)
        used += (size_t) snprintf (buf + used, sizeof buf - used, "%s-%s\n", who, list->items[i]);
    fputs (buf, stdout);
    fflush (stdout);
    seeds__test_list__free_unpacked (list, NULL);
    return 0;
}

static int
s_sub_process (const char *endpoint, const char *name, const char *token)
{
    rom_client_t *client = NULL;
    const char *why = NULL;
    if (rom_client_connect (endpoint, NULL, &client, &why) != ROM_OK) {
        fprintf (stderr, "%s: %s\n", name, why);
        return 1;
    }
    // The object reaches this process as a token, as Python pickles a proxy into a Process's arguments.
    Seeds__Test_Proxy *obj = NULL;
    int failed = seeds__test__rom_from_token (client, token, &obj) != ROM_OK;
    Seeds__TestArg arg = SEEDS__TEST_ARG__INIT;
    arg.arg = (char *) name;
    failed = failed || seeds__test_proxy__test_function (obj, &arg, NULL) != ROM_OK;
    failed = failed || s_print_list (obj, name);
    if (failed)
        fprintf (stderr, "%s: %s\n", name, rom_client_errmsg (client));
    seeds__test__rom_destroy (&obj);
    rom_client_destroy (&client);
    return failed;
}

int
main (void)
{
    rom_manager_opts_t opts = {.register_types = s_register};
    rom_manager_t *manager = NULL;
    const char *why = NULL;
    if (rom_manager_start (&opts, &manager, &why) != ROM_OK) {
        fprintf (stderr, "cannot start the manager: %s\n", why);
        return 1;
    }
    rom_client_t *client = rom_manager_client (manager);
    Seeds__Test_Proxy *obj = NULL; // manager.Test ()
    if (seeds__test__rom_create (client, &obj) != ROM_OK) {
        fprintf (stderr, "cannot create a Test: %s\n", rom_client_errmsg (client));
        rom_manager_destroy (&manager);
        return 1;
    }
    char *token = rom_proxy_to_token (seeds__test__rom_base (obj));
    const char *names[] = {"process 1", "process 2"};
    pid_t pids[2];
    int status, failed = 0;
    for (int i = 0; i < 2; i++) {
        fflush (stdout);
        pids[i] = fork ();
        if (pids[i] == 0) {
            int rc = s_sub_process (rom_manager_endpoint (manager), names[i], token);
            free (token); // the child's copy: valgrind checks each process for leaks
            _exit (rc);
        }
        failed |= pids[i] < 0;
    }
    // Wait for our two workers only: the manager's server is a child of this process too.
    for (int i = 0; i < 2; i++)
        if (pids[i] > 0
            && (waitpid (pids[i], &status, 0) != pids[i] || !WIFEXITED (status) || WEXITSTATUS (status) != 0))
            failed = 1;
    failed |= s_print_list (obj, "main");
    free (token);
    seeds__test__rom_destroy (&obj);
    rom_manager_destroy (&manager);
    return failed;
}
