// test_builtins_data.c: the data built-ins (Value, Array, Dict, List, Namespace) over a real server process,
// through the helpers of rom/rom_shared.h: every method, every error status with its text (wrong type, out
// of range, missing key, negative indexes, a failed compare-and-swap), forked children whose changes the
// parent sees, and atomic read-modify-write from several processes at once.
#include "rom_test_fixture.h"
#include "rom/builtins/value.rom.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

// The last failure's text contains `part`.
#define assert_errmsg(client, part)                                                                          \
    do {                                                                                                     \
        if (!strstr (rom_client_errmsg (client), (part)))                                                    \
            fail_msg ("errmsg \"%s\" lacks \"%s\"", rom_client_errmsg (client), (part));                     \
    } while (0)

#define assert_repr(call_with_text, expected)                                                                \
    do {                                                                                                     \
        char *text = NULL;                                                                                   \
        assert_int_equal (call_with_text, ROM_OK);                                                           \
        assert_string_equal (text, (expected));                                                              \
        free (text);                                                                                         \
    } while (0)

// --- Value -------------------------------------------------------------------------------------------------

static void
test_value_shared_with_a_child (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_value_t *num;
    assert_int_equal (rom_value_new (client, 'd', ROM_DOUBLE (10.0), &num), ROM_OK);
    double d = 0;
    assert_int_equal (rom_value_get_double (num, &d), ROM_OK);
    assert_true (d == 10.0);
    pid_t child = fork ();
    if (child == 0)
        _exit (rom_value_set_double (num, 10.78) == ROM_OK ? 0 : 1); // the proxy made before fork works
    assert_int_equal (rom_test_join (child), 0);
    assert_int_equal (rom_value_get_double (num, &d), ROM_OK);
    assert_true (d == 10.78);
    rom_variant_t v;
    assert_int_equal (rom_value_get (num, &v), ROM_OK);
    assert_int_equal (v.kind, ROM_KIND_DOUBLE);
    char *text = rom_variant_repr (&v);
    assert_string_equal (text, "10.78");
    free (text);
    char typecode = 0;
    assert_int_equal (rom_value_typecode (num, &typecode), ROM_OK);
    assert_int_equal (typecode, 'd');
    // An integer is a fine value for a 'd'; a string is not; get_int of a 'd' is refused locally.
    assert_int_equal (rom_value_set_int (num, 3), ROM_OK);
    assert_int_equal (rom_value_get_double (num, &d), ROM_OK);
    assert_true (d == 3.0);
    assert_int_equal (rom_value_set_str (num, "x"), ROM_WRONG_TYPE);
    assert_errmsg (client, "a string cannot be stored with typecode 'd'");
    int64_t i;
    assert_int_equal (rom_value_get_int (num, &i), ROM_WRONG_TYPE);
    assert_errmsg (client, ".Get: the value is a float, not an int"); // "rom.builtins.Value#<id>.Get: ..."
    rom_value_destroy (&num);
    assert_null (num);
    rom_value_destroy (&num); // accepts NULL
    rom_client_destroy (&client);
}

static void
test_value_typecodes_and_ranges (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_value_t *v;
    int64_t i;

    // Zero by default; each integer typecode holds exactly its C range.
    static const struct {
        char typecode;
        int64_t min, max;
    } ranges[] = {{'b', -128, 127},
                  {'h', -32768, 32767},
                  {'i', INT32_MIN, INT32_MAX},
                  {'l', INT64_MIN, INT64_MAX},
                  {'q', INT64_MIN, INT64_MAX},
                  {'B', 0, 255},
                  {'H', 0, 65535},
                  {'I', 0, UINT32_MAX}};
    for (size_t k = 0; k < sizeof ranges / sizeof *ranges; k++) {
        assert_int_equal (rom_value_new (client, ranges[k].typecode, ROM_NONE, &v), ROM_OK);
        assert_int_equal (rom_value_get_int (v, &i), ROM_OK);
        assert_int_equal (i, 0);
        assert_int_equal (rom_value_set_int (v, ranges[k].max), ROM_OK);
        assert_int_equal (rom_value_get_int (v, &i), ROM_OK);
        assert_true (i == ranges[k].max);
        assert_int_equal (rom_value_set_int (v, ranges[k].min), ROM_OK);
        if (ranges[k].max < INT64_MAX) {
            assert_int_equal (rom_value_set_int (v, ranges[k].max + 1), ROM_OUT_OF_RANGE);
            assert_errmsg (client, "out of range for typecode");
        }
        if (ranges[k].min > INT64_MIN)
            assert_int_equal (rom_value_set_int (v, ranges[k].min - 1), ROM_OUT_OF_RANGE);
        assert_int_equal (rom_value_get_int (v, &i), ROM_OK); // a refused set changes nothing
        assert_true (i == ranges[k].min);
        assert_int_equal (rom_value_set_double (v, 1.5), ROM_WRONG_TYPE);
        assert_errmsg (client, "a float cannot be stored with typecode");
        rom_value_destroy (&v);
    }
    assert_int_equal (rom_value_new (client, 'b', ROM_INT (300), &v), ROM_OUT_OF_RANGE);
    assert_null (v);
    assert_errmsg (client, "300 is out of range for typecode 'b' (-128 .. 127)");

    // 'Q' and 'L' hold all of uint64; get_int cannot.
    assert_int_equal (rom_value_new (client, 'Q', ROM_UINT (UINT64_MAX), &v), ROM_OK);
    rom_variant_t out;
    assert_int_equal (rom_value_get (v, &out), ROM_OK);
    assert_int_equal (out.kind, ROM_KIND_UINT);
    assert_true (out.u == UINT64_MAX);
    assert_int_equal (rom_value_get_int (v, &i), ROM_OUT_OF_RANGE);
    assert_int_equal (rom_value_set_int (v, -1), ROM_OUT_OF_RANGE);
    rom_value_destroy (&v);

    // 'f' rounds to a C float; 1e39 does not fit one.
    assert_int_equal (rom_value_new (client, 'f', ROM_DOUBLE (0.1), &v), ROM_OK);
    double d;
    assert_int_equal (rom_value_get_double (v, &d), ROM_OK);
    assert_true (d == (double) 0.1f);
    assert_int_equal (rom_value_set_double (v, 1e39), ROM_OUT_OF_RANGE);
    rom_value_destroy (&v);

    // '?' takes bools only; 's' strings; 'y' bytes.
    assert_int_equal (rom_value_new (client, '?', ROM_BOOL (true), &v), ROM_OK);
    assert_int_equal (rom_value_get (v, &out), ROM_OK);
    assert_true (out.kind == ROM_KIND_BOOL && out.b);
    assert_int_equal (rom_value_set_int (v, 1), ROM_WRONG_TYPE);
    rom_value_destroy (&v);
    assert_int_equal (rom_value_new (client, 's', ROM_NONE, &v), ROM_OK);
    char *s = NULL;
    assert_int_equal (rom_value_get_str (v, &s), ROM_OK);
    assert_string_equal (s, "");
    free (s);
    assert_int_equal (rom_value_set_str (v, "héllo"), ROM_OK);
    assert_int_equal (rom_value_get_str (v, &s), ROM_OK);
    assert_string_equal (s, "héllo");
    free (s);
    assert_int_equal (rom_value_set_int (v, 1), ROM_WRONG_TYPE);
    assert_errmsg (client, "an int cannot be stored with typecode 's'");
    rom_value_destroy (&v);
    assert_int_equal (rom_value_new (client, 'y', ROM_BYTES ("\0\1\2", 3), &v), ROM_OK);
    assert_int_equal (rom_value_get (v, &out), ROM_OK);
    assert_int_equal (out.kind, ROM_KIND_BYTES);
    assert_int_equal (out.size, 3);
    assert_memory_equal (out.data, "\0\1\2", 3);
    char *text = rom_variant_repr (&out);
    assert_string_equal (text, "b'\\x00\\x01\\x02'");
    free (text);
    rom_variant_clear (&out);
    assert_int_equal (rom_value_get_str (v, &s), ROM_WRONG_TYPE);
    assert_int_equal (rom_value_set_str (v, "text"), ROM_WRONG_TYPE);
    rom_value_destroy (&v);

    // Unknown typecodes are refused at creation.
    assert_int_equal (rom_value_new (client, 'z', ROM_NONE, &v), ROM_INVALID);
    assert_errmsg (client, "typecode");
    assert_int_equal (rom_value_new (client, 0, ROM_NONE, &v), ROM_INVALID);
    // A reference token that is not one.
    assert_int_equal (rom_value_new (client, 'i', ROM_REF ("no token"), &v), ROM_INVALID);
    rom_client_destroy (&client);
}

