// test_builtins_set.c: the Set built-in over a real server process, through the helpers of rom/rom_shared.h:
// every helper, Python's element equality (1 == 1.0 == True, str vs bytes, None, NaN), a refused reference
// and all-or-nothing updates, error texts naming "rom.builtins.Set#<id>.<Method>", iteration in chunks with
// ROM_CHANGED when another process modifies the set between chunks, exact totals from processes adding and
// popping at once, and misuse (ROM_INVALID).
#include "rom_test_fixture.h"

#include <inttypes.h>
#include <math.h>
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

#define assert_repr(set, expected)                                                                           \
    do {                                                                                                     \
        char *text = NULL;                                                                                   \
        assert_int_equal (rom_set_repr ((set), &text), ROM_OK);                                              \
        assert_string_equal (text, (expected));                                                              \
        free (text);                                                                                         \
    } while (0)

#define N_OF(a) (sizeof (a) / sizeof *(a))

// "rom.builtins.Set#<id>.<method>: <why>", the text a failure of `method` on `set` must carry.
static void
s_assert_failure_text (rom_client_t *client, rom_set_t *set, const char *method, const char *why)
{
    char expected[256];
    snprintf (expected, sizeof expected, "rom.builtins.Set#%" PRIu64 ".%s: %s",
              rom_proxy_id (rom_set_proxy (set)), method, why);
    assert_errmsg (client, expected);
}

static size_t
s_len (rom_set_t *set)
{
    size_t n = 999999;
    assert_int_equal (rom_set_len (set, &n), ROM_OK);
    return n;
}

static bool
s_has (rom_set_t *set, rom_variant_t v)
{
    bool found = false;
    assert_int_equal (rom_set_contains (set, v, &found), ROM_OK);
    return found;
}

// The strings of a plain result, sorted and joined with ',' (results come in no promised order).
static char *
s_joined (rom_variant_t *items, size_t n)
{
    char *parts[64];
    assert_true (n <= N_OF (parts));
    for (size_t i = 0; i < n; i++) {
        assert_int_equal (items[i].kind, ROM_KIND_STR);
        parts[i] = items[i].str;
    }
    for (size_t i = 1; i < n; i++) // insertion sort: a handful of items
        for (size_t j = i; j > 0 && strcmp (parts[j - 1], parts[j]) > 0; j--) {
            char *t = parts[j];
            parts[j] = parts[j - 1];
            parts[j - 1] = t;
        }
    char *text = calloc (1, 64 * 8);
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat (text, ",");
        strncat (text, parts[i], 7);
    }
    return text;
}

// The set's elements (all strings) as s_joined () gives them.
#define assert_elements(set, expected)                                                                       \
    do {                                                                                                     \
        rom_variant_t *items_ = NULL;                                                                        \
        size_t n_ = 0;                                                                                       \
        assert_int_equal (rom_set_items ((set), &items_, &n_), ROM_OK);                                      \
        char *text_ = s_joined (items_, n_);                                                                 \
        assert_string_equal (text_, (expected));                                                             \
        free (text_);                                                                                        \
        rom_variants_free (&items_, n_);                                                                     \
    } while (0)

// A plain result (all strings) as s_joined () gives them.
#define assert_result(call, expected)                                                                        \
    do {                                                                                                     \
        rom_variant_t *out_ = NULL;                                                                          \
        size_t n_out_ = 0;                                                                                   \
        assert_int_equal (call, ROM_OK);                                                                     \
        char *text_ = s_joined (out_, n_out_);                                                               \
        assert_string_equal (text_, (expected));                                                             \
        free (text_);                                                                                        \
        rom_variants_free (&out_, n_out_);                                                                   \
    } while (0)

static const rom_variant_t s_abc[] = {ROM_STR ("a"), ROM_STR ("b"), ROM_STR ("c")};
static const rom_variant_t s_bcd[] = {ROM_STR ("b"), ROM_STR ("c"), ROM_STR ("d")};

