// test_builtins_slot.c: the server-side storage of the built-in data types on its own (runtime/builtins/
// slot.c, key.c): Python index and slice arithmetic, typecodes and their range checks, slots (copy, equality,
// export), dict keys, and the insertion-ordered map. No server: `call` is NULL, which every function takes
// (failures then carry no text, only their status).
#include "slot.h"
#include "key.h"

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

static romi_variant_msg_t
s_int (int64_t i)
{
    romi_variant_msg_t v = ROM__BUILTINS__VARIANT__INIT;
    v.kind_case = KIND (INT_VALUE);
    v.int_value = i;
    return v;
}

static romi_variant_msg_t
s_uint (uint64_t u)
{
    romi_variant_msg_t v = ROM__BUILTINS__VARIANT__INIT;
    v.kind_case = KIND (UINT_VALUE);
    v.uint_value = u;
    return v;
}

static romi_variant_msg_t
s_double (double d)
{
    romi_variant_msg_t v = ROM__BUILTINS__VARIANT__INIT;
    v.kind_case = KIND (DOUBLE_VALUE);
    v.double_value = d;
    return v;
}

static romi_variant_msg_t
s_str (const char *s)
{
    romi_variant_msg_t v = ROM__BUILTINS__VARIANT__INIT;
    v.kind_case = KIND (STRING_VALUE);
    v.string_value = (char *) s;
    return v;
}

static romi_variant_msg_t
s_bool (bool b)
{
    romi_variant_msg_t v = ROM__BUILTINS__VARIANT__INIT;
    v.kind_case = KIND (BOOL_VALUE);
    v.bool_value = b;
    return v;
}

// ---- Python indexes ---------------------------------------------------------------------------------------

static void
test_index_resolve (void **state)
{
    (void) state;
    size_t pos = 99;
    assert_int_equal (romi_index_resolve (0, 5, &pos, NULL, "List"), ROM_OK);
    assert_int_equal (pos, 0);
    assert_int_equal (romi_index_resolve (4, 5, &pos, NULL, "List"), ROM_OK);
    assert_int_equal (pos, 4);
    assert_int_equal (romi_index_resolve (-1, 5, &pos, NULL, "List"), ROM_OK); // from the end
    assert_int_equal (pos, 4);
    assert_int_equal (romi_index_resolve (-5, 5, &pos, NULL, "List"), ROM_OK);
    assert_int_equal (pos, 0);
    pos = 99;
    assert_int_equal (romi_index_resolve (5, 5, &pos, NULL, "List"), ROM_OUT_OF_RANGE);
    assert_int_equal (romi_index_resolve (-6, 5, &pos, NULL, "List"), ROM_OUT_OF_RANGE);
    assert_int_equal (romi_index_resolve (0, 0, &pos, NULL, "List"),
                      ROM_OUT_OF_RANGE); // empty: nothing is valid
    assert_int_equal (romi_index_resolve (-1, 0, &pos, NULL, "List"), ROM_OUT_OF_RANGE);
    assert_int_equal (romi_index_resolve (INT64_MAX, 5, &pos, NULL, "List"), ROM_OUT_OF_RANGE);
    assert_int_equal (romi_index_resolve (INT64_MIN, 5, &pos, NULL, "List"), ROM_OUT_OF_RANGE);
    assert_int_equal (pos, 99); // a refused index leaves *pos alone
}

static void
test_slice_resolve (void **state)
{
    (void) state;
    size_t from, to;
    romi_slice_resolve (0, INT64_MAX, 5, &from, &to); // l[:]
    assert_int_equal (from, 0);
    assert_int_equal (to, 5);
    romi_slice_resolve (1, 3, 5, &from, &to);
    assert_int_equal (from, 1);
    assert_int_equal (to, 3);
    romi_slice_resolve (-2, INT64_MAX, 5, &from, &to); // l[-2:]
    assert_int_equal (from, 3);
    assert_int_equal (to, 5);
    romi_slice_resolve (0, -1, 5, &from, &to); // l[:-1]
    assert_int_equal (from, 0);
    assert_int_equal (to, 4);
    romi_slice_resolve (-100, 100, 5, &from, &to); // clamped, never an error
    assert_int_equal (from, 0);
    assert_int_equal (to, 5);
    romi_slice_resolve (4, 2, 5, &from, &to); // stop before start: empty, at start
    assert_int_equal (from, 4);
    assert_int_equal (to, 4);
    romi_slice_resolve (7, 9, 5, &from, &to); // past the end: empty at the end
    assert_int_equal (from, 5);
    assert_int_equal (to, 5);
    romi_slice_resolve (INT64_MIN, INT64_MIN, 5, &from, &to);
    assert_int_equal (from, 0);
    assert_int_equal (to, 0);
    romi_slice_resolve (0, INT64_MAX, 0, &from, &to); // an empty sequence
    assert_int_equal (from, 0);
    assert_int_equal (to, 0);
}