static void
test_value_add_and_cas (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_value_t *hits;
    assert_int_equal (rom_value_new (client, 'q', ROM_INT (0), &hits), ROM_OK);
    // Four processes: 200 Adds each, and 50 compare-and-swap increments each (retried on a lost race).
    enum { CHILDREN = 4, ADDS = 200, CASES = 50 };
    pid_t pids[CHILDREN];
    for (int c = 0; c < CHILDREN; c++) {
        pids[c] = fork ();
        if (pids[c] == 0) {
            int ok = 1;
            for (int k = 0; k < ADDS && ok; k++)
                ok = rom_value_add_int (hits, 1, NULL) == ROM_OK;
            for (int k = 0; k < CASES && ok; k++) {
                int64_t expected = 0;
                ok = rom_value_get_int (hits, &expected) == ROM_OK;
                bool swapped = false;
                while (ok && !swapped)
                    ok = rom_value_cas_int (hits, &expected, expected + 1, &swapped) == ROM_OK;
            }
            _exit (ok ? 0 : 1);
        }
    }
    for (int c = 0; c < CHILDREN; c++)
        assert_int_equal (rom_test_join (pids[c]), 0);
    int64_t total = 0;
    assert_int_equal (rom_value_get_int (hits, &total), ROM_OK);
    assert_int_equal (total, CHILDREN * (ADDS + CASES));

    // A failed swap is a result, not an error: the expected value is updated to the current one.
    int64_t expected = 5;
    bool swapped = true;
    assert_int_equal (rom_value_cas_int (hits, &expected, 7, &swapped), ROM_OK);
    assert_false (swapped);
    assert_int_equal (expected, total);
    assert_int_equal (rom_value_cas_int (hits, &expected, 7, &swapped), ROM_OK);
    assert_true (swapped);
    int64_t now = 0;
    assert_int_equal (rom_value_add_int (hits, -10, &now), ROM_OK);
    assert_int_equal (now, -3);
    // A desired value the typecode refuses fails the call (and swaps nothing).
    assert_int_equal (rom_value_cas (hits, ROM_INT (-3), ROM_STR ("x"), &swapped, NULL), ROM_WRONG_TYPE);
    assert_int_equal (rom_value_get_int (hits, &now), ROM_OK);
    assert_int_equal (now, -3);
    assert_int_equal (rom_value_add_double (hits, 0.5, NULL), ROM_WRONG_TYPE);
    assert_errmsg (client, "cannot add a float");
    rom_value_destroy (&hits);

    // Overflow of a narrow typecode is OUT_OF_RANGE and leaves the value as it was.
    rom_value_t *small;
    assert_int_equal (rom_value_new (client, 'b', ROM_INT (120), &small), ROM_OK);
    assert_int_equal (rom_value_add_int (small, 10, NULL), ROM_OUT_OF_RANGE);
    assert_int_equal (rom_value_get_int (small, &now), ROM_OK);
    assert_int_equal (now, 120);
    rom_value_destroy (&small);
    assert_int_equal (rom_value_new (client, 'q', ROM_INT (INT64_MAX), &small), ROM_OK);
    assert_int_equal (rom_value_add_int (small, 1, NULL), ROM_OUT_OF_RANGE);
    assert_errmsg (client, "leaves the range");
    rom_value_destroy (&small);

    // Doubles add; strings neither add nor mind a CAS on text.
    rom_value_t *d, *s;
    assert_int_equal (rom_value_new (client, 'd', ROM_DOUBLE (1.5), &d), ROM_OK);
    double dn = 0;
    assert_int_equal (rom_value_add_double (d, 2.25, &dn), ROM_OK);
    assert_true (dn == 3.75);
    assert_int_equal (rom_value_add_int (d, 1, NULL), ROM_OK); // an int adds to a 'd'
    assert_int_equal (rom_value_cas (d, ROM_INT (4), ROM_DOUBLE (0), &swapped, NULL), ROM_OK);
    assert_false (swapped); // 4.75 != 4
    assert_int_equal (rom_value_cas (d, ROM_DOUBLE (4.75), ROM_INT (2), &swapped, NULL), ROM_OK);
    assert_true (swapped);
    rom_value_destroy (&d);
    assert_int_equal (rom_value_new (client, 's', ROM_STR ("a"), &s), ROM_OK);
    assert_int_equal (rom_value_add_int (s, 1, NULL), ROM_WRONG_TYPE);
    rom_variant_t current;
    assert_int_equal (rom_value_cas (s, ROM_STR ("b"), ROM_STR ("c"), &swapped, &current), ROM_OK);
    assert_false (swapped);
    assert_string_equal (current.str, "a");
    rom_variant_clear (&current);
    assert_int_equal (rom_value_cas (s, ROM_STR ("a"), ROM_STR ("c"), &swapped, &current), ROM_OK);
    assert_true (swapped);
    assert_string_equal (current.str, "c");
    rom_variant_clear (&current);
    rom_value_destroy (&s);
    rom_client_destroy (&client);
}