static void
test_set_basic_methods (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_set_t *s;
    assert_int_equal (rom_set_new (client, &s), ROM_OK);
    assert_repr (s, "set()");
    assert_int_equal (s_len (s), 0);

    // A child's adds are the parent's too.
    pid_t child = fork ();
    if (child == 0) {
        int ok = rom_set_add_int (s, 1) == ROM_OK;
        ok &= rom_set_add_str (s, "a") == ROM_OK;
        ok &= rom_set_add (s, ROM_INT (1)) == ROM_OK; // present: nothing happens
        _exit (ok ? 0 : 1);
    }
    assert_int_equal (rom_test_join (child), 0);
    assert_repr (s, "{1, 'a'}");
    assert_int_equal (s_len (s), 2);

    bool found = false;
    assert_int_equal (rom_set_contains_int (s, 1, &found), ROM_OK);
    assert_true (found);
    assert_int_equal (rom_set_contains_str (s, "a", &found), ROM_OK);
    assert_true (found);
    assert_int_equal (rom_set_contains_str (s, "b", &found), ROM_OK);
    assert_false (found);
    assert_int_equal (rom_set_contains_int (s, 2, &found), ROM_OK);
    assert_false (found);

    // discard: silent when missing; remove: KeyError.
    assert_int_equal (rom_set_discard_int (s, 7), ROM_OK);
    assert_int_equal (rom_set_discard_str (s, "zz"), ROM_OK);
    assert_int_equal (rom_set_remove_str (s, "x"), ROM_NOT_FOUND);
    s_assert_failure_text (client, s, "Remove", "no element 'x'");
    assert_int_equal (rom_set_remove_int (s, 42), ROM_NOT_FOUND);
    s_assert_failure_text (client, s, "Remove", "no element 42");
    assert_int_equal (rom_set_remove (s, ROM_DOUBLE (2.5)), ROM_NOT_FOUND);
    s_assert_failure_text (client, s, "Remove", "no element 2.5");
    assert_int_equal (rom_set_remove_str (s, "a"), ROM_OK);
    assert_int_equal (rom_set_discard_int (s, 1), ROM_OK);
    assert_int_equal (s_len (s), 0);
    assert_int_equal (rom_set_add (s, ROM_STR ("back")), ROM_OK);
    assert_int_equal (rom_set_discard (s, ROM_STR ("back")), ROM_OK);
    assert_false (s_has (s, ROM_STR ("back")));

    // pop: every element once, then KeyError.
    rom_variant_t three[] = {ROM_INT (10), ROM_STR ("x"), ROM_NONE};
    assert_int_equal (rom_set_update (s, three, N_OF (three)), ROM_OK);
    bool seen[3] = {false};
    for (int k = 0; k < 3; k++) {
        rom_variant_t v = ROM_INT (-1);
        assert_int_equal (rom_set_pop (s, &v), ROM_OK);
        int which = v.kind == ROM_KIND_INT && v.i == 10              ? 0
                    : v.kind == ROM_KIND_STR && !strcmp (v.str, "x") ? 1
                    : v.kind == ROM_KIND_NONE                        ? 2
                                                                     : -1;
        assert_true (which >= 0 && !seen[which]);
        seen[which] = true;
        assert_false (s_has (s, v));
        rom_variant_clear (&v);
    }
    rom_variant_t untouched = ROM_INT (77);
    assert_int_equal (rom_set_pop (s, &untouched), ROM_NOT_FOUND);
    s_assert_failure_text (client, s, "Pop", "pop from an empty set");
    assert_true (untouched.kind == ROM_KIND_INT && untouched.i == 77); // filled only on success

    // copy and items: plain snapshots; clear.
    assert_int_equal (rom_set_update (s, s_abc, N_OF (s_abc)), ROM_OK);
    assert_result (rom_set_copy (s, &out_, &n_out_), "a,b,c");
    assert_elements (s, "a,b,c");
    assert_int_equal (rom_set_clear (s), ROM_OK);
    assert_int_equal (s_len (s), 0);
    rom_variant_t *items = (rom_variant_t *) 1;
    size_t n = 5;
    assert_int_equal (rom_set_items (s, &items, &n), ROM_OK);
    assert_true (n == 0 && items == NULL);
    assert_int_equal (rom_set_clear (s), ROM_OK); // clearing an empty set is fine

    // set (items): duplicates once.
    rom_set_t *t;
    rom_variant_t dup[] = {ROM_STR ("a"), ROM_STR ("b"), ROM_STR ("a")};
    assert_int_equal (rom_set_new_from (client, dup, N_OF (dup), &t), ROM_OK);
    assert_elements (t, "a,b");
    rom_set_destroy (&t);
    assert_null (t);
    rom_set_destroy (&t); // accepts a pointer to NULL
    rom_set_destroy (NULL);
    rom_set_destroy (&s);
    rom_client_destroy (&client);
}