// ---- typecodes --------------------------------------------------------------------------------------------

static void
test_typecodes (void **state)
{
    (void) state;
    const char *numbers = "bBhHiIlLqQfd?";
    for (const char *tc = numbers; *tc; tc++) {
        assert_true (romi_typecode_valid (*tc, false));
        assert_true (romi_typecode_valid (*tc, true));
    }
    assert_false (romi_typecode_valid ('s', false)); // text only where text is allowed (Value, not Array)
    assert_true (romi_typecode_valid ('s', true));
    assert_true (romi_typecode_valid ('y', true));
    assert_false (romi_typecode_valid ('x', true));
    assert_false (romi_typecode_valid (0, true));
    assert_int_equal (romi_typecode_class ('b'), ROM_TC_SIGNED);
    assert_int_equal (romi_typecode_class ('q'), ROM_TC_SIGNED);
    assert_int_equal (romi_typecode_class ('B'), ROM_TC_UNSIGNED);
    assert_int_equal (romi_typecode_class ('Q'), ROM_TC_UNSIGNED);
    assert_int_equal (romi_typecode_class ('f'), ROM_TC_FLOAT);
    assert_int_equal (romi_typecode_class ('d'), ROM_TC_FLOAT);
    assert_int_equal (romi_typecode_class ('?'), ROM_TC_BOOL);
    assert_int_equal (romi_typecode_class ('s'), ROM_TC_STRING);
    assert_int_equal (romi_typecode_class ('y'), ROM_TC_BYTES);
    assert_int_equal (romi_typecode_size ('b'), 1);
    assert_int_equal (romi_typecode_size ('?'), 1);
    assert_int_equal (romi_typecode_size ('H'), 2);
    assert_int_equal (romi_typecode_size ('i'), 4);
    assert_int_equal (romi_typecode_size ('f'), 4);
    assert_int_equal (romi_typecode_size ('q'), 8);
    assert_int_equal (romi_typecode_size ('d'), 8);
}

