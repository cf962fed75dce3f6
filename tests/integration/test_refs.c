// test_refs.c: proxies inside messages (issue 5 point 3). A method's reply that carries rom.ObjectRefs
// hands the caller references it adopts as proxies; a servant keeps objects it is handed; reference counts
// stay right through factories, discarded replies, holders that die, and a forked process.
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "refs.rom.h"

// --- servants (in the manager process) ------------------------------------------------------------------

static int64_t s_live_cells; // Cells alive in the server process

static rom_status_t
s_cell_create (void *ctx, const Reftest__CellInit *args, void **self_p, rom_call_t *call)
{
    (void) ctx;
    (void) call;
    int64_t *value = malloc (sizeof *value);
    *value = args->start;
    *self_p = value;
    s_live_cells++;
    return ROM_OK;
}

static void
s_cell_destroy (void *self)
{
    free (self);
    s_live_cells--;
}

static rom_status_t
s_cell_add (void *self, const Reftest__Count *in, Reftest__Count *out, rom_call_t *call)
{
    (void) call;
    int64_t *value = self;
    *value += in->value;
    out->value = *value;
    return ROM_OK;
}

static const Reftest__Cell_Servant s_cell = {.rom_create = s_cell_create,
                                             .rom_destroy = s_cell_destroy,
                                             .add = s_cell_add};

#define SHELF_SLOTS 8
typedef struct {
    char *names[SHELF_SLOTS];
    uint64_t ids[SHELF_SLOTS];
} shelf_t;

static rom_status_t
s_shelf_create (void *ctx, void **self_p, rom_call_t *call)
{
    (void) ctx;
    (void) call;
    *self_p = calloc (1, sizeof (shelf_t));
    return ROM_OK;
}

static void
s_shelf_destroy (void *self_)
{
    shelf_t *self = self_;
    for (int i = 0; i < SHELF_SLOTS; i++)
        free (self->names[i]);
    free (self); // the references it kept are dropped by the runtime
}

static Rom__ObjectRef *
s_new_cell (rom_call_t *call, int64_t start)
{
    Rom__ObjectRef *ref = rom_call_alloc (call, sizeof *ref);
    rom__object_ref__init (ref);
    Reftest__CellInit init = REFTEST__CELL_INIT__INIT;
    init.start = start;
    return rom_call_new_object (call, &reftest__cell__rom_type, &init.base, ref) == ROM_OK ? ref : NULL;
}

static rom_status_t
s_make (void *self, const Reftest__Count *in, Reftest__Made *out, rom_call_t *call)
{
    (void) self;
    if (!(out->cell = s_new_cell (call, in->value)))
        return ROM_APP_ERROR;
    out->more = rom_call_alloc (call, 2 * sizeof *out->more);
    for (out->n_more = 0; out->n_more < 2; out->n_more++)
        if (!(out->more[out->n_more] = s_new_cell (call, 100 + (int64_t) out->n_more)))
            return ROM_APP_ERROR;
    Reftest__Made__ByNameEntry *entry = rom_call_alloc (call, sizeof *entry);
    reftest__made__by_name_entry__init (entry);
    entry->key = "x";
    if (!(entry->value = s_new_cell (call, 200)))
        return ROM_APP_ERROR;
    out->by_name = rom_call_alloc (call, sizeof *out->by_name);
    out->by_name[0] = entry;
    out->n_by_name = 1;
    out->pick_case = REFTEST__MADE__PICK_CHOSEN;
    if (!(out->chosen = s_new_cell (call, 300)))
        return ROM_APP_ERROR;
    // Made but left out of the reply: it must die with the call.
    return s_new_cell (call, -1) ? ROM_OK : ROM_APP_ERROR;
}

static int
s_find (shelf_t *shelf, const char *name)
{
    for (int i = 0; i < SHELF_SLOTS; i++)
        if (shelf->names[i] && strcmp (shelf->names[i], name) == 0)
            return i;
    return -1;
}