static void
test_set_python_equality (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_set_t *s;
    assert_int_equal (rom_set_new (client, &s), ROM_OK);
    // 1 == 1.0 == True == 1u: one element, the first kept ({1, 1.0, True} is {1} in Python).
    assert_int_equal (rom_set_add_int (s, 1), ROM_OK);
    assert_int_equal (rom_set_add (s, ROM_DOUBLE (1.0)), ROM_OK);
    assert_int_equal (rom_set_add (s, ROM_BOOL (true)), ROM_OK);
    assert_int_equal (rom_set_add (s, ROM_UINT (1)), ROM_OK);
    assert_int_equal (s_len (s), 1);
    assert_repr (s, "{1}");
    assert_true (s_has (s, ROM_BOOL (true)) && s_has (s, ROM_DOUBLE (1.0)));
    // Removing by another kind of the same number removes it.
    assert_int_equal (rom_set_remove (s, ROM_DOUBLE (1.0)), ROM_OK);
    assert_int_equal (s_len (s), 0);
    // The first kept, whichever kind it is: {True, 1} is {True}.
    assert_int_equal (rom_set_add (s, ROM_BOOL (true)), ROM_OK);
    assert_int_equal (rom_set_add_int (s, 1), ROM_OK);
    assert_repr (s, "{True}");
    // False == 0 == 0.0 == -0.0; 0.5 is no integer.
    assert_int_equal (rom_set_add (s, ROM_BOOL (false)), ROM_OK);
    assert_int_equal (rom_set_add (s, ROM_DOUBLE (-0.0)), ROM_OK);
    assert_int_equal (rom_set_add (s, ROM_DOUBLE (0.5)), ROM_OK);
    assert_repr (s, "{True, False, 0.5}");
    assert_int_equal (rom_set_clear (s), ROM_OK);

    // Text and bytes of the same content are two elements; None is one.
    assert_int_equal (rom_set_add_str (s, "a"), ROM_OK);
    assert_int_equal (rom_set_add (s, ROM_BYTES ("a", 1)), ROM_OK);
    assert_int_equal (rom_set_add (s, ROM_NONE), ROM_OK);
    assert_int_equal (rom_set_add (s, ROM_NONE), ROM_OK);
    assert_int_equal (rom_set_add (s, ROM_BYTES ("", 0)), ROM_OK);
    assert_int_equal (rom_set_add_str (s, ""), ROM_OK);
    assert_repr (s, "{'a', b'a', None, b'', ''}");
    assert_int_equal (rom_set_remove (s, ROM_BYTES ("a", 1)), ROM_OK);
    assert_true (s_has (s, ROM_STR ("a")));
    assert_false (s_has (s, ROM_BYTES ("a", 1)));
    assert_int_equal (rom_set_clear (s), ROM_OK);

    // Integers exactly: -1 and 2^64-1 are two; 2^53 + 1 is not the double 2^53; 2^63 as a double is 2^63u.
    assert_int_equal (rom_set_add_int (s, -1), ROM_OK);
    assert_int_equal (rom_set_add (s, ROM_UINT (UINT64_MAX)), ROM_OK);
    assert_int_equal (rom_set_add_int (s, (INT64_C (1) << 53) + 1), ROM_OK);
    assert_int_equal (s_len (s), 3);
    assert_false (s_has (s, ROM_DOUBLE (9007199254740992.0)));
    assert_int_equal (rom_set_add (s, ROM_UINT (UINT64_C (1) << 63)), ROM_OK);
    assert_true (s_has (s, ROM_DOUBLE (9223372036854775808.0)));
    assert_repr (s, "{-1, 18446744073709551615, 9007199254740993, 9223372036854775808}");
    assert_int_equal (rom_set_clear (s), ROM_OK);

    // NaN: every NaN is one element, found and removed again (documented: Python's manager could not).
    assert_int_equal (rom_set_add (s, ROM_DOUBLE (NAN)), ROM_OK);
    assert_int_equal (rom_set_add (s, ROM_DOUBLE (-NAN)), ROM_OK);
    assert_int_equal (s_len (s), 1);
    assert_true (s_has (s, ROM_DOUBLE (NAN)));
    assert_repr (s, "{nan}");
    assert_int_equal (rom_set_remove (s, ROM_DOUBLE (NAN)), ROM_OK);
    assert_int_equal (rom_set_add (s, ROM_DOUBLE (INFINITY)), ROM_OK);
    assert_false (s_has (s, ROM_UINT (UINT64_MAX)));
    assert_repr (s, "{inf}");
    rom_set_destroy (&s);
    rom_client_destroy (&client);
}