// --- Array -------------------------------------------------------------------------------------------------

static void
test_array_changed_by_a_child (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_array_t *arr;
    const int64_t init[] = {1, 2, 3, 4, 5, 6};
    assert_int_equal (rom_array_new_ints (client, 'i', init, 6, &arr), ROM_OK);
    pid_t child = fork ();
    if (child == 0)
        _exit (rom_array_set_int (arr, 2, -110) == ROM_OK ? 0 : 1);
    assert_int_equal (rom_test_join (child), 0);
    assert_repr (rom_array_repr (arr, &text), "[1, 2, -110, 4, 5, 6]");
    size_t n = 0;
    assert_int_equal (rom_array_len (arr, &n), ROM_OK);
    assert_int_equal (n, 6);
    char typecode = 0;
    assert_int_equal (rom_array_typecode (arr, &typecode), ROM_OK);
    assert_int_equal (typecode, 'i');

    // Python's indexes: -1 is the last; 6 and -7 are outside.
    int64_t x = 0;
    assert_int_equal (rom_array_get_int (arr, -1, &x), ROM_OK);
    assert_int_equal (x, 6);
    assert_int_equal (rom_array_get_int (arr, -6, &x), ROM_OK);
    assert_int_equal (x, 1);
    assert_int_equal (rom_array_get_int (arr, 6, &x), ROM_OUT_OF_RANGE);
    assert_errmsg (client, "Array index 6 out of range (length 6)");
    assert_int_equal (rom_array_get_int (arr, -7, &x), ROM_OUT_OF_RANGE);
    assert_int_equal (rom_array_set_int (arr, 6, 0), ROM_OUT_OF_RANGE);
    assert_int_equal (rom_array_set_int (arr, -1, 60), ROM_OK);
    assert_int_equal (rom_array_set (arr, 0, ROM_STR ("x")), ROM_WRONG_TYPE);
    assert_errmsg (client, "a string cannot be stored with typecode 'i'");
    assert_int_equal (rom_array_set_int (arr, 0, (int64_t) INT32_MAX + 1), ROM_OUT_OF_RANGE);
    assert_int_equal (rom_array_set_double (arr, 0, 1.0), ROM_WRONG_TYPE);

    // Slices clamp like Python's and are never an error.
    int64_t *items = NULL;
    assert_int_equal (rom_array_get_ints (arr, 1, 3, &items, &n), ROM_OK);
    assert_int_equal (n, 2);
    assert_true (items[0] == 2 && items[1] == -110);
    free (items);
    assert_int_equal (rom_array_get_ints (arr, -2, ROM_SLICE_END, &items, &n), ROM_OK);
    assert_int_equal (n, 2);
    assert_true (items[0] == 5 && items[1] == 60);
    free (items);
    assert_int_equal (rom_array_get_ints (arr, 10, 20, &items, &n), ROM_OK);
    assert_int_equal (n, 0);
    assert_null (items);
    assert_int_equal (rom_array_get_ints (arr, 4, 1, &items, &n), ROM_OK);
    assert_int_equal (n, 0);

    // A slice assignment keeps the length, and is all or nothing.
    const int64_t two[] = {20, 30}, three[] = {7, 8, 9}, bad[] = {7, (int64_t) 1 << 40};
    assert_int_equal (rom_array_set_ints (arr, 1, 3, two, 2), ROM_OK);
    assert_int_equal (rom_array_set_ints (arr, 1, 3, three, 3), ROM_OUT_OF_RANGE);
    assert_errmsg (client, "holds 2 elements, not 3");
    assert_int_equal (rom_array_set_ints (arr, -2, ROM_SLICE_END, bad, 2), ROM_OUT_OF_RANGE);
    assert_errmsg (client, "Array[5]");
    assert_repr (rom_array_repr (arr, &text), "[1, 20, 30, 4, 5, 60]");
    const double half[] = {0.5, 1.5};
    assert_int_equal (rom_array_set_doubles (arr, 0, 2, half, 2), ROM_WRONG_TYPE);
    rom_array_destroy (&arr);
    assert_null (arr);
    rom_array_destroy (&arr);
    rom_client_destroy (&client);
}