static void
test_scalar_ranges (void **state)
{
    (void) state;
    romi_scalar_t out;
    romi_variant_msg_t v = s_int (127);
    assert_int_equal (romi_scalar_from_variant ('b', &v, &out, NULL, "Value"), ROM_OK);
    assert_int_equal (out.i, 127);
    v = s_int (-128);
    assert_int_equal (romi_scalar_from_variant ('b', &v, &out, NULL, "Value"), ROM_OK);
    v = s_int (128);
    assert_int_equal (romi_scalar_from_variant ('b', &v, &out, NULL, "Value"), ROM_OUT_OF_RANGE);
    v = s_int (-129);
    assert_int_equal (romi_scalar_from_variant ('b', &v, &out, NULL, "Value"), ROM_OUT_OF_RANGE);
    v = s_int (255);
    assert_int_equal (romi_scalar_from_variant ('B', &v, &out, NULL, "Value"), ROM_OK);
    assert_int_equal (out.u, 255);
    v = s_int (-1); // negative for an unsigned typecode
    assert_int_equal (romi_scalar_from_variant ('I', &v, &out, NULL, "Value"), ROM_OUT_OF_RANGE);
    v = s_uint (UINT64_MAX);
    assert_int_equal (romi_scalar_from_variant ('Q', &v, &out, NULL, "Value"), ROM_OK);
    assert_true (out.u == UINT64_MAX);
    assert_int_equal (romi_scalar_from_variant ('q', &v, &out, NULL, "Value"), ROM_OUT_OF_RANGE);
    v = s_uint ((uint64_t) INT64_MAX); // a uint that fits a signed typecode
    assert_int_equal (romi_scalar_from_variant ('q', &v, &out, NULL, "Value"), ROM_OK);
    assert_true (out.i == INT64_MAX);
    // Integers are accepted for floats; floats are not accepted for integers.
    v = s_int (3);
    assert_int_equal (romi_scalar_from_variant ('d', &v, &out, NULL, "Value"), ROM_OK);
    assert_true (out.d == 3.0);
    v = s_double (1.5);
    assert_int_equal (romi_scalar_from_variant ('i', &v, &out, NULL, "Value"), ROM_WRONG_TYPE);
    // 'f' rounds to float, and refuses what a float cannot hold; inf and nan pass as they are.
    v = s_double (0.1);
    assert_int_equal (romi_scalar_from_variant ('f', &v, &out, NULL, "Value"), ROM_OK);
    assert_true (out.d == (double) 0.1f);
    v = s_double (1e300);
    assert_int_equal (romi_scalar_from_variant ('f', &v, &out, NULL, "Value"), ROM_OUT_OF_RANGE);
    v = s_double (INFINITY);
    assert_int_equal (romi_scalar_from_variant ('f', &v, &out, NULL, "Value"), ROM_OK);
    assert_true (isinf (out.d));
    v = s_double (NAN);
    assert_int_equal (romi_scalar_from_variant ('d', &v, &out, NULL, "Value"), ROM_OK);
    assert_true (isnan (out.d));
    // Bools only for '?', and nothing but bools.
    v = s_bool (true);
    assert_int_equal (romi_scalar_from_variant ('?', &v, &out, NULL, "Value"), ROM_OK);
    assert_true (out.b);
    assert_int_equal (romi_scalar_from_variant ('i', &v, &out, NULL, "Value"), ROM_WRONG_TYPE);
    v = s_int (1);
    assert_int_equal (romi_scalar_from_variant ('?', &v, &out, NULL, "Value"), ROM_WRONG_TYPE);
    v = s_str ("1");
    assert_int_equal (romi_scalar_from_variant ('d', &v, &out, NULL, "Value"), ROM_WRONG_TYPE);
    assert_int_equal (romi_scalar_from_variant ('d', NULL, &out, NULL, "Value"), ROM_WRONG_TYPE); // None
}

static void
test_scalar_export (void **state)
{
    (void) state;
    romi_variant_msg_t out = ROM__BUILTINS__VARIANT__INIT;
    romi_scalar_export ('h', (romi_scalar_t) {.i = -7}, &out);
    assert_int_equal (out.kind_case, KIND (INT_VALUE));
    assert_int_equal (out.int_value, -7);
    romi_scalar_export ('H', (romi_scalar_t) {.u = 7}, &out);
    assert_int_equal (out.kind_case, KIND (UINT_VALUE));
    assert_int_equal (out.uint_value, 7);
    romi_scalar_export ('d', (romi_scalar_t) {.d = 2.5}, &out);
    assert_int_equal (out.kind_case, KIND (DOUBLE_VALUE));
    assert_true (out.double_value == 2.5);
    romi_scalar_export ('?', (romi_scalar_t) {.b = true}, &out);
    assert_int_equal (out.kind_case, KIND (BOOL_VALUE));
    assert_true (out.bool_value);
}

// ---- slots ------------------------------------------------------------------------------------------------

