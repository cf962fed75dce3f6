// test_builtins_variant.c: the client side conversions of the built-in helpers on their own
// (runtime/builtins/variant.c, item.c): rom_variant_t to and from rom.builtins.Variant (proxy tokens
// included), the typed reads, Python's repr, and rom_item_t to and from rom.builtins.SyncItem. No server and
// no client: failures then keep their text in rom_client_errmsg (NULL) only.
#include "item.h"
#include "variant.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define KIND(name) ROM__BUILTINS__VARIANT__KIND_##name

// ---- requests ---------------------------------------------------------------------------------------------

static void
test_in_scalars (void **state)
{
    (void) state;
    romi_variant_in_t in;
    assert_int_equal (romi_variant_in (NULL, &ROM_INT (-5), &in), ROM_OK);
    assert_int_equal (in.msg.kind_case, KIND (INT_VALUE));
    assert_int_equal (in.msg.int_value, -5);
    romi_variant_in_done (&in);
    assert_int_equal (romi_variant_in (NULL, &ROM_UINT (UINT64_MAX), &in), ROM_OK);
    assert_true (in.msg.uint_value == UINT64_MAX);
    romi_variant_in_done (&in);
    assert_int_equal (romi_variant_in (NULL, &ROM_DOUBLE (2.5), &in), ROM_OK);
    assert_true (in.msg.double_value == 2.5);
    romi_variant_in_done (&in);
    assert_int_equal (romi_variant_in (NULL, &ROM_BOOL (true), &in), ROM_OK);
    assert_int_equal (in.msg.kind_case, KIND (BOOL_VALUE));
    romi_variant_in_done (&in);
    assert_int_equal (romi_variant_in (NULL, &ROM_NONE, &in), ROM_OK);
    assert_int_equal (in.msg.kind_case, KIND (_NOT_SET));
    romi_variant_in_done (&in);
    const char *text = "borrowed";
    assert_int_equal (romi_variant_in (NULL, &ROM_STR (text), &in), ROM_OK);
    assert_ptr_equal (in.msg.string_value, text); // on the caller's stack: nothing copied
    romi_variant_in_done (&in);
    // A string kind without its string, and an unknown kind, are refused.
    assert_int_equal (romi_variant_in (NULL, &(rom_variant_t) {.kind = ROM_KIND_STR}, &in), ROM_INVALID);
    romi_variant_in_done (&in);
    assert_int_equal (romi_variant_in (NULL, &(rom_variant_t) {.kind = (rom_kind_t) 99}, &in), ROM_INVALID);
    romi_variant_in_done (&in);
}

static void
test_in_tokens (void **state)
{
    (void) state;
    romi_variant_in_t in;
    // endpoint#id#type, read from the right: the endpoint may hold '#' itself.
    assert_int_equal (romi_variant_in (NULL, &ROM_REF ("ipc:///tmp/a#b#42#rom.builtins.Dict"), &in), ROM_OK);
    assert_int_equal (in.msg.kind_case, KIND (REF_VALUE));
    assert_int_equal (in.msg.ref_value->id, 42);
    assert_string_equal (in.msg.ref_value->endpoint, "ipc:///tmp/a#b");
    assert_string_equal (in.msg.ref_value->type, "rom.builtins.Dict");
    romi_variant_in_done (&in);
    const char *bad[] = {"", "no-hash", "ep#type", "ep#0#type", "ep#12x#type", "ep##type"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal (romi_variant_in (NULL, &ROM_REF (bad[i]), &in), ROM_INVALID);
        romi_variant_in_done (&in);
    }
    assert_int_equal (romi_variant_in (NULL, &(rom_variant_t) {.kind = ROM_KIND_REF}, &in), ROM_INVALID);
    romi_variant_in_done (&in);
}