static void
test_array_kinds (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_array_t *arr;
    // Array ('i', 5): zeros; Array ('d', ...) negated by a child, as in the seeds.
    assert_int_equal (rom_array_new (client, 'i', 5, &arr), ROM_OK);
    assert_repr (rom_array_repr (arr, &text), "[0, 0, 0, 0, 0]");
    rom_array_destroy (&arr);
    const double init[] = {0.0, 1.5, -2.25, 3.1415927};
    assert_int_equal (rom_array_new_doubles (client, 'd', init, 4, &arr), ROM_OK);
    pid_t child = fork ();
    if (child == 0) {
        double *items = NULL;
        size_t n = 0;
        int ok = rom_array_get_doubles (arr, 0, ROM_SLICE_END, &items, &n) == ROM_OK;
        for (size_t k = 0; ok && k < n; k++)
            items[k] = -items[k];
        ok = ok && rom_array_set_doubles (arr, 0, ROM_SLICE_END, items, n) == ROM_OK;
        free (items);
        _exit (ok ? 0 : 1);
    }
    assert_int_equal (rom_test_join (child), 0);
    assert_repr (rom_array_repr (arr, &text), "[-0.0, -1.5, 2.25, -3.1415927]");
    int64_t *ints = NULL;
    size_t n;
    assert_int_equal (rom_array_get_ints (arr, 0, 2, &ints, &n), ROM_WRONG_TYPE);
    assert_int_equal (rom_array_set_int (arr, 0, 7), ROM_OK); // ints are fine for a 'd'
    double d = 0;
    assert_int_equal (rom_array_get_double (arr, 0, &d), ROM_OK);
    assert_true (d == 7.0);
    rom_array_destroy (&arr);

    // Unsigned and bool arrays; ints given for an 'H' are range-checked.
    const int64_t big[] = {0, 65535};
    assert_int_equal (rom_array_new_ints (client, 'H', big, 2, &arr), ROM_OK);
    assert_int_equal (rom_array_set_int (arr, 0, -1), ROM_OUT_OF_RANGE);
    assert_int_equal (rom_array_set_int (arr, 0, 65536), ROM_OUT_OF_RANGE);
    assert_int_equal (rom_array_get_ints (arr, 0, ROM_SLICE_END, &ints, &n), ROM_OK);
    assert_true (n == 2 && ints[1] == 65535);
    free (ints);
    rom_array_destroy (&arr);
    const int64_t too_big[] = {256};
    assert_int_equal (rom_array_new_ints (client, 'B', too_big, 1, &arr), ROM_OUT_OF_RANGE);
    assert_int_equal (rom_array_new (client, '?', 3, &arr), ROM_OK);
    assert_int_equal (rom_array_set (arr, 1, ROM_BOOL (true)), ROM_OK);
    assert_int_equal (rom_array_set (arr, 2, ROM_INT (1)), ROM_WRONG_TYPE);
    assert_repr (rom_array_repr (arr, &text), "[False, True, False]");
    rom_array_destroy (&arr);
    // Text typecodes and unknown ones are not for arrays.
    assert_int_equal (rom_array_new (client, 's', 3, &arr), ROM_INVALID);
    assert_int_equal (rom_array_new (client, 'x', 3, &arr), ROM_INVALID);
    rom_client_destroy (&client);
}

// --- Dict --------------------------------------------------------------------------------------------------

