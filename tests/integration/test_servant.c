// test_servant.c: the servant helpers and the contracts a servant is written against (issue 15): a servant
// keeps deep copies of its inputs (rom_message_dup ()) and answers with `*out = *stored`; a NULL method is
// ROM_NO_METHOD; a caller whose input lacks a proto2 `required` field is refused with ROM_INVALID naming the
// field before anything is sent. The type is strict.Archive (proto/strict.proto), hosted by a manager.
#include "rom_test_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strict.rom.h"

// --- the servant -------------------------------------------------------------------------------------------

typedef struct {
    Strict__Opening *opening; // deep copies: `args` and `in` are freed after the method returns
    Strict__Record *last;
    int64_t kept;
} s_archive_t;

static rom_status_t
s_create (void *ctx, const Strict__Opening *args, void **self_p, rom_call_t *call)
{
    (void) ctx;
    s_archive_t *self = calloc (1, sizeof *self);
    if (!self)
        return rom_call_fail (call, ROM_NOMEM, "out of memory");
    if (rom_message_dup (&args->base, (ProtobufCMessage **) &self->opening) != ROM_OK) {
        free (self);
        return rom_call_fail (call, ROM_INTERNAL, "%s", rom_client_errmsg (NULL));
    }
    *self_p = self;
    return ROM_OK;
}

static void
s_destroy (void *state)
{
    s_archive_t *self = state;
    strict__opening__free_unpacked (self->opening, NULL);
    if (self->last)
        strict__record__free_unpacked (self->last, NULL);
    free (self);
}

static rom_status_t
s_keep (void *state, const Strict__Record *in, Strict__Stored *out, rom_call_t *call)
{
    s_archive_t *self = state;
    Strict__Record *copy = NULL;
    if (rom_message_dup (&in->base, (ProtobufCMessage **) &copy) != ROM_OK)
        return rom_call_fail (call, ROM_INTERNAL, "%s", rom_client_errmsg (NULL));
    if (self->last)
        strict__record__free_unpacked (self->last, NULL);
    self->last = copy;
    out->has_kept = true;
    out->kept = ++self->kept;
    return ROM_OK;
}

static rom_status_t
s_last (void *state, const Google__Protobuf__Empty *in, Strict__Record *out, rom_call_t *call)
{
    (void) in;
    s_archive_t *self = state;
    if (!self->last)
        return rom_call_fail (call, ROM_NOT_FOUND, "nothing kept yet");
    *out = *self->last; // shallow: the stored record stays the servant's, the runtime frees none of it
    return ROM_OK;
}

static rom_status_t
s_owner (void *state, const Google__Protobuf__Empty *in, Strict__Tag *out, rom_call_t *call)
{
    (void) in;
    (void) call;
    s_archive_t *self = state;
    out->name = self->opening->owner;
    return ROM_OK;
}

static const Strict__Archive_Servant s_servant = {
    .rom_create = s_create, .rom_destroy = s_destroy, .keep = s_keep, .last = s_last, .owner = s_owner,
    // .missing is left NULL on purpose
};

static rom_status_t
s_register (rom_server_t *server, void *arg)
{
    (void) arg;
    return strict__archive__rom_register (server, &s_servant, NULL);
}

// --- fixture -----------------------------------------------------------------------------------------------

static rom_manager_t *s_manager;
static rom_client_t *s_client;

static int
s_setup (void **state)
{
    (void) state;
    rom_manager_opts_t opts = {.register_types = s_register};
    const char *why = NULL;
    if (rom_manager_start (&opts, &s_manager, &why) != ROM_OK) {
        fprintf (stderr, "manager: %s\n", why);
        return -1;
    }
    s_client = rom_manager_client (s_manager);
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    rom_manager_destroy (&s_manager);
    return 0;
}

static Strict__Archive_Proxy *
s_archive (const char *owner)
{
    Strict__Opening opening = STRICT__OPENING__INIT;
    opening.owner = (char *) owner;
    Strict__Archive_Proxy *archive = NULL;
    assert_int_equal (strict__archive__rom_create (s_client, &opening, &archive), ROM_OK);
    return archive;
}

// A record with every field kind set: nested message, repeated, map, oneof.
typedef struct {
    Strict__Record record;
    Strict__Tag tag, alt;
    char *notes[3];
    Strict__Record__CountsEntry entries[2];
    Strict__Record__CountsEntry *counts[2];
} s_full_t;

static void
s_full_init (s_full_t *f)
{
    strict__record__init (&f->record);
    strict__tag__init (&f->tag);
    strict__tag__init (&f->alt);
    f->record.id = 42;
    f->record.label = "answer";
    f->tag.name = "blue";
    f->tag.has_weight = true;
    f->tag.weight = 7;
    f->record.tag = &f->tag;
    f->notes[0] = "one";
    f->notes[1] = "";
    f->notes[2] = "three";
    f->record.notes = f->notes;
    f->record.n_notes = 3;
    for (int i = 0; i < 2; i++) {
        strict__record__counts_entry__init (&f->entries[i]);
        f->counts[i] = &f->entries[i];
    }
    f->entries[0].key = "a";
    f->entries[0].has_value = true;
    f->entries[0].value = 1;
    f->entries[1].key = "b";
    f->entries[1].has_value = true;
    f->entries[1].value = -2;
    f->record.counts = f->counts;
    f->record.n_counts = 2;
    f->alt.name = "alt";
    f->record.extra_case = STRICT__RECORD__EXTRA_ALT;
    f->record.alt = &f->alt;
}