static void
test_ins (void **state)
{
    (void) state;
    romi_variant_ins_t ins;
    rom_variant_t values[] = {ROM_INT (1), ROM_STR ("two"), ROM_NONE};
    assert_int_equal (romi_variant_ins (NULL, values, 3, &ins), ROM_OK);
    assert_int_equal (ins.n, 3);
    assert_int_equal (ins.items[0]->int_value, 1);
    assert_string_equal (ins.items[1]->string_value, "two");
    assert_int_equal (ins.items[2]->kind_case, KIND (_NOT_SET));
    romi_variant_ins_done (&ins);
    assert_int_equal (romi_variant_ins (NULL, NULL, 0, &ins), ROM_OK); // none at all
    assert_int_equal (ins.n, 0);
    romi_variant_ins_done (&ins);
    // One bad value fails the lot, and what was made before it is freed by _done.
    rom_variant_t bad[] = {ROM_REF ("ep#1#T"), ROM_REF ("nope")};
    assert_int_equal (romi_variant_ins (NULL, bad, 2, &ins), ROM_INVALID);
    romi_variant_ins_done (&ins);
}

// ---- replies ----------------------------------------------------------------------------------------------

static void
test_copy_out (void **state)
{
    (void) state;
    rom_variant_t out;
    assert_int_equal (romi_variant_copy_out (NULL, &out), 0); // no Variant: None
    assert_int_equal (out.kind, ROM_KIND_NONE);
    romi_variant_msg_t m = ROM__BUILTINS__VARIANT__INIT;
    m.kind_case = KIND (STRING_VALUE);
    m.string_value = "copied";
    assert_int_equal (romi_variant_copy_out (&m, &out), 0);
    assert_int_equal (out.kind, ROM_KIND_STR);
    assert_string_equal (out.str, "copied");
    assert_ptr_not_equal (out.str, m.string_value);
    rom_variant_clear (&out);
    assert_int_equal (out.kind, ROM_KIND_NONE);
    assert_null (out.str);
    m.kind_case = KIND (BYTES_VALUE);
    m.bytes_value.data = NULL;
    m.bytes_value.len = 0;
    assert_int_equal (romi_variant_copy_out (&m, &out), 0);
    assert_int_equal (out.kind, ROM_KIND_BYTES);
    assert_int_equal (out.size, 0);
    assert_non_null (out.data); // empty bytes still have a buffer, unlike None
    rom_variant_clear (&out);
    // A reference comes back as the token rom_proxy_from_token () reads.
    Rom__ObjectRef ref = ROM__OBJECT_REF__INIT;
    ref.endpoint = "tcp://127.0.0.1:5555";
    ref.id = 9;
    ref.type = "rom.builtins.List";
    m.kind_case = KIND (REF_VALUE);
    m.ref_value = &ref;
    assert_int_equal (romi_variant_copy_out (&m, &out), 0);
    assert_int_equal (out.kind, ROM_KIND_REF);
    assert_string_equal (out.str, "tcp://127.0.0.1:5555#9#rom.builtins.List");
    // ... which goes out again as the same reference.
    romi_variant_in_t in;
    assert_int_equal (romi_variant_in (NULL, &out, &in), ROM_OK);
    assert_int_equal (in.msg.ref_value->id, 9);
    assert_string_equal (in.msg.ref_value->endpoint, "tcp://127.0.0.1:5555");
    romi_variant_in_done (&in);
    rom_variant_clear (&out);
    rom_variant_clear (NULL); // harmless
    rom_variant_t *none = NULL;
    rom_variants_free (&none, 3);
    rom_variants_free (NULL, 0);
}