static void
test_dict_methods (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_dict_t *d;
    assert_int_equal (rom_dict_new (client, &d), ROM_OK);
    assert_repr (rom_dict_repr (d, &text), "{}");
    pid_t child = fork ();
    if (child == 0) {
        int ok = rom_dict_set_str (d, "index1", "value1") == ROM_OK;
        ok &= rom_dict_set_str (d, "index2", "value2") == ROM_OK;
        ok &= rom_dict_set (d, ROM_INT (3), ROM_INT (103)) == ROM_OK;
        _exit (ok ? 0 : 1);
    }
    assert_int_equal (rom_test_join (child), 0);
    assert_repr (rom_dict_repr (d, &text), "{'index1': 'value1', 'index2': 'value2', 3: 103}");

    // get, get with a default, missing keys.
    char *s = NULL;
    assert_int_equal (rom_dict_get_str (d, "index1", &s), ROM_OK);
    assert_string_equal (s, "value1");
    free (s);
    int64_t i = 0;
    assert_int_equal (rom_dict_get_int (d, "nope", &i), ROM_NOT_FOUND);
    assert_errmsg (client, "no key 'nope'");
    rom_variant_t v;
    assert_int_equal (rom_dict_get (d, ROM_INT (4), &v), ROM_NOT_FOUND);
    assert_errmsg (client, "no key 4");
    assert_int_equal (rom_dict_get (d, ROM_UINT (3), &v), ROM_OK); // 3 and 3u are one key
    assert_true (v.kind == ROM_KIND_INT && v.i == 103);
    assert_int_equal (rom_dict_get_or (d, ROM_STR ("nope"), ROM_STR ("dflt"), &v), ROM_OK);
    assert_string_equal (v.str, "dflt");
    rom_variant_clear (&v);
    assert_int_equal (rom_dict_get_or (d, ROM_STR ("nope"), ROM_NONE, &v), ROM_OK);
    assert_int_equal (v.kind, ROM_KIND_NONE);
    assert_int_equal (rom_dict_get_int_or (d, "nope", 42, &i), ROM_OK);
    assert_int_equal (i, 42);
    assert_int_equal (rom_dict_get_int (d, "index1", &i), ROM_WRONG_TYPE);
    assert_errmsg (client, "rom.builtins.Dict#");
    assert_errmsg (client, ".Get: value of 'index1' is a string, not an int");

    // Keys are Python's hashable kinds, with Python's equality (True == 1 == 1.0, one key); a reference is
    // not one (TypeError: unhashable type). Tried on a second dict, so the checks below see only `d`.
    rom_dict_t *k;
    assert_int_equal (rom_dict_new (client, &k), ROM_OK);
    assert_int_equal (rom_dict_set (k, ROM_DOUBLE (1.5), ROM_STR ("float")), ROM_OK);
    assert_int_equal (rom_dict_set (k, ROM_INT (1), ROM_STR ("one")), ROM_OK);
    assert_int_equal (rom_dict_set (k, ROM_BOOL (true), ROM_STR ("true")), ROM_OK); // d[True] is d[1]
    assert_int_equal (rom_dict_set (k, ROM_NONE, ROM_STR ("none")), ROM_OK);
    assert_int_equal (rom_dict_set (k, ROM_UINT (UINT64_MAX), ROM_INT (1)), ROM_OK);
    assert_int_equal (rom_dict_set (k, ROM_BYTES ("b", 1), ROM_INT (2)), ROM_OK);
    assert_int_equal (rom_dict_get (k, ROM_DOUBLE (1.0), &v), ROM_OK);
    assert_string_equal (v.str, "true");
    rom_variant_clear (&v);
    assert_int_equal (rom_dict_get (k, ROM_DOUBLE (2.5), &v), ROM_NOT_FOUND);
    assert_errmsg (client, "no key 2.5");
    assert_repr (rom_dict_repr (k, &text),
                 "{1.5: 'float', 1: 'true', None: 'none', 18446744073709551615: 1, b'b': 2}");
    char *token = rom_proxy_to_token (rom_dict_proxy (k));
    assert_non_null (token);
    assert_int_equal (rom_dict_set (k, ROM_REF (token), ROM_INT (1)), ROM_WRONG_TYPE);
    assert_errmsg (client, "rom.builtins.Dict#");
    assert_errmsg (client, ".Set: unhashable type: an object reference");
    rom_dict_destroy (&k);

    // contains, len, delete.
    bool found = false;
    assert_int_equal (rom_dict_contains (d, ROM_STR ("index2"), &found), ROM_OK);
    assert_true (found);
    assert_int_equal (rom_dict_contains (d, ROM_STR ("index9"), &found), ROM_OK);
    assert_false (found);
    size_t n = 0;
    assert_int_equal (rom_dict_len (d, &n), ROM_OK);
    assert_int_equal (n, 3);
    assert_int_equal (rom_dict_delete (d, ROM_STR ("index2")), ROM_OK);
    assert_int_equal (rom_dict_delete (d, ROM_STR ("index2")), ROM_NOT_FOUND);
    assert_errmsg (client, "no key 'index2'");

    // keys, values, items in insertion order; a re-set key keeps its place.
    assert_int_equal (rom_dict_set_double (d, "pi", 3.5), ROM_OK);
    assert_int_equal (rom_dict_set_str (d, "index1", "again"), ROM_OK);
    rom_variant_t *keys = NULL, *values = NULL;
    assert_int_equal (rom_dict_keys (d, &keys, &n), ROM_OK);
    assert_int_equal (n, 3);
    assert_string_equal (keys[0].str, "index1");
    assert_int_equal (keys[1].i, 3);
    assert_string_equal (keys[2].str, "pi");
    rom_variants_free (&keys, n);
    assert_null (keys);
    assert_int_equal (rom_dict_values (d, &values, &n), ROM_OK);
    assert_string_equal (values[0].str, "again");
    assert_true (values[2].d == 3.5);
    rom_variants_free (&values, n);
    assert_int_equal (rom_dict_items (d, &keys, &values, &n), ROM_OK);
    assert_int_equal (n, 3);
    assert_int_equal (values[1].i, 103);
    rom_variants_free (&keys, n);
    rom_variants_free (&values, n);

    // update is all or nothing.
    rom_variant_t ukeys[] = {ROM_STR ("a"), ROM_INT (-1)}, uvalues[] = {ROM_INT (1), ROM_BOOL (false)};
    assert_int_equal (rom_dict_update (d, ukeys, uvalues, 2), ROM_OK);
    rom_variant_t bad_keys[] = {ROM_STR ("b"), ROM_REF (token)};
    assert_int_equal (rom_dict_update (d, bad_keys, uvalues, 2), ROM_WRONG_TYPE);
    free (token);
    assert_int_equal (rom_dict_contains (d, ROM_STR ("b"), &found), ROM_OK);
    assert_false (found);
    assert_repr (rom_dict_repr (d, &text), "{'index1': 'again', 3: 103, 'pi': 3.5, 'a': 1, -1: False}");

    // pop, setdefault.
    assert_int_equal (rom_dict_pop (d, ROM_STR ("index1"), &v), ROM_OK);
    assert_string_equal (v.str, "again");
    rom_variant_clear (&v);
    assert_int_equal (rom_dict_pop (d, ROM_STR ("index1"), &v), ROM_NOT_FOUND);
    assert_int_equal (rom_dict_pop_or (d, ROM_STR ("index1"), ROM_INT (0), &v), ROM_OK);
    assert_true (v.kind == ROM_KIND_INT && v.i == 0);
    assert_int_equal (rom_dict_setdefault (d, ROM_STR ("a"), ROM_INT (99), &v), ROM_OK);
    assert_int_equal (v.i, 1);
    assert_int_equal (rom_dict_setdefault (d, ROM_STR ("new"), ROM_STR ("fresh"), &v), ROM_OK);
    assert_string_equal (v.str, "fresh");
    rom_variant_clear (&v);
    assert_int_equal (rom_dict_setdefault (d, ROM_STR ("new2"), ROM_INT (2), NULL), ROM_OK);

    // increment: from 0 when missing; numbers only; no silent overflow.
    int64_t now = 0;
    assert_int_equal (rom_dict_incr_int (d, "count", 5, &now), ROM_OK);
    assert_int_equal (now, 5);
    assert_int_equal (rom_dict_incr_int (d, "count", -7, &now), ROM_OK);
    assert_int_equal (now, -2);
    assert_int_equal (rom_dict_incr_int (d, "new", 1, &now), ROM_WRONG_TYPE);
    assert_errmsg (client, "key 'new' holds a string, not a number");
    assert_int_equal (rom_dict_incr (d, ROM_STR ("count"), ROM_STR ("1"), NULL), ROM_WRONG_TYPE);
    assert_int_equal (rom_dict_set_int (d, "max", INT64_MAX), ROM_OK);
    assert_int_equal (rom_dict_incr_int (d, "max", 1, NULL), ROM_OUT_OF_RANGE);
    assert_int_equal (rom_dict_get_int (d, "max", &now), ROM_OK);
    assert_true (now == INT64_MAX);
    assert_int_equal (rom_dict_incr (d, ROM_STR ("count"), ROM_DOUBLE (0.5), &v), ROM_OK);
    assert_true (v.kind == ROM_KIND_DOUBLE && v.d == -1.5);
    double dv = 0;
    assert_int_equal (rom_dict_get_double (d, "count", &dv), ROM_OK);
    assert_true (dv == -1.5);

    assert_int_equal (rom_dict_clear (d), ROM_OK);
    assert_int_equal (rom_dict_len (d, &n), ROM_OK);
    assert_int_equal (n, 0);
    assert_int_equal (rom_dict_items (d, &keys, &values, &n), ROM_OK);
    assert_true (n == 0 && !keys && !values);
    rom_dict_destroy (&d);
    assert_null (d);
    rom_dict_destroy (&d);
    rom_client_destroy (&client);
}