static rom_status_t
s_put (void *self, const Reftest__Slot *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    shelf_t *shelf = self;
    int free_slot = s_find (shelf, "");
    for (int i = 0; i < SHELF_SLOTS && free_slot < 0; i++)
        if (!shelf->names[i])
            free_slot = i;
    if (!in->cell || free_slot < 0 || s_find (shelf, in->name) >= 0)
        return rom_call_fail (call, ROM_APP_ERROR, "no cell, no room, or %s is taken", in->name);
    rom_status_t status = rom_call_keep_ref (call, in->cell);
    if (status != ROM_OK)
        return status;
    shelf->names[free_slot] = strdup (in->name);
    shelf->ids[free_slot] = in->cell->id;
    return ROM_OK;
}

static rom_status_t
s_get (void *self, const Reftest__Slot *in, Reftest__Slot *out, rom_call_t *call)
{
    int i = s_find (self, in->name);
    if (i < 0)
        return rom_call_fail (call, ROM_NOT_FOUND, "nothing under %s", in->name);
    out->name = in->name;
    out->cell = rom_call_alloc (call, sizeof *out->cell);
    rom__object_ref__init (out->cell);
    out->cell->id = ((shelf_t *) self)->ids[i]; // the runtime fills in endpoint and type
    return ROM_OK;
}

static rom_status_t
s_drop (void *self, const Reftest__Slot *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    shelf_t *shelf = self;
    int i = s_find (shelf, in->name);
    if (i < 0)
        return rom_call_fail (call, ROM_NOT_FOUND, "nothing under %s", in->name);
    free (shelf->names[i]);
    shelf->names[i] = NULL;
    return rom_call_drop_ref (call, shelf->ids[i]);
}

static rom_status_t
s_bogus (void *self, const Google__Protobuf__Empty *in, Reftest__Slot *out, rom_call_t *call)
{
    (void) self;
    (void) in;
    out->cell = rom_call_alloc (call, sizeof *out->cell);
    rom__object_ref__init (out->cell);
    out->cell->id = 987654321;
    return ROM_OK;
}

static rom_status_t
s_live (void *self, const Google__Protobuf__Empty *in, Reftest__Count *out, rom_call_t *call)
{
    (void) self;
    (void) in;
    (void) call;
    out->value = s_live_cells;
    return ROM_OK;
}

static rom_status_t
s_keep_self (void *self, const Google__Protobuf__Empty *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) self;
    (void) in;
    (void) out;
    Rom__ObjectRef ref = ROM__OBJECT_REF__INIT;
    ref.id = rom_call_object_id (call);
    return rom_call_keep_ref (call, &ref);
}

static const Reftest__Shelf_Servant s_shelf = {.rom_create = s_shelf_create,
                                               .rom_destroy = s_shelf_destroy,
                                               .make = s_make,
                                               .put = s_put,
                                               .get = s_get,
                                               .drop = s_drop,
                                               .bogus = s_bogus,
                                               .live = s_live,
                                               .keep_self = s_keep_self};

static rom_status_t
s_register (rom_server_t *server, void *arg)
{
    (void) arg;
    rom_status_t status = reftest__cell__rom_register (server, &s_cell, NULL);
    return status == ROM_OK ? reftest__shelf__rom_register (server, &s_shelf, NULL) : status;
}

// --- tests --------------------------------------------------------------------------------------------

static rom_manager_t *s_manager;
static rom_client_t *s_client;
static Reftest__Shelf_Proxy *s_shelf_proxy;

static int
s_setup (void **state)
{
    (void) state;
    rom_manager_opts_t opts = {.register_types = s_register};
    opts.client.call_timeout_ms = 5000;
    const char *why = NULL;
    if (rom_manager_start (&opts, &s_manager, &why) != ROM_OK) {
        fprintf (stderr, "manager: %s\n", why);
        return -1;
    }
    s_client = rom_manager_client (s_manager);
    return reftest__shelf__rom_create (s_client, &s_shelf_proxy) == ROM_OK ? 0 : -1;
}