static void
test_want (void **state)
{
    (void) state;
    int64_t i = 0;
    double d = 0;
    char *s = NULL;
    rom_variant_t v = ROM_INT (7);
    assert_int_equal (romi_variant_want_int (NULL, "Get", &v, &i, "the value", NULL), ROM_OK);
    assert_int_equal (i, 7);
    v = ROM_UINT ((uint64_t) INT64_MAX);
    assert_int_equal (romi_variant_want_int (NULL, "Get", &v, &i, "the value", NULL), ROM_OK);
    assert_true (i == INT64_MAX);
    v = ROM_UINT ((uint64_t) INT64_MAX + 1);
    assert_int_equal (romi_variant_want_int (NULL, "Get", &v, &i, "the value", NULL), ROM_OUT_OF_RANGE);
    v = ROM_DOUBLE (1.0); // a float is not an integer, even a whole one
    assert_int_equal (romi_variant_want_int (NULL, "Get", &v, &i, "the value", NULL), ROM_WRONG_TYPE);
    assert_non_null (strstr (rom_client_errmsg (NULL), ".Get: the value is a float, not an int"));
    v = ROM_INT (-3); // an integer is a number
    assert_int_equal (romi_variant_want_double (NULL, "Get", &v, &d, "x", NULL), ROM_OK);
    assert_true (d == -3.0);
    v = ROM_NONE;
    assert_int_equal (romi_variant_want_double (NULL, "Get", &v, &d, "x", NULL), ROM_WRONG_TYPE);
    // A string is handed over (the variant lets go of it); anything else is consumed.
    rom_variant_t owned = {.kind = ROM_KIND_STR, .str = malloc (4)};
    strcpy (owned.str, "abc");
    assert_int_equal (romi_variant_want_str (NULL, "Get", &owned, &s, "x", NULL), ROM_OK);
    assert_string_equal (s, "abc");
    assert_null (owned.str);
    free (s);
    s = NULL;
    v = ROM_INT (1);
    assert_int_equal (romi_variant_want_str (NULL, "Get", &v, &s, "x", NULL), ROM_WRONG_TYPE);
    assert_null (s);
}

// ---- repr -------------------------------------------------------------------------------------------------

static void
s_repr_is (rom_variant_t v, const char *expected)
{
    char *text = rom_variant_repr (&v);
    assert_non_null (text);
    assert_string_equal (text, expected);
    free (text);
}

static void
test_repr (void **state)
{
    (void) state;
    s_repr_is (ROM_NONE, "None");
    s_repr_is (ROM_INT (-42), "-42");
    s_repr_is (ROM_UINT (UINT64_MAX), "18446744073709551615");
    s_repr_is (ROM_BOOL (true), "True");
    s_repr_is (ROM_BOOL (false), "False");
    // Floats as Python prints them: shortest round trip, always a '.' or an exponent.
    s_repr_is (ROM_DOUBLE (10.0), "10.0");
    s_repr_is (ROM_DOUBLE (0.1), "0.1");
    s_repr_is (ROM_DOUBLE (3.1415927), "3.1415927");
    s_repr_is (ROM_DOUBLE (-0.5), "-0.5");
    s_repr_is (ROM_DOUBLE (1e16), "1e+16");
    s_repr_is (ROM_DOUBLE (1.5e-05), "1.5e-05");
    s_repr_is (ROM_DOUBLE (0.0001), "0.0001");
    s_repr_is (ROM_DOUBLE (NAN), "nan");
    s_repr_is (ROM_DOUBLE (INFINITY), "inf");
    s_repr_is (ROM_DOUBLE (-INFINITY), "-inf");
    // Strings: single quotes unless the text has one and no double quote; escapes for control bytes.
    s_repr_is (ROM_STR ("abc"), "'abc'");
    s_repr_is (ROM_STR ("it's"), "\"it's\"");
    s_repr_is (ROM_STR ("'\""), "'\\'\"'");
    s_repr_is (ROM_STR ("a\nb\t\\"), "'a\\nb\\t\\\\'");
    s_repr_is (ROM_STR ("\x01"), "'\\x01'");
    s_repr_is (ROM_STR ("h\xc3\xa9"), "'h\xc3\xa9'"); // UTF-8 passes as it is
    s_repr_is (ROM_STR (""), "''");
    s_repr_is (ROM_BYTES ("a\0\xff", 3), "b'a\\x00\\xff'");
    s_repr_is (ROM_REF ("ipc://x#12#rom.builtins.Dict"), "<rom.builtins.Dict#12>");
    assert_null (rom_variant_repr (NULL));
}

static void
test_repr_buffer (void **state)
{
    (void) state;
    romi_repr_t b = {0};
    romi_repr_puts (&b, "[");
    for (int i = 0; i < 1000; i++) { // grows past its first 64 bytes many times
        if (i)
            romi_repr_puts (&b, ", ");
        romi_repr_variant (&b, &ROM_INT (i));
    }
    romi_repr_puts (&b, "]");
    char *text = NULL;
    assert_int_equal (romi_repr_finish (NULL, &b, &text), ROM_OK);
    assert_int_equal (strncmp (text, "[0, 1, 2, ", 10), 0);
    assert_int_equal (strlen (text), b.len);
    assert_string_equal (text + strlen (text) - 6, ", 999]");
    free (text);
    romi_repr_t empty = {0};
    assert_int_equal (romi_repr_finish (NULL, &empty, &text), ROM_OK); // an empty text is still a text
    assert_string_equal (text, "");
    free (text);
}