static void
test_set_refuses_references_all_or_nothing (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_set_t *s;
    assert_int_equal (rom_set_new_from (client, s_abc, N_OF (s_abc), &s), ROM_OK);
    char *token = rom_proxy_to_token (rom_set_proxy (s)); // a reference: unhashable
    assert_non_null (token);

    assert_int_equal (rom_set_add (s, ROM_REF (token)), ROM_WRONG_TYPE);
    s_assert_failure_text (client, s, "Add", "unhashable type: an object reference");
    bool found = true;
    assert_int_equal (rom_set_contains (s, ROM_REF (token), &found), ROM_WRONG_TYPE);
    assert_true (found); // untouched on failure
    assert_int_equal (rom_set_discard (s, ROM_REF (token)), ROM_WRONG_TYPE);
    assert_int_equal (rom_set_remove (s, ROM_REF (token)), ROM_WRONG_TYPE);

    // Each update checks every item first: the good items before the bad one are not applied either.
    rom_variant_t bad[] = {ROM_STR ("a"), ROM_STR ("z"), ROM_REF (token)};
    assert_int_equal (rom_set_update (s, bad, N_OF (bad)), ROM_WRONG_TYPE);
    s_assert_failure_text (client, s, "Update", "unhashable type");
    assert_int_equal (rom_set_difference_update (s, bad, N_OF (bad)), ROM_WRONG_TYPE);
    s_assert_failure_text (client, s, "DifferenceUpdate", "unhashable type");
    assert_int_equal (rom_set_intersection_update (s, bad, N_OF (bad)), ROM_WRONG_TYPE);
    assert_int_equal (rom_set_symmetric_difference_update (s, bad, N_OF (bad)), ROM_WRONG_TYPE);
    assert_elements (s, "a,b,c");

    // So do the plain results and the comparisons, whose outputs stay untouched.
    rom_variant_t *out = NULL;
    size_t n_out = 3;
    assert_int_equal (rom_set_union (s, bad, N_OF (bad), &out, &n_out), ROM_WRONG_TYPE);
    s_assert_failure_text (client, s, "UnionWith", "unhashable type");
    assert_int_equal (rom_set_intersection (s, bad, N_OF (bad), &out, &n_out), ROM_WRONG_TYPE);
    assert_int_equal (rom_set_difference (s, bad, N_OF (bad), &out, &n_out), ROM_WRONG_TYPE);
    assert_int_equal (rom_set_symmetric_difference (s, bad, N_OF (bad), &out, &n_out), ROM_WRONG_TYPE);
    assert_true (out == NULL && n_out == 3);
    bool result = true;
    assert_int_equal (rom_set_isdisjoint (s, bad, N_OF (bad), &result), ROM_WRONG_TYPE);
    assert_int_equal (rom_set_issubset (s, bad, N_OF (bad), &result), ROM_WRONG_TYPE);
    assert_int_equal (rom_set_issuperset (s, bad, N_OF (bad), &result), ROM_WRONG_TYPE);
    assert_true (result);

    // A new set of them is refused whole: no handle.
    rom_set_t *t = (rom_set_t *) 1;
    assert_int_equal (rom_set_new_from (client, bad, N_OF (bad), &t), ROM_WRONG_TYPE);
    assert_null (t);
    assert_errmsg (client, "unhashable type: an object reference");
    free (token);
    rom_set_destroy (&s);
    rom_client_destroy (&client);
}