static void
test_dict_many_keys_and_concurrent_increments (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_dict_t *d;
    assert_int_equal (rom_dict_new (client, &d), ROM_OK);
    // Enough keys to grow, compact and rebuild the index several times, with deletions in between.
    enum { N = 3000 };
    char key[32];
    for (int k = 0; k < N; k++) {
        snprintf (key, sizeof key, "k%d", k);
        assert_int_equal (rom_dict_set_int (d, key, k), ROM_OK);
        assert_int_equal (rom_dict_set (d, ROM_INT (k), ROM_INT (-k)), ROM_OK);
        if (k % 3 == 0) {
            snprintf (key, sizeof key, "k%d", k / 2);
            rom_dict_delete (d, ROM_STR (key)); // deletes some, misses those already gone
        }
    }
    size_t n = 0;
    assert_int_equal (rom_dict_len (d, &n), ROM_OK);
    rom_variant_t *keys = NULL;
    size_t n_keys = 0;
    assert_int_equal (rom_dict_keys (d, &keys, &n_keys), ROM_OK);
    assert_int_equal (n, n_keys);
    size_t strings = 0;
    for (size_t k = 0; k < n_keys; k++)
        strings += keys[k].kind == ROM_KIND_STR;
    assert_int_equal (n_keys - strings, N); // every integer key is there
    rom_variants_free (&keys, n_keys);
    bool deleted[N] = {false};
    for (int k = 0; k < N; k += 3)
        deleted[k / 2] = true;
    for (int k = 0; k < N; k++) {
        snprintf (key, sizeof key, "k%d", k);
        int64_t v = -1;
        assert_int_equal (rom_dict_get_int (d, key, &v), deleted[k] ? ROM_NOT_FOUND : ROM_OK);
        if (!deleted[k])
            assert_int_equal (v, k);
        assert_int_equal (rom_dict_get_int (d, "k-none", &v), ROM_NOT_FOUND);
        rom_variant_t iv;
        assert_int_equal (rom_dict_get (d, ROM_INT (k), &iv), ROM_OK);
        assert_int_equal (iv.i, -k);
    }
    assert_int_equal (rom_dict_clear (d), ROM_OK);

    // d["hits"] += 1 from four processes at once loses nothing.
    enum { CHILDREN = 4, INCRS = 250 };
    pid_t pids[CHILDREN];
    for (int c = 0; c < CHILDREN; c++) {
        pids[c] = fork ();
        if (pids[c] == 0) {
            int ok = 1;
            for (int k = 0; k < INCRS && ok; k++)
                ok = rom_dict_incr_int (d, "hits", 1, NULL) == ROM_OK;
            _exit (ok ? 0 : 1);
        }
    }
    for (int c = 0; c < CHILDREN; c++)
        assert_int_equal (rom_test_join (pids[c]), 0);
    int64_t hits = 0;
    assert_int_equal (rom_dict_get_int (d, "hits", &hits), ROM_OK);
    assert_int_equal (hits, CHILDREN * INCRS);
    rom_dict_destroy (&d);
    rom_client_destroy (&client);
}

static void
test_dict_holds_object_references (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_dict_t *d;
    rom_value_t *num;
    assert_int_equal (rom_dict_new (client, &d), ROM_OK);
    assert_int_equal (rom_value_new (client, 'i', ROM_INT (41), &num), ROM_OK);
    assert_int_equal (rom_dict_set_proxy (d, ROM_STR ("counter"), rom_value_proxy (num)), ROM_OK);
    rom_variant_t ref;
    assert_int_equal (rom_dict_get (d, ROM_STR ("counter"), &ref), ROM_OK);
    assert_int_equal (ref.kind, ROM_KIND_REF);
    char *text = rom_variant_repr (&ref);
    assert_non_null (strstr (text, "<rom.builtins.Value#"));
    free (text);
    // A child finds the Value through the Dict and changes it.
    pid_t child = fork ();
    if (child == 0) {
        rom_variant_t mine;
        Rom__Builtins__Value_Proxy *proxy = NULL;
        int ok = rom_dict_get (d, ROM_STR ("counter"), &mine) == ROM_OK;
        ok = ok && rom__builtins__value__rom_from_token (client, mine.str, &proxy) == ROM_OK;
        ok = ok && rom_value_add_int ((rom_value_t *) proxy, 1, NULL) == ROM_OK;
        _exit (ok ? 0 : 1);
    }
    assert_int_equal (rom_test_join (child), 0);
    int64_t now = 0;
    assert_int_equal (rom_value_get_int (num, &now), ROM_OK);
    assert_int_equal (now, 42);
    rom_variant_clear (&ref);
    // A malformed reference is refused before it is sent.
    assert_int_equal (rom_dict_set (d, ROM_STR ("x"), ROM_REF ("ipc:///nowhere#0#T")), ROM_INVALID);
    assert_int_equal (rom_dict_set_proxy (d, ROM_STR ("x"), NULL), ROM_INVALID);
    rom_value_destroy (&num);
    rom_dict_destroy (&d);
    rom_client_destroy (&client);
}

// A stored reference keeps its object alive (Python's proxy inside a managed dict): the Value outlives every
// proxy while a Dict, a List or a Namespace holds it, and dies when the last container lets go (delete,
// pop, clear, or the container's own death). Whether it lives is asked with a token of its own.
static bool
s_alive (rom_client_t *client, const char *token)
{
    rom_proxy_t *probe = NULL;
    rom_status_t status = rom_proxy_from_token (client, &rom__builtins__value__rom_type, token, &probe);
    rom_proxy_destroy (&probe);
    assert_true (status == ROM_OK || status == ROM_NO_OBJECT);
    return status == ROM_OK;
}

static void
test_containers_keep_referenced_objects_alive (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_value_t *num;
    assert_int_equal (rom_value_new (client, 'i', ROM_INT (7), &num), ROM_OK);
    char *token = rom_proxy_to_token (rom_value_proxy (num));
    rom_dict_t *d;
    rom_list_t *l;
    rom_namespace_t *ns;
    assert_int_equal (rom_dict_new (client, &d), ROM_OK);
    assert_int_equal (rom_list_new (client, &l), ROM_OK);
    assert_int_equal (rom_namespace_new (client, &ns), ROM_OK);
    assert_int_equal (rom_dict_set (d, ROM_STR ("a"), ROM_REF (token)), ROM_OK);
    assert_int_equal (rom_dict_set (d, ROM_STR ("b"), ROM_REF (token)), ROM_OK);
    assert_int_equal (rom_list_append (l, ROM_REF (token)), ROM_OK);
    assert_int_equal (rom_namespace_set (ns, "x", ROM_REF (token)), ROM_OK);
    rom_value_destroy (&num); // no proxy is left: the containers hold it
    assert_true (s_alive (client, token));

    // d.pop ("a") hands the reference out and lets go of it: the caller's reply still names a live object.
    rom_variant_t popped;
    assert_int_equal (rom_dict_pop (d, ROM_STR ("a"), &popped), ROM_OK);
    assert_int_equal (popped.kind, ROM_KIND_REF);
    rom_variant_clear (&popped);
    assert_int_equal (rom_dict_set (d, ROM_STR ("b"), ROM_INT (0)), ROM_OK); // overwritten
    assert_int_equal (rom_list_pop (l, -1, &popped), ROM_OK);
    rom_variant_clear (&popped);
    assert_true (s_alive (client, token)); // the Namespace still holds it
    assert_int_equal (rom_namespace_delete (ns, "x"), ROM_OK);
    assert_false (s_alive (client, token));

    // The container's death lets go too; a reference to nothing is refused when stored.
    assert_int_equal (rom_value_new (client, 'i', ROM_INT (8), &num), ROM_OK);
    free (token);
    token = rom_proxy_to_token (rom_value_proxy (num));
    assert_int_equal (rom_list_append (l, ROM_REF (token)), ROM_OK);
    rom_value_destroy (&num);
    assert_true (s_alive (client, token));
    rom_list_destroy (&l);
    assert_false (s_alive (client, token));
    assert_int_equal (rom_dict_set (d, ROM_STR ("ghost"), ROM_REF (token)), ROM_NO_OBJECT);
    free (token);
    rom_namespace_destroy (&ns);
    rom_dict_destroy (&d);
    rom_client_destroy (&client);
}