static void
test_slot_set_export (void **state)
{
    (void) state;
    romi_slot_t slot = ROM_SLOT_NONE;
    romi_variant_msg_t out = ROM__BUILTINS__VARIANT__INIT;
    assert_int_equal (romi_slot_export (&slot, &out, NULL), ROM_OK);
    assert_int_equal (out.kind_case, KIND (_NOT_SET)); // None
    // A string is copied: the slot does not borrow the request.
    char text[] = "hello";
    romi_variant_msg_t v = s_str (text);
    assert_int_equal (romi_slot_set (&slot, &v, NULL), ROM_OK);
    text[0] = 'j';
    assert_int_equal (romi_slot_export (&slot, &out, NULL), ROM_OK);
    assert_int_equal (out.kind_case, KIND (STRING_VALUE));
    assert_string_equal (out.string_value, "hello");
    // Bytes keep their length, zeros included.
    romi_variant_msg_t b = ROM__BUILTINS__VARIANT__INIT;
    b.kind_case = KIND (BYTES_VALUE);
    b.bytes_value.data = (uint8_t *) "a\0b";
    b.bytes_value.len = 3;
    assert_int_equal (romi_slot_set (&slot, &b, NULL), ROM_OK); // replaces (and frees) the string
    assert_int_equal (romi_slot_export (&slot, &out, NULL), ROM_OK);
    assert_int_equal (out.kind_case, KIND (BYTES_VALUE));
    assert_int_equal (out.bytes_value.len, 3);
    assert_memory_equal (out.bytes_value.data, "a\0b", 3);
    // Empty bytes.
    b.bytes_value.data = NULL;
    b.bytes_value.len = 0;
    assert_int_equal (romi_slot_set (&slot, &b, NULL), ROM_OK);
    assert_true (romi_slot_equal (&slot, &b));
    // Numbers need no allocation; NULL sets None.
    v = s_int (-3);
    assert_int_equal (romi_slot_set (&slot, &v, NULL), ROM_OK);
    assert_int_equal (romi_slot_export (&slot, &out, NULL), ROM_OK);
    assert_int_equal (out.kind_case, KIND (INT_VALUE));
    assert_int_equal (out.int_value, -3);
    assert_int_equal (romi_slot_set (&slot, NULL, NULL), ROM_OK);
    assert_int_equal (slot.kind, KIND (_NOT_SET));
    // A reference needs a call to keep it alive: without one it is refused and the slot is unchanged.
    v = s_str ("kept");
    assert_int_equal (romi_slot_set (&slot, &v, NULL), ROM_OK);
    Rom__ObjectRef ref = ROM__OBJECT_REF__INIT;
    ref.id = 7;
    romi_variant_msg_t r = ROM__BUILTINS__VARIANT__INIT;
    r.kind_case = KIND (REF_VALUE);
    r.ref_value = &ref;
    assert_int_not_equal (romi_slot_set (&slot, &r, NULL), ROM_OK);
    assert_int_equal (slot.kind, KIND (STRING_VALUE));
    assert_string_equal (slot.s.data, "kept");
    romi_slot_clear (&slot);
    assert_int_equal (slot.kind, KIND (_NOT_SET));
    romi_slot_clear (&slot); // twice: harmless
}

static void
test_slot_equal (void **state)
{
    (void) state;
    romi_slot_t slot = ROM_SLOT_NONE;
    assert_true (romi_slot_equal (&slot, NULL)); // None == None
    romi_variant_msg_t v = s_int (0);
    assert_false (romi_slot_equal (&slot, &v));
    // Numbers compare by value across kinds: 1 == 1.0 == 1u.
    v = s_int (1);
    assert_int_equal (romi_slot_set (&slot, &v, NULL), ROM_OK);
    romi_variant_msg_t w = s_double (1.0);
    assert_true (romi_slot_equal (&slot, &w));
    w = s_uint (1);
    assert_true (romi_slot_equal (&slot, &w));
    w = s_double (1.5);
    assert_false (romi_slot_equal (&slot, &w));
    w = s_bool (true); // Python's True == 1
    assert_true (romi_slot_equal (&slot, &w));
    w = s_bool (false);
    assert_false (romi_slot_equal (&slot, &w));
    v = s_bool (false); // and False == 0.0, the other way round
    assert_int_equal (romi_slot_set (&slot, &v, NULL), ROM_OK);
    w = s_double (0.0);
    assert_true (romi_slot_equal (&slot, &w));
    w = s_int (1);
    assert_false (romi_slot_equal (&slot, &w));
    v = s_int (1);
    assert_int_equal (romi_slot_set (&slot, &v, NULL), ROM_OK);
    // -1 is not UINT64_MAX, though they share their bits.
    v = s_int (-1);
    romi_slot_set (&slot, &v, NULL);
    w = s_uint (UINT64_MAX);
    assert_false (romi_slot_equal (&slot, &w));
    // INT64_MAX is not 2^63 as a double, though the double rounds to it.
    v = s_int (INT64_MAX);
    romi_slot_set (&slot, &v, NULL);
    w = s_double (9223372036854775808.0);
    assert_false (romi_slot_equal (&slot, &w));
    // NaN equals nothing, itself included (Python's ==).
    v = s_double (NAN);
    romi_slot_set (&slot, &v, NULL);
    assert_false (romi_slot_equal (&slot, &v));
    // Strings by content, not by prefix.
    v = s_str ("abc");
    romi_slot_set (&slot, &v, NULL);
    w = s_str ("abc");
    assert_true (romi_slot_equal (&slot, &w));
    w = s_str ("ab");
    assert_false (romi_slot_equal (&slot, &w));
    w = s_str ("abcd");
    assert_false (romi_slot_equal (&slot, &w));
    romi_slot_clear (&slot);
}