static void
test_set_algebra (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_set_t *s;
    assert_int_equal (rom_set_new_from (client, s_abc, N_OF (s_abc), &s), ROM_OK);
    // Plain results leave the set as it is.
    assert_result (rom_set_union (s, s_bcd, N_OF (s_bcd), &out_, &n_out_), "a,b,c,d");
    assert_result (rom_set_intersection (s, s_bcd, N_OF (s_bcd), &out_, &n_out_), "b,c");
    assert_result (rom_set_difference (s, s_bcd, N_OF (s_bcd), &out_, &n_out_), "a");
    assert_result (rom_set_symmetric_difference (s, s_bcd, N_OF (s_bcd), &out_, &n_out_), "a,d");
    assert_result (rom_set_union (s, NULL, 0, &out_, &n_out_), "a,b,c");
    assert_result (rom_set_intersection (s, NULL, 0, &out_, &n_out_), "");
    assert_elements (s, "a,b,c");

    // Comparisons against items (duplicates among them are fine).
    rom_variant_t de[] = {ROM_STR ("d"), ROM_STR ("e")}, ad[] = {ROM_STR ("a"), ROM_STR ("d")};
    rom_variant_t abcd[] = {ROM_STR ("a"), ROM_STR ("b"), ROM_STR ("c"), ROM_STR ("d"), ROM_STR ("a")};
    bool r = false;
    assert_int_equal (rom_set_isdisjoint (s, de, N_OF (de), &r), ROM_OK);
    assert_true (r);
    assert_int_equal (rom_set_isdisjoint (s, ad, N_OF (ad), &r), ROM_OK);
    assert_false (r);
    assert_int_equal (rom_set_issubset (s, abcd, N_OF (abcd), &r), ROM_OK);
    assert_true (r);
    assert_int_equal (rom_set_issubset (s, ad, N_OF (ad), &r), ROM_OK);
    assert_false (r);
    assert_int_equal (rom_set_issubset (s, s_abc, N_OF (s_abc), &r), ROM_OK); // s <= s
    assert_true (r);
    assert_int_equal (rom_set_issuperset (s, ad, N_OF (ad), &r), ROM_OK);
    assert_false (r);
    assert_int_equal (rom_set_issuperset (s, abcd, 2, &r), ROM_OK); // {a, b}
    assert_true (r);
    assert_int_equal (rom_set_issuperset (s, NULL, 0, &r), ROM_OK); // every set holds the empty one
    assert_true (r);

    // In place.
    assert_int_equal (rom_set_intersection_update (s, s_bcd, N_OF (s_bcd)), ROM_OK);
    assert_elements (s, "b,c");
    assert_int_equal (rom_set_update (s, s_abc, N_OF (s_abc)), ROM_OK);
    assert_int_equal (rom_set_difference_update (s, abcd, 2), ROM_OK); // -= {a, b}
    assert_elements (s, "c");
    assert_int_equal (rom_set_update (s, s_abc, N_OF (s_abc)), ROM_OK);
    assert_int_equal (rom_set_symmetric_difference_update (s, s_bcd, N_OF (s_bcd)), ROM_OK);
    assert_elements (s, "a,d");
    // A duplicated item toggles once ({'a', 'd'} ^ ['e', 'e'] is {'a', 'd', 'e'}).
    rom_variant_t ee[] = {ROM_STR ("e"), ROM_STR ("e")};
    assert_int_equal (rom_set_symmetric_difference_update (s, ee, N_OF (ee)), ROM_OK);
    assert_elements (s, "a,d,e");
    assert_int_equal (rom_set_intersection_update (s, NULL, 0), ROM_OK); // &= []: empty
    assert_int_equal (s_len (s), 0);

    // Intersection keeps the items' own elements, as CPython: {1} & [1.0] is {1.0}; union keeps the set's.
    assert_int_equal (rom_set_add_int (s, 1), ROM_OK);
    rom_variant_t one_f[] = {ROM_DOUBLE (1.0)};
    rom_variant_t *out = NULL;
    size_t n_out = 0;
    assert_int_equal (rom_set_intersection (s, one_f, 1, &out, &n_out), ROM_OK);
    assert_true (n_out == 1 && out[0].kind == ROM_KIND_DOUBLE);
    rom_variants_free (&out, n_out);
    assert_int_equal (rom_set_union (s, one_f, 1, &out, &n_out), ROM_OK);
    assert_true (n_out == 1 && out[0].kind == ROM_KIND_INT);
    rom_variants_free (&out, n_out);
    assert_int_equal (rom_set_intersection_update (s, one_f, 1), ROM_OK);
    assert_repr (s, "{1.0}");
    rom_set_destroy (&s);
    rom_client_destroy (&client);
}

// Every element of a set of `total` integers 0..total-1 seen exactly once through rom_set_iter in chunks
// of `max`; returns how many chunks it took.
static size_t
s_iterate_all (rom_set_t *s, size_t total, size_t max)
{
    bool *seen = calloc (total, sizeof *seen);
    rom_cursor_t cursor = ROM_CURSOR_INIT;
    size_t chunks = 0, count = 0;
    for (;;) {
        rom_variant_t *items = NULL;
        size_t n = 0;
        assert_int_equal (rom_set_iter (s, &cursor, max, &items, &n), ROM_OK);
        if (n == 0) {
            assert_null (items);
            break;
        }
        assert_true (n <= (max ? max : 256));
        chunks++;
        for (size_t i = 0; i < n; i++) {
            assert_int_equal (items[i].kind, ROM_KIND_INT);
            assert_true (items[i].i >= 0 && (size_t) items[i].i < total && !seen[items[i].i]);
            seen[items[i].i] = true;
            count++;
        }
        rom_variants_free (&items, n);
    }
    assert_int_equal (count, total);
    free (seen);
    return chunks;
}