// --- List --------------------------------------------------------------------------------------------------

static void
test_list_methods (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_list_t *l;
    rom_variant_t range[5];
    for (int k = 0; k < 5; k++)
        range[k] = ROM_INT (k);
    assert_int_equal (rom_list_new_from (client, range, 5, &l), ROM_OK); // list (range (5))
    pid_t child = fork ();
    if (child == 0) {
        int ok = rom_list_append_int (l, 111) == ROM_OK;
        ok &= rom_list_append_int (l, 222) == ROM_OK;
        ok &= rom_list_append_int (l, 333) == ROM_OK;
        _exit (ok ? 0 : 1);
    }
    assert_int_equal (rom_test_join (child), 0);
    assert_repr (rom_list_repr (l, &text), "[0, 1, 2, 3, 4, 111, 222, 333]");

    // Negative indexes; outside is OUT_OF_RANGE.
    int64_t x = 0;
    assert_int_equal (rom_list_get_int (l, -1, &x), ROM_OK);
    assert_int_equal (x, 333);
    assert_int_equal (rom_list_get_int (l, -8, &x), ROM_OK);
    assert_int_equal (x, 0);
    assert_int_equal (rom_list_get_int (l, 8, &x), ROM_OUT_OF_RANGE);
    assert_errmsg (client, "List index 8 out of range (length 8)");
    assert_int_equal (rom_list_get_int (l, -9, &x), ROM_OUT_OF_RANGE);
    assert_int_equal (rom_list_set (l, 8, ROM_INT (0)), ROM_OUT_OF_RANGE);
    assert_int_equal (rom_list_delete (l, -9), ROM_OUT_OF_RANGE);
    assert_int_equal (rom_list_set (l, -1, ROM_STR ("three")), ROM_OK);
    assert_int_equal (rom_list_get_int (l, -1, &x), ROM_WRONG_TYPE);
    assert_errmsg (client, "rom.builtins.List#");
    assert_errmsg (client, ".Get: the item is a string, not an int");
    char *s = NULL;
    assert_int_equal (rom_list_get_str (l, 7, &s), ROM_OK);
    assert_string_equal (s, "three");
    free (s);

    // insert clamps; delete; pop.
    assert_int_equal (rom_list_insert (l, 0, ROM_STR ("first")), ROM_OK);
    assert_int_equal (rom_list_insert (l, 100, ROM_STR ("last")), ROM_OK);
    assert_int_equal (rom_list_insert (l, -100, ROM_NONE), ROM_OK);
    assert_int_equal (rom_list_insert (l, -1, ROM_BOOL (true)), ROM_OK);
    assert_repr (rom_list_repr (l, &text), "[None, 'first', 0, 1, 2, 3, 4, 111, 222, 'three', True, 'last']");
    assert_int_equal (rom_list_delete (l, 0), ROM_OK);
    assert_int_equal (rom_list_delete (l, -2), ROM_OK);
    rom_variant_t v;
    assert_int_equal (rom_list_pop (l, -1, &v), ROM_OK);
    assert_string_equal (v.str, "last");
    rom_variant_clear (&v);
    assert_int_equal (rom_list_pop (l, 0, &v), ROM_OK);
    assert_string_equal (v.str, "first");
    rom_variant_clear (&v);
    assert_int_equal (rom_list_pop (l, 50, &v), ROM_OUT_OF_RANGE);
    assert_int_equal (rom_list_pop (l, 1, NULL), ROM_OK); // drops 1
    size_t n = 0;
    assert_int_equal (rom_list_len (l, &n), ROM_OK);
    assert_int_equal (n, 7);

    // slices clamp; index and remove compare numbers by value.
    rom_variant_t *items = NULL;
    assert_int_equal (rom_list_slice (l, 1, 3, &items, &n), ROM_OK);
    assert_int_equal (n, 2);
    assert_true (items[0].i == 2 && items[1].i == 3);
    rom_variants_free (&items, n);
    assert_int_equal (rom_list_slice (l, -2, ROM_SLICE_END, &items, &n), ROM_OK);
    assert_int_equal (n, 2);
    assert_string_equal (items[1].str, "three");
    rom_variants_free (&items, n);
    assert_int_equal (rom_list_slice (l, 5, 2, &items, &n), ROM_OK);
    assert_true (n == 0 && !items);
    size_t pos = 0;
    assert_int_equal (rom_list_index (l, ROM_DOUBLE (3.0), &pos), ROM_OK);
    assert_int_equal (pos, 2);
    assert_int_equal (rom_list_index (l, ROM_STR ("three"), &pos), ROM_OK);
    assert_int_equal (pos, 6);
    assert_int_equal (rom_list_index (l, ROM_INT (12345), &pos), ROM_NOT_FOUND);
    assert_errmsg (client, "is not in the List");
    assert_int_equal (rom_list_remove (l, ROM_UINT (111)), ROM_OK);
    assert_int_equal (rom_list_remove (l, ROM_INT (111)), ROM_NOT_FOUND);
    assert_repr (rom_list_repr (l, &text), "[0, 2, 3, 4, 222, 'three']");

    // extend with every kind; typed appends; clear; pop from empty.
    rom_variant_t more[] = {ROM_DOUBLE (2.5), ROM_BYTES ("\xff", 1), ROM_UINT (7), ROM_STR ("it's")};
    assert_int_equal (rom_list_extend (l, more, 4), ROM_OK);
    assert_int_equal (rom_list_append_double (l, 0.1), ROM_OK);
    assert_int_equal (rom_list_append_str (l, "z"), ROM_OK);
    assert_repr (rom_list_repr (l, &text),
                 "[0, 2, 3, 4, 222, 'three', 2.5, b'\\xff', 7, \"it's\", 0.1, 'z']");
    double dv = 0;
    assert_int_equal (rom_list_get_double (l, 6, &dv), ROM_OK);
    assert_true (dv == 2.5);
    assert_int_equal (rom_list_clear (l), ROM_OK);
    assert_int_equal (rom_list_pop (l, -1, &v), ROM_OUT_OF_RANGE);
    assert_errmsg (client, "pop from an empty List");
    assert_int_equal (rom_list_get (l, 0, &v), ROM_OUT_OF_RANGE);
    assert_repr (rom_list_repr (l, &text), "[]");
    rom_list_destroy (&l);
    assert_null (l);
    rom_list_destroy (&l);

    assert_int_equal (rom_list_new (client, &l), ROM_OK);
    assert_int_equal (rom_list_append (l, ROM_STR (NULL)), ROM_INVALID); // checked before sending
    rom_list_destroy (&l);
    rom_client_destroy (&client);
}