// ---- items ------------------------------------------------------------------------------------------------

static void
s_round_trip (const rom_item_t *item, rom_item_t *back)
{
    Rom__Builtins__SyncItem wire;
    romi_variant_in_t value;
    assert_int_equal (romi_item_to_wire ("test", NULL, item, &wire, &value), ROM_OK);
    // Through the wire for real: packed and unpacked, as a Queue stores it.
    size_t size = protobuf_c_message_get_packed_size (&wire.base);
    uint8_t *data = malloc (size ? size : 1);
    protobuf_c_message_pack (&wire.base, data);
    Rom__Builtins__SyncItem *got = rom__builtins__sync_item__unpack (NULL, size, data);
    assert_non_null (got);
    assert_int_equal (romi_item_from_wire (NULL, got, back), ROM_OK);
    rom__builtins__sync_item__free_unpacked (got, NULL);
    romi_variant_in_done (&value);
    free (data);
}

static void
test_items (void **state)
{
    (void) state;
    rom_item_t back;
    s_round_trip (&(rom_item_t) {.kind = ROM_ITEM_INT, .i = -9}, &back);
    assert_int_equal (back.kind, ROM_ITEM_INT);
    assert_int_equal (back.i, -9);
    s_round_trip (&(rom_item_t) {.kind = ROM_ITEM_DOUBLE, .d = 0.25}, &back);
    assert_int_equal (back.kind, ROM_ITEM_DOUBLE);
    assert_true (back.d == 0.25);
    s_round_trip (&(rom_item_t) {.kind = ROM_ITEM_NONE}, &back);
    assert_int_equal (back.kind, ROM_ITEM_NONE);
    s_round_trip (&(rom_item_t) {.kind = ROM_ITEM_STRING, .str = "text"}, &back);
    assert_int_equal (back.kind, ROM_ITEM_STRING);
    assert_string_equal (back.str, "text");
    rom_item_clear (&back);
    s_round_trip (&(rom_item_t) {.kind = ROM_ITEM_BYTES, .data = (uint8_t *) "\0\1", .size = 2}, &back);
    assert_int_equal (back.kind, ROM_ITEM_BYTES);
    assert_int_equal (back.size, 2);
    assert_memory_equal (back.data, "\0\1", 2);
    rom_item_clear (&back);
    // A message travels as its bytes with its type: the type is what tells it from bytes.
    rom_item_t message;
    Rom__Builtins__Variant inner = ROM__BUILTINS__VARIANT__INIT;
    inner.kind_case = KIND (INT_VALUE);
    inner.int_value = 77;
    assert_int_equal (romi_item_message (&inner.base, &message), ROM_OK);
    s_round_trip (&message, &back);
    free (message.data);
    assert_int_equal (back.kind, ROM_ITEM_MESSAGE);
    assert_string_equal (back.type, "rom.builtins.Variant");
    ProtobufCMessage *unpacked = NULL;
    assert_int_equal (romi_item_unpack (NULL, "Get", &back, &rom__builtins__variant__descriptor, &unpacked),
                      ROM_OK);
    assert_int_equal (((Rom__Builtins__Variant *) unpacked)->int_value, 77);
    protobuf_c_message_free_unpacked (unpacked, NULL);
    assert_int_equal (back.kind, ROM_ITEM_NONE); // consumed
    // Unpacked as another type: refused, and consumed all the same.
    assert_int_equal (romi_item_message (&inner.base, &message), ROM_OK);
    s_round_trip (&message, &back);
    free (message.data);
    assert_int_equal (romi_item_unpack (NULL, "Get", &back, &rom__builtins__sync_item__descriptor, &unpacked),
                      ROM_WRONG_TYPE);
    assert_int_equal (back.kind, ROM_ITEM_NONE);
    // A reference travels as an ObjectRef and comes back as its token.
    s_round_trip (&(rom_item_t) {.kind = ROM_ITEM_REF, .str = "ipc:///tmp/x#42#rom.builtins.Dict"}, &back);
    assert_int_equal (back.kind, ROM_ITEM_REF);
    assert_string_equal (back.str, "ipc:///tmp/x#42#rom.builtins.Dict");
    rom_item_clear (&back);
    // Items without what their kind needs are refused, naming the helper.
    Rom__Builtins__SyncItem wire;
    romi_variant_in_t value;
    assert_int_equal (romi_item_to_wire ("rom_queue_put_item", NULL, &(rom_item_t) {.kind = ROM_ITEM_STRING},
                                         &wire, &value),
                      ROM_INVALID);
    assert_non_null (strstr (rom_client_errmsg (NULL), "rom_queue_put_item"));
    assert_int_equal (romi_item_to_wire ("f", NULL, &(rom_item_t) {.kind = ROM_ITEM_BYTES, .size = 3}, &wire,
                                         &value),
                      ROM_INVALID);
    assert_int_equal (
        romi_item_to_wire ("f", NULL,
                           &(rom_item_t) {.kind = ROM_ITEM_MESSAGE, .data = (uint8_t *) "x", .size = 1},
                           &wire, &value),
        ROM_INVALID);
    // Text that is not UTF-8, and a token that is none, are refused before anything is sent.
    assert_int_equal (romi_item_to_wire ("rom_queue_put_str", NULL,
                                         &(rom_item_t) {.kind = ROM_ITEM_STRING, .str = "\xc0\xaf"}, &wire,
                                         &value),
                      ROM_INVALID);
    assert_non_null (strstr (rom_client_errmsg (NULL), "rom_queue_put_str: "));
    assert_non_null (strstr (rom_client_errmsg (NULL), "UTF-8"));
    assert_int_equal (romi_item_to_wire ("f", NULL, &(rom_item_t) {.kind = ROM_ITEM_REF, .str = "no token"},
                                         &wire, &value),
                      ROM_INVALID);
}