static void
test_set_iter_in_chunks (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_set_t *s;
    assert_int_equal (rom_set_new (client, &s), ROM_OK);
    // Empty: the end at once.
    assert_int_equal (s_iterate_all (s, 0, 10), 0);
    enum { N = 1000 };
    for (int64_t k = 0; k < N + 300; k++)
        assert_int_equal (rom_set_add_int (s, k), ROM_OK);
    for (int64_t k = N; k < N + 300; k++) // holes the chunks must step over
        assert_int_equal (rom_set_remove_int (s, k), ROM_OK);
    assert_int_equal (s_iterate_all (s, N, 64), (N + 63) / 64);
    assert_int_equal (s_iterate_all (s, N, 0), (N + 255) / 256); // 0: chunks of 256
    assert_int_equal (s_iterate_all (s, N, 5000), 1);

    // Adding a present element or discarding a missing one is no change: the iteration goes on.
    rom_cursor_t cursor = ROM_CURSOR_INIT;
    rom_variant_t *items = NULL;
    size_t n = 0;
    assert_int_equal (rom_set_iter (s, &cursor, 100, &items, &n), ROM_OK);
    assert_int_equal (n, 100);
    rom_variants_free (&items, n);
    assert_int_equal (rom_set_add_int (s, 5), ROM_OK);
    assert_int_equal (rom_set_discard_int (s, -5), ROM_OK);
    assert_int_equal (rom_set_iter (s, &cursor, 100, &items, &n), ROM_OK);
    assert_int_equal (n, 100);
    rom_variants_free (&items, n);

    // Another process adds between two chunks: ROM_CHANGED (Python's RuntimeError), nothing returned.
    pid_t child = fork ();
    if (child == 0)
        _exit (rom_set_add_int (s, -1) == ROM_OK ? 0 : 1);
    assert_int_equal (rom_test_join (child), 0);
    items = (rom_variant_t *) 1;
    n = 7;
    assert_int_equal (rom_set_iter (s, &cursor, 100, &items, &n), ROM_CHANGED);
    assert_true (items == (rom_variant_t *) 1 && n == 7);
    s_assert_failure_text (client, s, "Iter", "set changed during iteration");
    // Removing is a change too; a fresh cursor starts over.
    cursor = ROM_CURSOR_INIT;
    assert_int_equal (rom_set_iter (s, &cursor, 10, &items, &n), ROM_OK);
    rom_variants_free (&items, n);
    child = fork ();
    if (child == 0)
        _exit (rom_set_remove_int (s, -1) == ROM_OK ? 0 : 1);
    assert_int_equal (rom_test_join (child), 0);
    assert_int_equal (rom_set_iter (s, &cursor, 10, &items, &n), ROM_CHANGED);
    assert_int_equal (s_iterate_all (s, N, 300), 4);

    // A finished cursor stays finished.
    cursor = ROM_CURSOR_INIT;
    assert_int_equal (rom_set_iter (s, &cursor, 5000, &items, &n), ROM_OK);
    rom_variants_free (&items, n);
    assert_int_equal (rom_set_iter (s, &cursor, 5000, &items, &n), ROM_OK);
    assert_true (n == 0 && items == NULL);
    assert_int_equal (rom_set_iter (s, &cursor, 5000, &items, &n), ROM_OK);
    assert_true (n == 0 && items == NULL);
    rom_set_destroy (&s);
    rom_client_destroy (&client);
}

static void
test_set_concurrent_processes (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_set_t *s;
    assert_int_equal (rom_set_new (client, &s), ROM_OK);
    // Four processes add 250 elements of their own and the same 250 shared ones, all at once.
    enum { CHILDREN = 4, OWN = 250, SHARED = 250 };
    pid_t pids[CHILDREN];
    for (int c = 0; c < CHILDREN; c++) {
        pids[c] = fork ();
        if (pids[c] == 0) {
            int ok = 1;
            char name[32];
            for (int k = 0; k < OWN + SHARED && ok; k++) {
                if (k % 2) {
                    snprintf (name, sizeof name, "own-%d-%d", c, k / 2);
                    ok = rom_set_add_str (s, name) == ROM_OK;
                } else
                    ok = rom_set_add_int (s, k / 2) == ROM_OK;
            }
            _exit (ok ? 0 : 1);
        }
    }
    for (int c = 0; c < CHILDREN; c++)
        assert_int_equal (rom_test_join (pids[c]), 0);
    assert_int_equal (s_len (s), CHILDREN * OWN + SHARED);

    // Then they drain it into a second set at once: every element popped exactly once.
    rom_set_t *drained;
    assert_int_equal (rom_set_new (client, &drained), ROM_OK);
    for (int c = 0; c < CHILDREN; c++) {
        pids[c] = fork ();
        if (pids[c] == 0) {
            rom_variant_t v;
            rom_status_t status;
            int ok = 1;
            while (ok && (status = rom_set_pop (s, &v)) == ROM_OK) {
                ok = rom_set_add (drained, v) == ROM_OK;
                rom_variant_clear (&v);
            }
            _exit (ok && status == ROM_NOT_FOUND ? 0 : 1);
        }
    }
    for (int c = 0; c < CHILDREN; c++)
        assert_int_equal (rom_test_join (pids[c]), 0);
    assert_int_equal (s_len (s), 0);
    assert_int_equal (s_len (drained), CHILDREN * OWN + SHARED);
    rom_set_destroy (&drained);
    rom_set_destroy (&s);
    rom_client_destroy (&client);
}