// --- Namespace ---------------------------------------------------------------------------------------------

static void
test_namespace_methods (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_namespace_t *ns;
    assert_int_equal (rom_namespace_new (client, &ns), ROM_OK);
    assert_repr (rom_namespace_repr (ns, &text), "Namespace()");
    pid_t child = fork ();
    if (child == 0) {
        int ok = rom_namespace_set_int (ns, "x", 1) == ROM_OK;
        ok &= rom_namespace_set_str (ns, "name", "a") == ROM_OK;
        ok &= rom_namespace_set_double (ns, "ratio", 0.25) == ROM_OK;
        _exit (ok ? 0 : 1);
    }
    assert_int_equal (rom_test_join (child), 0);
    assert_repr (rom_namespace_repr (ns, &text), "Namespace(name='a', ratio=0.25, x=1)");
    int64_t x = 0;
    assert_int_equal (rom_namespace_get_int (ns, "x", &x), ROM_OK);
    assert_int_equal (x, 1);
    double d = 0;
    assert_int_equal (rom_namespace_get_double (ns, "ratio", &d), ROM_OK);
    assert_true (d == 0.25);
    char *s = NULL;
    assert_int_equal (rom_namespace_get_str (ns, "name", &s), ROM_OK);
    assert_string_equal (s, "a");
    free (s);
    assert_int_equal (rom_namespace_get_int (ns, "name", &x), ROM_WRONG_TYPE);
    assert_int_equal (rom_namespace_get_int (ns, "missing", &x), ROM_NOT_FOUND);
    assert_errmsg (client, "Namespace has no attribute 'missing'");
    assert_int_equal (rom_namespace_set (ns, "x", ROM_BOOL (false)), ROM_OK);
    assert_int_equal (rom_namespace_delete (ns, "name"), ROM_OK);
    assert_int_equal (rom_namespace_delete (ns, "name"), ROM_NOT_FOUND);
    assert_int_equal (rom_namespace_set (ns, "", ROM_INT (1)), ROM_INVALID);
    char **names = NULL;
    rom_variant_t *values = NULL;
    size_t n = 0;
    assert_int_equal (rom_namespace_list (ns, &names, &values, &n), ROM_OK);
    assert_int_equal (n, 2);
    assert_string_equal (names[0], "x");
    assert_true (values[0].kind == ROM_KIND_BOOL && !values[0].b);
    assert_string_equal (names[1], "ratio");
    for (size_t k = 0; k < n; k++)
        free (names[k]);
    free (names);
    rom_variants_free (&values, n);
    rom_namespace_destroy (&ns);
    assert_null (ns);
    rom_namespace_destroy (&ns);
    rom_client_destroy (&client);
}

// --- repr, as Python prints --------------------------------------------------------------------------------

static void
test_variant_repr (void **state)
{
    (void) state;
    static const struct {
        double d;
        const char *text;
    } doubles[] = {{10.0, "10.0"},
                   {10.78, "10.78"},
                   {3.1415927, "3.1415927"},
                   {0.1, "0.1"},
                   {-0.0, "-0.0"},
                   {1e16, "1e+16"},
                   {123456789012345.0, "123456789012345.0"},
                   {1.5e-5, "1.5e-05"},
                   {0.0001, "0.0001"},
                   {1.0 / 3, "0.3333333333333333"}};
    for (size_t k = 0; k < sizeof doubles / sizeof *doubles; k++) {
        rom_variant_t v = ROM_DOUBLE (doubles[k].d);
        char *text = rom_variant_repr (&v);
        assert_string_equal (text, doubles[k].text);
        free (text);
    }
    rom_variant_t quoted = ROM_STR ("a'b\"c\n");
    char *text = rom_variant_repr (&quoted);
    assert_string_equal (text, "'a\\'b\"c\\n'");
    free (text);
    rom_variant_t none = ROM_NONE, minus = ROM_INT (-5);
    text = rom_variant_repr (&none);
    assert_string_equal (text, "None");
    free (text);
    text = rom_variant_repr (&minus);
    assert_string_equal (text, "-5");
    free (text);
    rom_variant_clear (NULL);
    rom_variants_free (NULL, 3);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_value_shared_with_a_child),
        cmocka_unit_test (test_value_typecodes_and_ranges),
        cmocka_unit_test (test_value_add_and_cas),
        cmocka_unit_test (test_array_changed_by_a_child),
        cmocka_unit_test (test_array_kinds),
        cmocka_unit_test (test_dict_methods),
        cmocka_unit_test (test_dict_many_keys_and_concurrent_increments),
        cmocka_unit_test (test_dict_holds_object_references),
        cmocka_unit_test (test_containers_keep_referenced_objects_alive),
        cmocka_unit_test (test_list_methods),
        cmocka_unit_test (test_namespace_methods),
        cmocka_unit_test (test_variant_repr),
    };
    return cmocka_run_group_tests (tests, rom_test_group_setup, rom_test_group_teardown);
}