static int
s_teardown (void **state)
{
    (void) state;
    reftest__shelf__rom_destroy (&s_shelf_proxy);
    rom_manager_destroy (&s_manager);
    return 0;
}

static int64_t
s_live_now (void)
{
    Reftest__Count *count = NULL;
    assert_int_equal (reftest__shelf_proxy__live (s_shelf_proxy, NULL, &count), ROM_OK);
    int64_t live = count->value;
    reftest__count__free_unpacked (count, NULL);
    return live;
}

static int64_t
s_add (Reftest__Cell_Proxy *cell, int64_t by)
{
    Reftest__Count delta = REFTEST__COUNT__INIT;
    delta.value = by;
    Reftest__Count *now = NULL;
    assert_int_equal (reftest__cell_proxy__add (cell, &delta, &now), ROM_OK);
    int64_t value = now->value;
    reftest__count__free_unpacked (now, NULL);
    return value;
}

static Reftest__Cell_Proxy *
s_adopt (const Rom__ObjectRef *ref)
{
    Reftest__Cell_Proxy *cell = NULL;
    assert_int_equal (reftest__cell__rom_from_ref (s_client, ref, &cell), ROM_OK);
    return cell;
}

// A factory's reply: every ref (plain, repeated, map value, oneof) becomes a working proxy; the object the
// servant made and left out died with the call; the proxies keep their objects alive until destroyed.
static void
test_factory_reply_refs_become_proxies (void **state)
{
    (void) state;
    int64_t before = s_live_now ();
    Reftest__Count start = REFTEST__COUNT__INIT;
    start.value = 7;
    Reftest__Made *made = NULL;
    assert_int_equal (reftest__shelf_proxy__make (s_shelf_proxy, &start, &made), ROM_OK);
    assert_string_equal (made->cell->type, "reftest.Cell");
    assert_string_equal (made->cell->endpoint, rom_manager_endpoint (s_manager));
    assert_int_equal (made->n_more, 2);
    assert_int_equal (made->n_by_name, 1);
    assert_int_equal (made->pick_case, REFTEST__MADE__PICK_CHOSEN);
    assert_int_equal (s_live_now (), before + 5); // the sixth, left out, is gone

    Reftest__Cell_Proxy *cells[5] = {s_adopt (made->cell), s_adopt (made->more[0]), s_adopt (made->more[1]),
                                     s_adopt (made->by_name[0]->value), s_adopt (made->chosen)};
    reftest__made__free_unpacked (made, NULL);
    const int64_t starts[5] = {7, 100, 101, 200, 300};
    for (int i = 0; i < 5; i++)
        assert_int_equal (s_add (cells[i], 1), starts[i] + 1);
    for (int i = 0; i < 4; i++)
        reftest__cell__rom_destroy (&cells[i]);
    assert_int_equal (s_live_now (), before + 1);
    reftest__cell__rom_destroy (&cells[4]);
    assert_int_equal (s_live_now (), before);
}