static void
test_set_from_token (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_set_t *s;
    assert_int_equal (rom_set_new_from (client, s_abc, N_OF (s_abc), &s), ROM_OK);
    // A Set stored in a Dict comes back as a reference; its token makes a Set handle again.
    rom_dict_t *d;
    assert_int_equal (rom_dict_new (client, &d), ROM_OK);
    assert_int_equal (rom_dict_set_proxy (d, ROM_STR ("set"), rom_set_proxy (s)), ROM_OK);
    rom_variant_t ref;
    assert_int_equal (rom_dict_get (d, ROM_STR ("set"), &ref), ROM_OK);
    assert_int_equal (ref.kind, ROM_KIND_REF);
    rom_set_t *again = NULL;
    assert_int_equal (rom_set_from_token (client, ref.str, &again), ROM_OK);
    assert_int_equal (rom_set_add_str (again, "via token"), ROM_OK);
    assert_true (s_has (s, ROM_STR ("via token")));
    rom_set_destroy (&again);
    // A client is needed, as for every rom_<type>_from_token ().
    assert_int_equal (rom_set_from_token (NULL, ref.str, &again), ROM_INVALID);
    assert_null (again);
    rom_variant_clear (&ref);
    // A token of another type is refused.
    char *dict_token = rom_proxy_to_token (rom_dict_proxy (d));
    again = (rom_set_t *) 1;
    assert_int_equal (rom_set_from_token (client, dict_token, &again), ROM_WRONG_TYPE);
    assert_null (again);
    free (dict_token);
    rom_dict_destroy (&d);
    rom_set_destroy (&s);
    rom_client_destroy (&client);
}