static void
s_assert_full (const Strict__Record *r)
{
    assert_int_equal (r->id, 42);
    assert_string_equal (r->label, "answer");
    assert_non_null (r->tag);
    assert_string_equal (r->tag->name, "blue");
    assert_true (r->tag->has_weight);
    assert_int_equal (r->tag->weight, 7);
    assert_int_equal (r->n_notes, 3);
    assert_string_equal (r->notes[0], "one");
    assert_string_equal (r->notes[1], "");
    assert_string_equal (r->notes[2], "three");
    assert_int_equal (r->n_counts, 2);
    assert_string_equal (r->counts[0]->key, "a");
    assert_int_equal (r->counts[0]->value, 1);
    assert_string_equal (r->counts[1]->key, "b");
    assert_int_equal (r->counts[1]->value, -2);
    assert_int_equal (r->extra_case, STRICT__RECORD__EXTRA_ALT);
    assert_string_equal (r->alt->name, "alt");
}

// --- tests -------------------------------------------------------------------------------------------------

// rom_message_dup copies every field kind, and the copy owes nothing to the original.
static void
test_dup_local (void **state)
{
    (void) state;
    s_full_t *f = malloc (sizeof *f);
    assert_non_null (f);
    s_full_init (f);
    Strict__Record *copy = NULL;
    assert_int_equal (rom_message_dup (&f->record.base, (ProtobufCMessage **) &copy), ROM_OK);
    memset (f, 0xAB, sizeof *f); // the copy must not point into the original
    free (f);
    s_assert_full (copy);
    assert_ptr_equal (copy->base.descriptor, &strict__record__descriptor);
    protobuf_c_message_free_unpacked (&copy->base, NULL);
}

// Misuse: NULLs, and a message that is not complete (a required field unset), named in the text.
static void
test_dup_refuses (void **state)
{
    (void) state;
    ProtobufCMessage *copy = (ProtobufCMessage *) &copy; // must stay untouched on failure
    assert_int_equal (rom_message_dup (NULL, &copy), ROM_INVALID);
    assert_ptr_equal (copy, (ProtobufCMessage *) &copy);
    Strict__Tag tag = STRICT__TAG__INIT;
    assert_int_equal (rom_message_dup (&tag.base, NULL), ROM_INVALID);
    assert_non_null (strstr (rom_client_errmsg (NULL), "copy_p"));
    Strict__Record record = STRICT__RECORD__INIT;
    record.label = "x";
    record.tag = &tag; // tag.name (required) unset
    assert_int_equal (rom_message_dup (&record.base, &copy), ROM_INVALID);
    assert_non_null (strstr (rom_client_errmsg (NULL), "'tag.name'"));
    assert_ptr_equal (copy, (ProtobufCMessage *) &copy);
}

// A servant keeps a deep copy of its input and answers with `*out = *stored`, over real sockets; its
// constructor keeps a copy of `args`.
static void
test_servant_keeps_inputs (void **state)
{
    (void) state;
    Strict__Archive_Proxy *archive = s_archive ("ada");
    Strict__Record *last = NULL;
    assert_int_equal (strict__archive_proxy__last (archive, NULL, &last), ROM_NOT_FOUND);
    s_full_t f;
    s_full_init (&f);
    Strict__Stored *stored = NULL;
    assert_int_equal (strict__archive_proxy__keep (archive, &f.record, &stored), ROM_OK);
    assert_int_equal (stored->kept, 1);
    strict__stored__free_unpacked (stored, NULL);
    // Twice: the first reply must not have freed or moved the stored record.
    for (int i = 0; i < 2; i++) {
        assert_int_equal (strict__archive_proxy__last (archive, NULL, &last), ROM_OK);
        s_assert_full (last);
        strict__record__free_unpacked (last, NULL);
    }
    Strict__Tag *owner = NULL;
    assert_int_equal (strict__archive_proxy__owner (archive, NULL, &owner), ROM_OK);
    assert_string_equal (owner->name, "ada");
    strict__tag__free_unpacked (owner, NULL);
    strict__archive__rom_destroy (&archive);
}