// References a caller does not adopt: given back one by one, or all at once when its session ends.
static void
test_unadopted_refs_are_released (void **state)
{
    (void) state;
    int64_t before = s_live_now ();
    Reftest__Made *made = NULL;
    assert_int_equal (reftest__shelf_proxy__make (s_shelf_proxy, NULL, &made), ROM_OK);
    rom_ref_release (s_client, made->cell);
    rom_ref_release (s_client, made->more[0]);
    rom_ref_release (s_client, made->more[1]);
    rom_ref_release (s_client, made->by_name[0]->value);
    rom_ref_release (s_client, made->chosen);
    reftest__made__free_unpacked (made, NULL);
    assert_int_equal (s_live_now (), before);

    // A second client discards a factory's reply: its references are its session's until it says goodbye.
    rom_client_t *other = NULL;
    assert_int_equal (rom_client_connect (rom_manager_endpoint (s_manager), NULL, &other, NULL), ROM_OK);
    char *token = rom_proxy_to_token (reftest__shelf__rom_base (s_shelf_proxy));
    Reftest__Shelf_Proxy *shelf = NULL;
    assert_int_equal (reftest__shelf__rom_from_token (other, token, &shelf), ROM_OK);
    free (token);
    assert_int_equal (reftest__shelf_proxy__make (shelf, NULL, NULL), ROM_OK);
    assert_int_equal (s_live_now (), before + 5);
    reftest__shelf__rom_destroy (&shelf);
    rom_client_destroy (&other);
    assert_int_equal (s_live_now (), before);
}

// A servant keeps a cell it is handed: the caller's proxy can go, the cell stays until the shelf drops it.
static void
test_kept_refs_keep_objects_alive (void **state)
{
    (void) state;
    int64_t before = s_live_now ();
    Reftest__CellInit init = REFTEST__CELL_INIT__INIT;
    init.start = 40;
    Reftest__Cell_Proxy *cell = NULL;
    assert_int_equal (reftest__cell__rom_create (s_client, &init, &cell), ROM_OK);
    Rom__ObjectRef ref;
    rom_proxy_ref (reftest__cell__rom_base (cell), &ref);
    Reftest__Slot slot = REFTEST__SLOT__INIT;
    slot.name = "answer";
    slot.cell = &ref;
    assert_int_equal (reftest__shelf_proxy__put (s_shelf_proxy, &slot, NULL), ROM_OK);
    reftest__cell__rom_destroy (&cell);
    assert_int_equal (s_live_now (), before + 1);

    // Another process finds it on the shelf and changes it.
    fflush (NULL);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        Reftest__Slot ask = REFTEST__SLOT__INIT;
        ask.name = "answer";
        Reftest__Slot *got = NULL;
        Reftest__Cell_Proxy *mine = NULL;
        int bad = reftest__shelf_proxy__get (s_shelf_proxy, &ask, &got) != ROM_OK
                  || reftest__cell__rom_from_ref (s_client, got->cell, &mine) != ROM_OK;
        Reftest__Count two = REFTEST__COUNT__INIT;
        two.value = 2;
        bad = bad || reftest__cell_proxy__add (mine, &two, NULL) != ROM_OK;
        if (bad)
            fprintf (stderr, "child: %s\n", rom_client_errmsg (s_client));
        reftest__cell__rom_destroy (&mine);
        // The release is one-way: a later call on the same client makes sure it arrived before _exit.
        bad = bad || reftest__shelf_proxy__live (s_shelf_proxy, NULL, NULL) != ROM_OK;
        if (got)
            reftest__slot__free_unpacked (got, NULL);
        _exit (bad);
    }
    int status = 0;
    assert_int_equal (waitpid (pid, &status, 0), pid);
    assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);

    Reftest__Slot *got = NULL;
    assert_int_equal (reftest__shelf_proxy__get (s_shelf_proxy, &slot, &got), ROM_OK);
    cell = s_adopt (got->cell);
    reftest__slot__free_unpacked (got, NULL);
    assert_int_equal (s_add (cell, 0), 42);
    assert_int_equal (reftest__shelf_proxy__drop (s_shelf_proxy, &slot, NULL), ROM_OK);
    assert_int_equal (s_live_now (), before + 1); // our proxy still holds it
    reftest__cell__rom_destroy (&cell);
    assert_int_equal (s_live_now (), before);
}