static void
test_set_misuse (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_set_t *s;
    assert_int_equal (rom_set_new (client, &s), ROM_OK);
    rom_dict_t *d;
    assert_int_equal (rom_dict_new (client, &d), ROM_OK);
    rom_set_t *wrong = (rom_set_t *) d; // a handle of another kind
    rom_set_t *handles[] = {NULL, wrong, (rom_set_t *) client};
    rom_variant_t *out = NULL;
    size_t n = 0;
    bool b = false;
    rom_variant_t v;
    char *text = NULL;
    rom_cursor_t cursor = ROM_CURSOR_INIT;
    for (size_t h = 0; h < N_OF (handles); h++) {
        rom_set_t *x = handles[h];
        assert_int_equal (rom_set_add (x, ROM_INT (1)), ROM_INVALID);
        assert_errmsg (NULL, "rom_set_add");
        assert_int_equal (rom_set_discard (x, ROM_INT (1)), ROM_INVALID);
        assert_int_equal (rom_set_remove (x, ROM_INT (1)), ROM_INVALID);
        assert_int_equal (rom_set_pop (x, &v), ROM_INVALID);
        assert_int_equal (rom_set_contains (x, ROM_INT (1), &b), ROM_INVALID);
        assert_int_equal (rom_set_len (x, &n), ROM_INVALID);
        assert_int_equal (rom_set_clear (x), ROM_INVALID);
        assert_int_equal (rom_set_update (x, s_abc, 3), ROM_INVALID);
        assert_int_equal (rom_set_difference_update (x, s_abc, 3), ROM_INVALID);
        assert_int_equal (rom_set_intersection_update (x, s_abc, 3), ROM_INVALID);
        assert_int_equal (rom_set_symmetric_difference_update (x, s_abc, 3), ROM_INVALID);
        assert_int_equal (rom_set_union (x, s_abc, 3, &out, &n), ROM_INVALID);
        assert_int_equal (rom_set_intersection (x, s_abc, 3, &out, &n), ROM_INVALID);
        assert_int_equal (rom_set_difference (x, s_abc, 3, &out, &n), ROM_INVALID);
        assert_int_equal (rom_set_symmetric_difference (x, s_abc, 3, &out, &n), ROM_INVALID);
        assert_int_equal (rom_set_isdisjoint (x, s_abc, 3, &b), ROM_INVALID);
        assert_int_equal (rom_set_issubset (x, s_abc, 3, &b), ROM_INVALID);
        assert_int_equal (rom_set_issuperset (x, s_abc, 3, &b), ROM_INVALID);
        assert_int_equal (rom_set_copy (x, &out, &n), ROM_INVALID);
        assert_int_equal (rom_set_items (x, &out, &n), ROM_INVALID);
        assert_int_equal (rom_set_iter (x, &cursor, 0, &out, &n), ROM_INVALID);
        assert_int_equal (rom_set_repr (x, &text), ROM_INVALID);
        assert_int_equal (rom_set_add_int (x, 1), ROM_INVALID);
        assert_int_equal (rom_set_add_str (x, "a"), ROM_INVALID);
        assert_int_equal (rom_set_discard_int (x, 1), ROM_INVALID);
        assert_int_equal (rom_set_discard_str (x, "a"), ROM_INVALID);
        assert_int_equal (rom_set_remove_int (x, 1), ROM_INVALID);
        assert_int_equal (rom_set_remove_str (x, "a"), ROM_INVALID);
        assert_int_equal (rom_set_contains_int (x, 1, &b), ROM_INVALID);
        assert_int_equal (rom_set_contains_str (x, "a", &b), ROM_INVALID);
        assert_null (rom_set_proxy (x));
    }
    // NULL where a pointer is filled in or read.
    assert_int_equal (rom_set_pop (s, NULL), ROM_INVALID);
    assert_errmsg (NULL, "rom_set_pop: `out` is NULL");
    assert_int_equal (rom_set_contains (s, ROM_INT (1), NULL), ROM_INVALID);
    assert_int_equal (rom_set_contains_int (s, 1, NULL), ROM_INVALID);
    assert_int_equal (rom_set_contains_str (s, NULL, &b), ROM_INVALID);
    assert_int_equal (rom_set_add_str (s, NULL), ROM_INVALID);
    assert_int_equal (rom_set_discard_str (s, NULL), ROM_INVALID);
    assert_int_equal (rom_set_remove_str (s, NULL), ROM_INVALID);
    assert_int_equal (rom_set_len (s, NULL), ROM_INVALID);
    assert_int_equal (rom_set_update (s, NULL, 2), ROM_INVALID);
    assert_errmsg (NULL, "rom_set_update: `items` is NULL");
    assert_int_equal (rom_set_union (s, s_abc, 3, NULL, &n), ROM_INVALID);
    assert_int_equal (rom_set_union (s, s_abc, 3, &out, NULL), ROM_INVALID);
    assert_int_equal (rom_set_issubset (s, s_abc, 3, NULL), ROM_INVALID);
    assert_int_equal (rom_set_items (s, NULL, &n), ROM_INVALID);
    assert_int_equal (rom_set_copy (s, &out, NULL), ROM_INVALID);
    assert_int_equal (rom_set_iter (s, NULL, 0, &out, &n), ROM_INVALID);
    assert_int_equal (rom_set_iter (s, &cursor, 0, NULL, &n), ROM_INVALID);
    assert_int_equal (rom_set_iter (s, &cursor, 0, &out, NULL), ROM_INVALID);
    assert_int_equal (rom_set_repr (s, NULL), ROM_INVALID);
    // rom_set_new (): no client, a client that is not one, nowhere to put the handle.
    rom_set_t *t = (rom_set_t *) 1;
    assert_int_equal (rom_set_new (NULL, &t), ROM_INVALID);
    assert_null (t);
    assert_int_equal (rom_set_new ((rom_client_t *) d, &t), ROM_INVALID);
    assert_int_equal (rom_set_new (client, NULL), ROM_INVALID);
    assert_int_equal (rom_set_new_from (client, NULL, 1, &t), ROM_INVALID);
    assert_int_equal (rom_set_from_token (client, NULL, &t), ROM_INVALID);
    assert_int_equal (rom_set_from_token (client, "x", NULL), ROM_INVALID);
    assert_int_equal (rom_set_from_token ((rom_client_t *) d, "x", &t), ROM_INVALID);
    // Nothing was changed by any of it; destroying the Dict through a Set helper leaves it alone.
    assert_int_equal (s_len (s), 0);
    rom_set_destroy (&wrong);
    assert_non_null (wrong);
    size_t dn = 9;
    assert_int_equal (rom_dict_len (d, &dn), ROM_OK);
    assert_int_equal (dn, 0);
    rom_dict_destroy (&d);
    rom_set_destroy (&s);
    rom_client_destroy (&client);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_set_basic_methods),
        cmocka_unit_test (test_set_python_equality),
        cmocka_unit_test (test_set_refuses_references_all_or_nothing),
        cmocka_unit_test (test_set_algebra),
        cmocka_unit_test (test_set_iter_in_chunks),
        cmocka_unit_test (test_set_concurrent_processes),
        cmocka_unit_test (test_set_from_token),
        cmocka_unit_test (test_set_misuse),
    };
    return cmocka_run_group_tests (tests, rom_test_group_setup, rom_test_group_teardown);
}