// A NULL input, or one with a required field unset (here or in a sub-message), is refused by the caller
// with ROM_INVALID naming the field; nothing reaches the server (its count of kept records is unchanged).
static void
test_required_refused_by_caller (void **state)
{
    (void) state;
    Strict__Archive_Proxy *archive = s_archive ("bob");
    assert_int_equal (strict__archive_proxy__keep (archive, NULL, NULL), ROM_INVALID);
    const char *why = rom_client_errmsg (s_client);
    assert_non_null (strstr (why, "strict.Archive#"));
    assert_non_null (strstr (why, ".Keep: "));
    assert_non_null (strstr (why, "in is NULL, but strict.Record has required field 'id' unset"));

    Strict__Record record = STRICT__RECORD__INIT; // label (required string) unset
    assert_int_equal (strict__archive_proxy__keep (archive, &record, NULL), ROM_INVALID);
    assert_non_null (strstr (rom_client_errmsg (s_client), "strict.Record has required field 'label' unset"));

    Strict__Tag tag = STRICT__TAG__INIT; // nested: tag.name unset
    record.label = "ok";
    record.tag = &tag;
    assert_int_equal (strict__archive_proxy__keep (archive, &record, NULL), ROM_INVALID);
    assert_non_null (strstr (rom_client_errmsg (s_client), "'tag.name'"));

    record.tag = NULL; // in a oneof member, only when it is the one set
    record.extra_case = STRICT__RECORD__EXTRA_ALT;
    record.alt = &tag;
    assert_int_equal (strict__archive_proxy__keep (archive, &record, NULL), ROM_INVALID);
    assert_non_null (strstr (rom_client_errmsg (s_client), "'alt.name'"));
    record.extra_case = STRICT__RECORD__EXTRA_TEXT;
    record.text = "plain";

    Strict__Stored *stored = NULL;
    assert_int_equal (strict__archive_proxy__keep (archive, &record, &stored), ROM_OK);
    assert_int_equal (stored->kept, 1); // the refused calls never arrived
    strict__stored__free_unpacked (stored, NULL);

    // Creation arguments too.
    Strict__Archive_Proxy *other = NULL;
    assert_int_equal (strict__archive__rom_create (s_client, NULL, &other), ROM_INVALID);
    assert_non_null (strstr (rom_client_errmsg (s_client), "args is NULL, but strict.Opening has required "
                                                           "field 'owner' unset"));
    assert_null (other);
    strict__archive__rom_destroy (&archive);
}

// A method the servant leaves NULL answers ROM_NO_METHOD for a valid input.
static void
test_unimplemented_is_no_method (void **state)
{
    (void) state;
    Strict__Archive_Proxy *archive = s_archive ("eve");
    Strict__Record record = STRICT__RECORD__INIT;
    record.label = "x";
    assert_int_equal (strict__archive_proxy__missing (archive, &record, NULL), ROM_NO_METHOD);
    assert_non_null (strstr (rom_client_errmsg (s_client), ".Missing"));
    strict__archive__rom_destroy (&archive);
}

// The server looks at the servant before it decodes: an input it could not decode (an empty payload for a
// strict.Record, whose required fields it lacks) still gets ROM_NO_METHOD from an unimplemented method, and
// ROM_BAD_REQUEST from an implemented one. The bytes are sent through a hand-made description of the same
// type whose methods take google.protobuf.Empty, as an older or foreign client might.
static void
test_no_method_before_decode (void **state)
{
    (void) state;
    static rom_method_t methods[STRICT__ARCHIVE_N_METHODS];
    for (unsigned i = 0; i < STRICT__ARCHIVE_N_METHODS; i++)
        methods[i] = (rom_method_t) {.name = strict__archive__rom_type.methods[i].name,
                                     .input = &google__protobuf__empty__descriptor,
                                     .output = &google__protobuf__empty__descriptor};
    rom_type_t loose = strict__archive__rom_type;
    loose.methods = methods;
    loose.init = NULL;

    Strict__Archive_Proxy *archive = s_archive ("zed");
    char *token = rom_proxy_to_token (strict__archive__rom_base (archive));
    rom_proxy_t *raw = NULL;
    assert_int_equal (rom_proxy_from_token (s_client, &loose, token, &raw), ROM_OK);
    free (token);
    assert_int_equal (rom_proxy_call (raw, STRICT__ARCHIVE_METHOD__MISSING, NULL, NULL), ROM_NO_METHOD);
    assert_non_null (strstr (rom_client_errmsg (s_client), "strict.Archive#"));
    assert_non_null (strstr (rom_client_errmsg (s_client), ".Missing: not implemented by this server"));
    assert_int_equal (rom_proxy_call (raw, STRICT__ARCHIVE_METHOD__KEEP, NULL, NULL), ROM_BAD_REQUEST);
    assert_non_null (strstr (rom_client_errmsg (s_client), "not a valid strict.Record"));
    rom_proxy_destroy (&raw);
    strict__archive__rom_destroy (&archive);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_dup_local),
        cmocka_unit_test (test_dup_refuses),
        cmocka_unit_test (test_servant_keeps_inputs),
        cmocka_unit_test (test_required_refused_by_caller),
        cmocka_unit_test (test_unimplemented_is_no_method),
        cmocka_unit_test (test_no_method_before_decode),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