static void
test_variant_kind_name (void **state)
{
    (void) state;
    romi_variant_msg_t v = s_int (1);
    assert_string_equal (romi_variant_kind_name (&v), "an int");
    v = s_str ("x");
    assert_string_equal (romi_variant_kind_name (&v), "a string");
    v = s_double (1);
    assert_string_equal (romi_variant_kind_name (&v), "a float");
    assert_string_equal (romi_variant_kind_name (NULL), "None");
}

// ---- keys and the ordered map -----------------------------------------------------------------------------

// The key of `v`, asserting it is accepted.
static romi_key_t
s_key (romi_variant_msg_t v)
{
    romi_key_t key;
    assert_int_equal (romi_key_from_variant (&v, &key, NULL), ROM_OK);
    return key;
}

// Two keys are one: equal both ways, with one hash.
static void
s_assert_same_key (romi_key_t a, romi_key_t b)
{
    assert_true (a.hash == b.hash);
    assert_true (romi_key_equal (&a.v, &b));
    assert_true (romi_key_equal (&b.v, &a));
}

static void
test_keys (void **state)
{
    (void) state;
    romi_key_t key;
    char buf[128];
    key = s_key (s_str ("name"));
    assert_int_equal (key.v.kind, KIND (STRING_VALUE));
    assert_int_equal (key.v.s.len, 4);
    assert_string_equal (romi_key_repr (&key, buf, sizeof buf), "'name'");
    s_assert_same_key (romi_key_from_string ("name"), key);
    key = s_key (s_int (-42));
    assert_string_equal (romi_key_repr (&key, buf, sizeof buf), "-42");

    // Python's hashable kinds, with Python's equality: 1 == 1u == 1.0 == True, one hash.
    s_assert_same_key (s_key (s_int (1)), s_key (s_uint (1)));
    s_assert_same_key (s_key (s_int (1)), s_key (s_double (1.0)));
    s_assert_same_key (s_key (s_int (1)), s_key (s_bool (true)));
    s_assert_same_key (s_key (s_int (0)), s_key (s_double (-0.0)));
    s_assert_same_key (s_key (s_int (0)), s_key (s_bool (false)));
    s_assert_same_key (s_key (s_int (INT64_MIN)), s_key (s_double (-9223372036854775808.0)));
    s_assert_same_key (s_key (s_uint ((uint64_t) 1 << 63)), s_key (s_double (9223372036854775808.0)));
    // All of uint64 is a key now (Python's ints are unbounded); -1 and 2^64-1 are two keys.
    romi_key_t minus_one = s_key (s_int (-1)), top = s_key (s_uint (UINT64_MAX));
    assert_false (romi_key_equal (&minus_one.v, &top));
    assert_string_equal (romi_key_repr (&top, buf, sizeof buf), "18446744073709551615");
    // Doubles that are not whole, or beyond uint64, equal only themselves.
    romi_key_t half = s_key (s_double (0.5)), zero = s_key (s_int (0));
    assert_false (romi_key_equal (&half.v, &zero));
    s_assert_same_key (half, s_key (s_double (0.5)));
    assert_string_equal (romi_key_repr (&half, buf, sizeof buf), "0.5");
    romi_key_t big = s_key (s_double (1e20));
    assert_false (romi_key_equal (&big.v, &top));
    // 2^53 + 1 is not the double 2^53 (the double cannot hold it): exact, not by rounding.
    romi_key_t exact = s_key (s_int (((int64_t) 1 << 53) + 1)),
               rounded = s_key (s_double (9007199254740992.0));
    assert_false (romi_key_equal (&exact.v, &rounded));
    // Every NaN is one key (documented in slot.h).
    s_assert_same_key (s_key (s_double (NAN)), s_key (s_double (-NAN)));
    key = s_key (s_double (NAN));
    assert_string_equal (romi_key_repr (&key, buf, sizeof buf), "nan");
    // None is a key; text and bytes of the same content are two keys.
    assert_int_equal (romi_key_from_variant (NULL, &key, NULL), ROM_OK);
    assert_string_equal (romi_key_repr (&key, buf, sizeof buf), "None");
    romi_variant_msg_t b = ROM__BUILTINS__VARIANT__INIT;
    b.kind_case = KIND (BYTES_VALUE);
    b.bytes_value.data = (uint8_t *) "a";
    b.bytes_value.len = 1;
    romi_key_t bytes = s_key (b), text = s_key (s_str ("a"));
    assert_false (romi_key_equal (&bytes.v, &text) || romi_key_equal (&text.v, &bytes));
    assert_string_equal (romi_key_repr (&bytes, buf, sizeof buf), "b'a'");
    key = s_key (s_bool (true));
    assert_string_equal (romi_key_repr (&key, buf, sizeof buf), "True");
    // An object reference is not: Python's TypeError "unhashable type".
    Rom__ObjectRef ref = ROM__OBJECT_REF__INIT;
    romi_variant_msg_t r = ROM__BUILTINS__VARIANT__INIT;
    r.kind_case = KIND (REF_VALUE);
    r.ref_value = &ref;
    assert_int_equal (romi_key_from_variant (&r, &key, NULL), ROM_WRONG_TYPE);

    // A long key is cut in a repr, and the repr never overflows its buffer.
    char longkey[200];
    memset (longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = 0;
    key = romi_key_from_string (longkey);
    const char *repr = romi_key_repr (&key, buf, sizeof buf);
    assert_true (strlen (repr) < sizeof buf);
    assert_non_null (strstr (repr, "...'"));
    char tiny[4];
    romi_key_repr (&key, tiny, sizeof tiny);
    assert_int_equal (strlen (tiny), 3);
}

// None is a key like any other, so a deleted entry is marked otherwise: None survives its neighbours'
// removal and a compaction, and an int found as 1.0 keeps the kind stored first.
static void
test_omap_none_key (void **state)
{
    (void) state;
    romi_omap_t map;
    romi_omap_init (&map);
    romi_key_t none;
    assert_int_equal (romi_key_from_variant (NULL, &none, NULL), ROM_OK);
    romi_omap_entry_t *e;
    assert_int_equal (romi_omap_insert (&map, &none, &e, NULL), ROM_OK);
    for (int64_t i = 0; i < 40; i++) {
        romi_key_t k = s_key (s_int (i));
        assert_int_equal (romi_omap_insert (&map, &k, &e, NULL), ROM_OK);
    }
    for (int64_t i = 0; i < 40; i++) {
        romi_key_t k = s_key (s_double ((double) i));
        e = romi_omap_find (&map, &k);
        assert_non_null (e);
        assert_int_equal (e->key.kind, KIND (INT_VALUE));
        if (i % 4)
            romi_omap_remove (&map, e, NULL);
    }
    for (int64_t i = 100; i < 140; i++) { // enough inserts to compact the holes away
        romi_key_t k = s_key (s_int (i));
        assert_int_equal (romi_omap_insert (&map, &k, &e, NULL), ROM_OK);
    }
    assert_non_null (romi_omap_find (&map, &none));
    size_t live = 0;
    ROM_OMAP_FOREACH (&map, it)
        live++;
    assert_int_equal (live, 1 + 10 + 40);
    assert_int_equal (map.live, live);
    romi_omap_clear (&map, NULL);
}

static romi_omap_entry_t *
s_put (romi_omap_t *map, romi_key_t key, int64_t value)
{
    romi_omap_entry_t *e = NULL;
    assert_null (romi_omap_find (map, &key));
    assert_int_equal (romi_omap_insert (map, &key, &e, NULL), ROM_OK);
    assert_non_null (e);
    assert_int_equal (e->value.kind, KIND (_NOT_SET)); // a new entry's value is None
    romi_variant_msg_t v = s_int (value);
    assert_int_equal (romi_slot_set (&e->value, &v, NULL), ROM_OK);
    return e;
}

static void
test_omap_basic (void **state)
{
    (void) state;
    romi_omap_t map;
    romi_omap_init (&map);
    romi_key_t missing = romi_key_from_string ("missing");
    assert_null (romi_omap_find (&map, &missing)); // empty: no index yet
    s_put (&map, romi_key_from_string ("a"), 1);
    romi_variant_msg_t k = s_int (7);
    romi_key_t seven;
    romi_key_from_variant (&k, &seven, NULL);
    s_put (&map, seven, 2);
    s_put (&map, romi_key_from_string ("7"), 3); // the string "7" is not the integer 7
    assert_int_equal (map.live, 3);
    romi_omap_entry_t *e = romi_omap_find (&map, &seven);
    assert_non_null (e);
    assert_int_equal (e->value.i, 2);
    romi_key_t s7 = romi_key_from_string ("7");
    assert_int_equal (romi_omap_find (&map, &s7)->value.i, 3);
    assert_null (romi_omap_find (&map, &missing));
    // Remove the middle one: the others stay reachable, insertion order holds.
    romi_omap_remove (&map, e, NULL);
    assert_null (romi_omap_find (&map, &seven));
    assert_int_equal (map.live, 2);
    int64_t order[2];
    size_t n = 0;
    ROM_OMAP_FOREACH (&map, it)
        order[n++] = it->value.i;
    assert_int_equal (n, 2);
    assert_int_equal (order[0], 1);
    assert_int_equal (order[1], 3);
    // Re-inserted, a key goes to the end.
    s_put (&map, seven, 4);
    n = 0;
    int64_t again[3];
    ROM_OMAP_FOREACH (&map, it)
        again[n++] = it->value.i;
    assert_int_equal (n, 3);
    assert_int_equal (again[2], 4);
    romi_omap_clear (&map, NULL);
    assert_int_equal (map.live, 0);
    assert_null (romi_omap_find (&map, &seven));
    romi_omap_clear (&map, NULL); // an empty map clears too
}

static void
test_omap_many (void **state)
{
    (void) state;
    romi_omap_t map;
    romi_omap_init (&map);
    enum { N = 5000 };
    for (int64_t i = 0; i < N; i++) {
        romi_variant_msg_t k = s_int (i);
        romi_key_t key;
        romi_key_from_variant (&k, &key, NULL);
        s_put (&map, key, i * 10);
    }
    // Delete most (the holes get compacted as entries are added again), then check every key.
    for (int64_t i = 0; i < N; i++) {
        if (i % 4 == 0)
            continue;
        romi_variant_msg_t k = s_int (i);
        romi_key_t key;
        romi_key_from_variant (&k, &key, NULL);
        romi_omap_entry_t *e = romi_omap_find (&map, &key);
        assert_non_null (e);
        romi_omap_remove (&map, e, NULL);
    }
    assert_int_equal (map.live, N / 4);
    for (int64_t i = N; i < 2 * N; i++) {
        char name[32];
        snprintf (name, sizeof name, "k%lld", (long long) i);
        romi_key_t key = romi_key_from_string (name); // borrowed only while inserting: the entry copies it
        s_put (&map, key, i);
    }
    for (int64_t i = 0; i < N; i++) {
        romi_variant_msg_t k = s_int (i);
        romi_key_t key;
        romi_key_from_variant (&k, &key, NULL);
        romi_omap_entry_t *e = romi_omap_find (&map, &key);
        if (i % 4 == 0) {
            assert_non_null (e);
            assert_int_equal (e->value.i, i * 10);
        } else
            assert_null (e);
    }
    for (int64_t i = N; i < 2 * N; i++) {
        char name[32];
        snprintf (name, sizeof name, "k%lld", (long long) i);
        romi_key_t key = romi_key_from_string (name);
        romi_omap_entry_t *e = romi_omap_find (&map, &key);
        assert_non_null (e);
        assert_int_equal (e->value.i, i);
    }
    // Order: the surviving integers first, ascending, then the strings.
    int64_t prev = -1;
    size_t n = 0;
    ROM_OMAP_FOREACH (&map, it) {
        bool is_str = it->key.kind == KIND (STRING_VALUE);
        assert_true (is_str == (n >= N / 4));
        int64_t at = is_str ? it->value.i : it->key.i;
        assert_true (is_str && n == N / 4 ? at == N : at > prev);
        prev = at;
        n++;
    }
    assert_int_equal (n, map.live);
    // Removing the last entry resets the map.
    while (map.live) {
        romi_omap_entry_t *first = NULL;
        ROM_OMAP_FOREACH (&map, it) {
            first = it;
            break;
        }
        romi_omap_remove (&map, first, NULL);
    }
    assert_int_equal (map.n_entries, 0);
    assert_null (map.entries);
    romi_omap_clear (&map, NULL);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_index_resolve), cmocka_unit_test (test_slice_resolve),
        cmocka_unit_test (test_typecodes),     cmocka_unit_test (test_scalar_ranges),
        cmocka_unit_test (test_scalar_export), cmocka_unit_test (test_slot_set_export),
        cmocka_unit_test (test_slot_equal),    cmocka_unit_test (test_variant_kind_name),
        cmocka_unit_test (test_keys),          cmocka_unit_test (test_omap_none_key),
        cmocka_unit_test (test_omap_basic),    cmocka_unit_test (test_omap_many),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