// A holder that dies drops what it kept.
static void
test_dead_holder_drops_its_refs (void **state)
{
    (void) state;
    int64_t before = s_live_now ();
    Reftest__Shelf_Proxy *shelf = NULL;
    assert_int_equal (reftest__shelf__rom_create (s_client, &shelf), ROM_OK);
    Reftest__Made *made = NULL;
    assert_int_equal (reftest__shelf_proxy__make (shelf, NULL, &made), ROM_OK);
    Reftest__Slot slot = REFTEST__SLOT__INIT;
    slot.name = "a";
    slot.cell = made->cell;
    assert_int_equal (reftest__shelf_proxy__put (shelf, &slot, NULL), ROM_OK);
    slot.name = "b";
    assert_int_equal (reftest__shelf_proxy__put (shelf, &slot, NULL), ROM_OK); // kept twice
    rom_ref_release (s_client, made->cell);
    rom_ref_release (s_client, made->more[0]);
    rom_ref_release (s_client, made->more[1]);
    rom_ref_release (s_client, made->by_name[0]->value);
    rom_ref_release (s_client, made->chosen);
    reftest__made__free_unpacked (made, NULL);
    assert_int_equal (s_live_now (), before + 1);
    reftest__shelf__rom_destroy (&shelf);
    assert_int_equal (s_live_now (), before);
}

static void
test_bad_refs_are_errors (void **state)
{
    (void) state;
    // A reply naming no object fails with a clear status instead of handing out a dangling ref.
    assert_int_equal (reftest__shelf_proxy__bogus (s_shelf_proxy, NULL, NULL), ROM_NO_OBJECT);
    assert_non_null (strstr (rom_client_errmsg (s_client), "refers to object 987654321"));
    assert_non_null (strstr (rom_client_errmsg (s_client), "Bogus"));

    Rom__ObjectRef ghost = ROM__OBJECT_REF__INIT;
    ghost.id = 987654321;
    Reftest__Slot slot = REFTEST__SLOT__INIT;
    slot.name = "ghost";
    slot.cell = &ghost;
    assert_int_equal (reftest__shelf_proxy__put (s_shelf_proxy, &slot, NULL), ROM_NO_OBJECT);
    assert_int_equal (reftest__shelf_proxy__keep_self (s_shelf_proxy, NULL, NULL), ROM_INVALID);
    assert_non_null (strstr (rom_client_errmsg (s_client), "itself"));
    assert_int_equal (reftest__shelf_proxy__drop (s_shelf_proxy, &slot, NULL), ROM_NOT_FOUND);

    // Adopting a ref as the wrong type or a null ref fails and leaves the reference with the caller.
    int64_t before = s_live_now ();
    Reftest__Made *made = NULL;
    assert_int_equal (reftest__shelf_proxy__make (s_shelf_proxy, NULL, &made), ROM_OK);
    Reftest__Shelf_Proxy *wrong = NULL;
    assert_int_equal (reftest__shelf__rom_from_ref (s_client, made->cell, &wrong), ROM_WRONG_TYPE);
    assert_null (wrong);
    Rom__ObjectRef null_ref = ROM__OBJECT_REF__INIT;
    Reftest__Cell_Proxy *none = NULL;
    assert_int_equal (reftest__cell__rom_from_ref (s_client, &null_ref, &none), ROM_INVALID);
    Reftest__Cell_Proxy *cell = s_adopt (made->cell);
    rom_ref_release (s_client, made->more[0]);
    rom_ref_release (s_client, made->more[1]);
    rom_ref_release (s_client, made->by_name[0]->value);
    rom_ref_release (s_client, made->chosen);
    reftest__made__free_unpacked (made, NULL);
    assert_int_equal (s_live_now (), before + 1);
    reftest__cell__rom_destroy (&cell);
    assert_int_equal (s_live_now (), before);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_factory_reply_refs_become_proxies),
        cmocka_unit_test (test_unadopted_refs_are_released),
        cmocka_unit_test (test_kept_refs_keep_objects_alive),
        cmocka_unit_test (test_dead_holder_drops_its_refs),
        cmocka_unit_test (test_bad_refs_are_errors),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