static void
test_item_views (void **state)
{
    (void) state;
    int64_t i = 0;
    double d = 0;
    char *s = NULL;
    rom_item_t item = {.kind = ROM_ITEM_INT, .i = 4};
    assert_int_equal (romi_item_int (NULL, "Get", ROM_OK, &item, &i), ROM_OK);
    assert_int_equal (i, 4);
    item = (rom_item_t) {.kind = ROM_ITEM_INT, .i = 4};
    assert_int_equal (romi_item_double (NULL, "Get", ROM_OK, &item, &d), ROM_OK); // an int reads as a double
    assert_true (d == 4.0);
    item = (rom_item_t) {.kind = ROM_ITEM_DOUBLE, .d = 4.5};
    assert_int_equal (romi_item_int (NULL, "Get", ROM_OK, &item, &i), ROM_WRONG_TYPE); // not the other way
    assert_int_equal (item.kind, ROM_ITEM_NONE);
    // The receive's failure passes through, and nothing is read.
    i = 0;
    assert_int_equal (romi_item_int (NULL, "Get", ROM_EMPTY, &item, &i), ROM_EMPTY);
    assert_int_equal (i, 0);
    item = (rom_item_t) {.kind = ROM_ITEM_STRING, .str = malloc (3)};
    strcpy (item.str, "hi");
    assert_int_equal (romi_item_str (NULL, "Get", ROM_OK, &item, &s), ROM_OK);
    assert_string_equal (s, "hi");
    free (s);
    item = (rom_item_t) {.kind = ROM_ITEM_INT, .i = 1};
    s = NULL;
    assert_int_equal (romi_item_str (NULL, "Get", ROM_OK, &item, &s), ROM_WRONG_TYPE);
    assert_null (s);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_in_scalars),  cmocka_unit_test (test_in_tokens),
        cmocka_unit_test (test_ins),         cmocka_unit_test (test_copy_out),
        cmocka_unit_test (test_want),        cmocka_unit_test (test_repr),
        cmocka_unit_test (test_repr_buffer), cmocka_unit_test (test_items),
        cmocka_unit_test (test_item_views),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
