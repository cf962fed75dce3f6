// test_builtins_containers.c: the rest of Python's list and dict on the built-in List and Dict (issue 14),
// over a real server process through rom/rom_shared.h: count, in, index with bounds, reverse, a stable sort
// and its refusals, slice assignment and deletion, repetition, plain copies, popitem, | and |=, fromkeys,
// and iteration in chunks that reports a change made by another process or client between two chunks.
// Every helper's misuse (NULL handle, NULL out-pointer, a handle of the other kind) is ROM_INVALID, and
// each server-side refusal names its object and method ("rom.builtins.List#7.Sort: ...").
#include "rom_test_fixture.h"

#include <inttypes.h>
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

#define assert_list(l, expected)                                                                             \
    do {                                                                                                     \
        char *text = NULL;                                                                                   \
        assert_int_equal (rom_list_repr ((l), &text), ROM_OK);                                               \
        assert_string_equal (text, (expected));                                                              \
        free (text);                                                                                         \
    } while (0)

#define assert_dict(d, expected)                                                                             \
    do {                                                                                                     \
        char *text = NULL;                                                                                   \
        assert_int_equal (rom_dict_repr ((d), &text), ROM_OK);                                               \
        assert_string_equal (text, (expected));                                                              \
        free (text);                                                                                         \
    } while (0)

// "rom.builtins.List#<id>.<method>: " for the object behind `proxy`, to find in an error text.
static const char *
s_where (const char *type, rom_proxy_t *proxy, const char *method)
{
    static char buf[128];
    snprintf (buf, sizeof buf, "rom.builtins.%s#%" PRIu64 ".%s: ", type, rom_proxy_id (proxy), method);
    return buf;
}

// Python's repr of a plain array a copy helper returned: "[0, 1, 'x']".
static char *
s_repr_items (const rom_variant_t *items, size_t n)
{
    size_t cap = 16, len = 0;
    char *text = malloc (cap);
    assert_non_null (text);
    text[len++] = '[';
    for (size_t i = 0; i < n; i++) {
        char *one = rom_variant_repr (&items[i]);
        assert_non_null (one);
        size_t need = len + strlen (one) + 4;
        if (need > cap) {
            cap = need * 2;
            text = realloc (text, cap);
            assert_non_null (text);
        }
        len += (size_t) sprintf (text + len, "%s%s", i ? ", " : "", one);
        free (one);
    }
    text[len++] = ']';
    text[len] = 0;
    return text;
}

#define assert_items(items, n, expected)                                                                     \
    do {                                                                                                     \
        char *text = s_repr_items ((items), (n));                                                            \
        assert_string_equal (text, (expected));                                                              \
        free (text);                                                                                         \
    } while (0)

// A List of the integers first .. first + n - 1.
static rom_list_t *
s_range_list (rom_client_t *client, int64_t first, size_t n)
{
    rom_variant_t *items = calloc (n ? n : 1, sizeof *items);
    assert_non_null (items);
    for (size_t i = 0; i < n; i++)
        items[i] = ROM_INT (first + (int64_t) i);
    rom_list_t *l = NULL;
    assert_int_equal (rom_list_new_from (client, items, n, &l), ROM_OK);
    free (items);
    return l;
}

// --- List: count, in, index within bounds, reverse ---------------------------------------------------------

static void
test_list_count_contains_index_in (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_variant_t init[] = {ROM_INT (1),  ROM_DOUBLE (1.0), ROM_STR ("a"),
                            ROM_UINT (1), ROM_NONE,         ROM_STR ("a")};
    rom_list_t *l;
    assert_int_equal (rom_list_new_from (client, init, 6, &l), ROM_OK);

    size_t n = 99;
    assert_int_equal (rom_list_count (l, ROM_INT (1), &n), ROM_OK); // 1 == 1.0 == 1u
    assert_int_equal (n, 3);
    assert_int_equal (rom_list_count (l, ROM_STR ("a"), &n), ROM_OK);
    assert_int_equal (n, 2);
    assert_int_equal (rom_list_count (l, ROM_NONE, &n), ROM_OK);
    assert_int_equal (n, 1);
    assert_int_equal (rom_list_count (l, ROM_STR ("zz"), &n), ROM_OK);
    assert_int_equal (n, 0);
    assert_int_equal (rom_list_count (l, ROM_BOOL (true), &n),
                      ROM_OK); // Python: [1, 1.0, 1].count (True) == 3
    assert_int_equal (n, 3);
    assert_int_equal (rom_list_count (l, ROM_BOOL (false), &n), ROM_OK);
    assert_int_equal (n, 0);

    bool found = false;
    assert_int_equal (rom_list_contains (l, ROM_DOUBLE (1.0), &found), ROM_OK);
    assert_true (found);
    assert_int_equal (rom_list_contains (l, ROM_INT (2), &found), ROM_OK);
    assert_false (found);
    assert_int_equal (rom_list_contains (l, ROM_NONE, &found), ROM_OK);
    assert_true (found);

    // l.index (v, start, stop): Python's bounds, negative ones from the end; stop 0 searches nothing.
    size_t pos = 99;
    assert_int_equal (rom_list_index_in (l, ROM_STR ("a"), 3, ROM_SLICE_END, &pos), ROM_OK);
    assert_int_equal (pos, 5);
    assert_int_equal (rom_list_index_in (l, ROM_STR ("a"), -4, -1, &pos), ROM_OK);
    assert_int_equal (pos, 2);
    assert_int_equal (rom_list_index_in (l, ROM_INT (1), 1, 2, &pos), ROM_OK);
    assert_int_equal (pos, 1);
    pos = 99;
    assert_int_equal (rom_list_index_in (l, ROM_INT (1), 0, 0, &pos), ROM_NOT_FOUND);
    assert_int_equal (pos, 99); // untouched on failure
    assert_errmsg (client, s_where ("List", rom_list_proxy (l), "IndexOf"));
    assert_errmsg (client, "is not in the List");
    assert_int_equal (rom_list_index_in (l, ROM_STR ("a"), -1, 5, &pos), ROM_NOT_FOUND); // [5:5]
    assert_int_equal (rom_list_index_in (l, ROM_STR ("a"), 100, 200, &pos), ROM_NOT_FOUND);
    assert_int_equal (rom_list_index_in (l, ROM_STR ("a"), -100, 3, &pos), ROM_OK);
    assert_int_equal (pos, 2);

    // reverse: in place, even lengths and odd, empty.
    assert_int_equal (rom_list_reverse (l), ROM_OK);
    assert_list (l, "['a', None, 1, 'a', 1.0, 1]");
    assert_int_equal (rom_list_pop (l, -1, NULL), ROM_OK);
    assert_int_equal (rom_list_reverse (l), ROM_OK);
    assert_list (l, "[1.0, 'a', 1, None, 'a']");
    assert_int_equal (rom_list_clear (l), ROM_OK);
    assert_int_equal (rom_list_reverse (l), ROM_OK);
    assert_list (l, "[]");
    assert_int_equal (rom_list_count (l, ROM_INT (1), &n), ROM_OK);
    assert_int_equal (n, 0);
    assert_int_equal (rom_list_contains (l, ROM_NONE, &found), ROM_OK);
    assert_false (found);

    // Misuse: ROM_INVALID before anything is sent.
    rom_dict_t *d;
    assert_int_equal (rom_dict_new (client, &d), ROM_OK);
    assert_int_equal (rom_list_count (NULL, ROM_INT (1), &n), ROM_INVALID);
    assert_errmsg (NULL, "rom_list_count");
    assert_int_equal (rom_list_count (l, ROM_INT (1), NULL), ROM_INVALID);
    assert_int_equal (rom_list_count ((rom_list_t *) d, ROM_INT (1), &n), ROM_INVALID);
    assert_int_equal (rom_list_count (l, ROM_STR (NULL), &n), ROM_INVALID);
    assert_int_equal (rom_list_contains (NULL, ROM_INT (1), &found), ROM_INVALID);
    assert_int_equal (rom_list_contains (l, ROM_INT (1), NULL), ROM_INVALID);
    assert_int_equal (rom_list_index_in (NULL, ROM_INT (1), 0, 1, &pos), ROM_INVALID);
    assert_int_equal (rom_list_index_in (l, ROM_INT (1), 0, 1, NULL), ROM_INVALID);
    assert_int_equal (rom_list_reverse (NULL), ROM_INVALID);
    assert_int_equal (rom_list_reverse ((rom_list_t *) d), ROM_INVALID);
    assert_errmsg (NULL, "rom_list_reverse");
    rom_dict_destroy (&d);
    rom_list_destroy (&l);
    rom_client_destroy (&client);
}

// --- List: sort --------------------------------------------------------------------------------------------

static void
test_list_sort_orders_numbers_text_and_bytes (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_list_t *l;

    // Numbers of every kind by value; bool is 0 or 1. Beyond 2^53 a double and an int are compared exactly:
    // 9007199254740993 (2^53 + 1) is above the double 2^53, which a cast to double would call equal.
    rom_variant_t nums[] = {ROM_INT (3),
                            ROM_DOUBLE (-0.5),
                            ROM_UINT (UINT64_MAX),
                            ROM_BOOL (true),
                            ROM_INT (INT64_MIN),
                            ROM_INT (9007199254740993),
                            ROM_DOUBLE (9007199254740992.0),
                            ROM_DOUBLE (1e300),
                            ROM_BOOL (false),
                            ROM_DOUBLE (2.5)};
    assert_int_equal (rom_list_new_from (client, nums, 10, &l), ROM_OK);
    assert_int_equal (rom_list_sort (l, false), ROM_OK);
    assert_list (l, "[-9223372036854775808, -0.5, False, True, 2.5, 3, 9007199254740992.0, 9007199254740993, "
                    "18446744073709551615, 1e+300]");
    assert_int_equal (rom_list_sort (l, true), ROM_OK);
    assert_list (l,
                 "[1e+300, 18446744073709551615, 9007199254740993, 9007199254740992.0, 3, 2.5, True, False, "
                 "-0.5, -9223372036854775808]");
    rom_list_destroy (&l);

    // Stable: equal items keep their order, and reverse=True keeps it too (Python's guarantee), here with
    // 1, 1.0, True and 1u equal and told apart by their repr.
    rom_variant_t equal[] = {ROM_DOUBLE (1.0), ROM_INT (2),  ROM_INT (1),     ROM_BOOL (true),
                             ROM_INT (0),      ROM_UINT (1), ROM_DOUBLE (2.0)};
    assert_int_equal (rom_list_new_from (client, equal, 7, &l), ROM_OK);
    assert_int_equal (rom_list_sort (l, false), ROM_OK);
    assert_list (l, "[0, 1.0, 1, True, 1, 2, 2.0]");
    rom_list_destroy (&l);
    assert_int_equal (rom_list_new_from (client, equal, 7, &l), ROM_OK);
    assert_int_equal (rom_list_sort (l, true), ROM_OK);
    assert_list (l, "[2, 2.0, 1.0, 1, True, 1, 0]");
    rom_list_destroy (&l);

    // A longer run against a sort checked here: 1000 pseudo-random keys with many ties, each tagged with
    // its first position as a string; sorted by the key only, stability keeps the tags of a key ascending.
    l = NULL;
    assert_int_equal (rom_list_new (client, &l), ROM_OK);
    uint32_t seed = 12345;
    for (int i = 0; i < 1000; i++) {
        seed = seed * 1103515245u + 12345u;
        assert_int_equal (rom_list_append_int (l, (seed >> 16) % 50), ROM_OK);
    }
    assert_int_equal (rom_list_sort (l, false), ROM_OK);
    rom_variant_t *items = NULL;
    size_t n = 0;
    assert_int_equal (rom_list_copy (l, &items, &n), ROM_OK);
    assert_int_equal (n, 1000);
    for (size_t i = 1; i < n; i++)
        assert_true (items[i - 1].i <= items[i].i);
    rom_variants_free (&items, n);
    rom_list_destroy (&l);

    // Strings in code point order (UTF-8 bytes), a prefix first; bytes likewise.
    rom_variant_t text[] = {ROM_STR ("b"), ROM_STR ("\xc3\xa9"), ROM_STR ("B"),
                            ROM_STR (""),  ROM_STR ("ab"),       ROM_STR ("a")};
    assert_int_equal (rom_list_new_from (client, text, 6, &l), ROM_OK);
    assert_int_equal (rom_list_sort (l, false), ROM_OK);
    assert_list (l, "['', 'B', 'a', 'ab', 'b', '\xc3\xa9']");
    rom_list_destroy (&l);
    rom_variant_t bytes[] = {ROM_BYTES ("\xff", 1), ROM_BYTES ("\x00\x01", 2), ROM_BYTES ("\x00", 1)};
    assert_int_equal (rom_list_new_from (client, bytes, 3, &l), ROM_OK);
    assert_int_equal (rom_list_sort (l, false), ROM_OK);
    assert_list (l, "[b'\\x00', b'\\x00\\x01', b'\\xff']");
    rom_list_destroy (&l);

    // Nothing to compare: empty, or one item of any kind (Python sorts [None]).
    assert_int_equal (rom_list_new (client, &l), ROM_OK);
    assert_int_equal (rom_list_sort (l, false), ROM_OK);
    assert_int_equal (rom_list_append (l, ROM_NONE), ROM_OK);
    assert_int_equal (rom_list_sort (l, true), ROM_OK);
    assert_list (l, "[None]");
    rom_list_destroy (&l);

    assert_int_equal (rom_list_sort (NULL, false), ROM_INVALID);
    assert_errmsg (NULL, "rom_list_sort");
    rom_client_destroy (&client);
}

static void
test_list_sort_refuses_mixed_kinds_and_changes_nothing (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_list_t *l;
    rom_variant_t mixed[] = {ROM_INT (3), ROM_INT (1), ROM_STR ("a"), ROM_INT (2)};
    assert_int_equal (rom_list_new_from (client, mixed, 4, &l), ROM_OK);
    assert_int_equal (rom_list_sort (l, false), ROM_WRONG_TYPE);
    // Python's words for l = [3, 1, 'a', 2]; l.sort (), naming this object and method first.
    assert_errmsg (client, s_where ("List", rom_list_proxy (l), "Sort"));
    assert_errmsg (client, "'<' not supported between instances of 'str' and 'int'");
    assert_list (l, "[3, 1, 'a', 2]");
    assert_int_equal (rom_list_sort (l, true), ROM_WRONG_TYPE);
    assert_list (l, "[3, 1, 'a', 2]");
    rom_list_destroy (&l);

    rom_variant_t text_first[] = {ROM_STR ("a"), ROM_DOUBLE (1.5)};
    assert_int_equal (rom_list_new_from (client, text_first, 2, &l), ROM_OK);
    assert_int_equal (rom_list_sort (l, false), ROM_WRONG_TYPE);
    assert_errmsg (client, "'<' not supported between instances of 'float' and 'str'");
    rom_list_destroy (&l);

    rom_variant_t nones[] = {ROM_NONE, ROM_NONE};
    assert_int_equal (rom_list_new_from (client, nones, 2, &l), ROM_OK);
    assert_int_equal (rom_list_sort (l, false), ROM_WRONG_TYPE);
    assert_errmsg (client, "'<' not supported between instances of 'NoneType' and 'NoneType'");
    rom_list_destroy (&l);

    rom_variant_t str_bytes[] = {ROM_STR ("a"), ROM_BYTES ("a", 1)};
    assert_int_equal (rom_list_new_from (client, str_bytes, 2, &l), ROM_OK);
    assert_int_equal (rom_list_sort (l, false), ROM_WRONG_TYPE);
    assert_errmsg (client, "'<' not supported between instances of 'bytes' and 'str'");
    rom_list_destroy (&l);

    // References have no order either.
    rom_list_t *other = s_range_list (client, 0, 1);
    char *token = rom_proxy_to_token (rom_list_proxy (other));
    rom_variant_t refs[] = {ROM_REF (token), ROM_REF (token)};
    assert_int_equal (rom_list_new_from (client, refs, 2, &l), ROM_OK);
    assert_int_equal (rom_list_sort (l, false), ROM_WRONG_TYPE);
    assert_errmsg (client, "between instances of 'rom.builtins.List' and 'rom.builtins.List'");
    rom_list_destroy (&l);
    free (token);
    rom_list_destroy (&other);
    rom_client_destroy (&client);
}

// --- List: slices and repetition ---------------------------------------------------------------------------

static void
test_list_set_and_delete_slices (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_list_t *l = s_range_list (client, 0, 5);
    rom_variant_t ab[] = {ROM_STR ("a"), ROM_STR ("b")};
    rom_variant_t xyz[] = {ROM_STR ("x"), ROM_STR ("y"), ROM_STR ("z")};

    assert_int_equal (rom_list_set_slice (l, 1, 3, xyz, 3), ROM_OK); // longer: l[1:3] = 'xyz'
    assert_list (l, "[0, 'x', 'y', 'z', 3, 4]");
    assert_int_equal (rom_list_set_slice (l, 1, 4, ab, 1), ROM_OK); // shorter
    assert_list (l, "[0, 'a', 3, 4]");
    assert_int_equal (rom_list_set_slice (l, -2, ROM_SLICE_END, ab, 2), ROM_OK); // negative start
    assert_list (l, "[0, 'a', 'a', 'b']");
    assert_int_equal (rom_list_set_slice (l, 3, 1, xyz, 1), ROM_OK); // stop < start: insert at start
    assert_list (l, "[0, 'a', 'a', 'x', 'b']");
    assert_int_equal (rom_list_set_slice (l, 100, 200, ab, 2), ROM_OK); // past the end: appended
    assert_list (l, "[0, 'a', 'a', 'x', 'b', 'a', 'b']");
    assert_int_equal (rom_list_set_slice (l, -100, 1, xyz, 2), ROM_OK); // before the start: clamped
    assert_list (l, "['x', 'y', 'a', 'a', 'x', 'b', 'a', 'b']");
    assert_int_equal (rom_list_set_slice (l, 2, 6, NULL, 0), ROM_OK); // l[2:6] = []
    assert_list (l, "['x', 'y', 'a', 'b']");
    assert_int_equal (rom_list_set_slice (l, 0, ROM_SLICE_END, xyz, 3), ROM_OK); // l[:] = ...
    assert_list (l, "['x', 'y', 'z']");

    // All or nothing: an item refused locally (a string kind without its string) sends nothing.
    rom_variant_t bad[] = {ROM_INT (1), ROM_STR (NULL)};
    assert_int_equal (rom_list_set_slice (l, 0, 1, bad, 2), ROM_INVALID);
    assert_list (l, "['x', 'y', 'z']");
    // A reference to an object that is gone is refused by the server after the first item was copied:
    // unchanged too.
    rom_list_t *gone = s_range_list (client, 0, 1);
    char *token = rom_proxy_to_token (rom_list_proxy (gone));
    rom_list_destroy (&gone);
    rom_variant_t ghost[] = {ROM_INT (1), ROM_REF (token)};
    assert_int_equal (rom_list_set_slice (l, 0, 1, ghost, 2), ROM_NO_OBJECT);
    free (token);
    assert_errmsg (client, s_where ("List", rom_list_proxy (l), "SetSlice"));
    assert_list (l, "['x', 'y', 'z']");

    // del l[start:stop]: clamped, never an error.
    assert_int_equal (rom_list_extend (l, ab, 2), ROM_OK);
    assert_int_equal (rom_list_delete_slice (l, 1, 3), ROM_OK);
    assert_list (l, "['x', 'a', 'b']");
    assert_int_equal (rom_list_delete_slice (l, -1, ROM_SLICE_END), ROM_OK);
    assert_list (l, "['x', 'a']");
    assert_int_equal (rom_list_delete_slice (l, 5, 1), ROM_OK);
    assert_int_equal (rom_list_delete_slice (l, 10, 20), ROM_OK);
    assert_int_equal (rom_list_delete_slice (l, -10, -1), ROM_OK);
    assert_list (l, "['a']");
    assert_int_equal (rom_list_delete_slice (l, 0, ROM_SLICE_END), ROM_OK);
    assert_list (l, "[]");
    assert_int_equal (rom_list_delete_slice (l, 0, ROM_SLICE_END), ROM_OK);
    assert_int_equal (rom_list_set_slice (l, 0, 0, ab, 2), ROM_OK); // into an empty list
    assert_list (l, "['a', 'b']");

    assert_int_equal (rom_list_set_slice (NULL, 0, 1, ab, 2), ROM_INVALID);
    assert_errmsg (NULL, "rom_list_set_slice");
    assert_int_equal (rom_list_set_slice (l, 0, 1, NULL, 2), ROM_INVALID);
    assert_int_equal (rom_list_delete_slice (NULL, 0, 1), ROM_INVALID);
    rom_list_destroy (&l);
    rom_client_destroy (&client);
}

static void
test_list_repetition_and_plain_copies (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_list_t *l = s_range_list (client, 0, 3);

    // l *= n in place.
    assert_int_equal (rom_list_imul (l, 2), ROM_OK);
    assert_list (l, "[0, 1, 2, 0, 1, 2]");
    assert_int_equal (rom_list_imul (l, 1), ROM_OK);
    assert_list (l, "[0, 1, 2, 0, 1, 2]");
    // An absurd size is refused before anything is allocated, overflow included; the list is unchanged.
    assert_int_equal (rom_list_imul (l, INT64_MAX), ROM_TOO_LARGE);
    assert_errmsg (client, s_where ("List", rom_list_proxy (l), "Imul"));
    assert_errmsg (client, "is over the limit of 4194304");
    assert_int_equal (rom_list_imul (l, 4194304 / 6 + 1), ROM_TOO_LARGE);
    assert_list (l, "[0, 1, 2, 0, 1, 2]");
    assert_int_equal (rom_list_imul (l, 0), ROM_OK);
    assert_list (l, "[]");
    assert_int_equal (rom_list_imul (l, INT64_MAX), ROM_OK); // [] * anything is []
    assert_int_equal (rom_list_append_str (l, "s"), ROM_OK);
    assert_int_equal (rom_list_imul (l, 3), ROM_OK); // strings are copied, each its own
    assert_list (l, "['s', 's', 's']");
    assert_int_equal (rom_list_imul (l, -5), ROM_OK);
    assert_list (l, "[]");

    // l[:], l + items, l * n: plain caller-owned arrays; the List is unchanged.
    rom_list_destroy (&l);
    l = s_range_list (client, 5, 2);
    rom_variant_t *out = NULL;
    size_t n = 99;
    assert_int_equal (rom_list_copy (l, &out, &n), ROM_OK);
    assert_items (out, n, "[5, 6]");
    rom_variants_free (&out, n);
    rom_variant_t more[] = {ROM_STR ("x"), ROM_NONE};
    assert_int_equal (rom_list_concat (l, more, 2, &out, &n), ROM_OK);
    assert_items (out, n, "[5, 6, 'x', None]");
    rom_variants_free (&out, n);
    assert_int_equal (rom_list_concat (l, NULL, 0, &out, &n), ROM_OK);
    assert_items (out, n, "[5, 6]");
    rom_variants_free (&out, n);
    assert_int_equal (rom_list_mul (l, 3, &out, &n), ROM_OK);
    assert_items (out, n, "[5, 6, 5, 6, 5, 6]");
    rom_variants_free (&out, n);
    assert_int_equal (rom_list_mul (l, 0, &out, &n), ROM_OK);
    assert_true (n == 0 && out == NULL);
    assert_int_equal (rom_list_mul (l, -1, &out, &n), ROM_OK);
    assert_int_equal (n, 0);
    n = 99;
    assert_int_equal (rom_list_mul (l, INT64_MAX, &out, &n), ROM_TOO_LARGE);
    assert_int_equal (n, 99); // untouched on failure
    assert_errmsg (client, "is over the limit");
    assert_list (l, "[5, 6]");

    // An empty list's plain forms are empty arrays.
    assert_int_equal (rom_list_clear (l), ROM_OK);
    assert_int_equal (rom_list_copy (l, &out, &n), ROM_OK);
    assert_true (n == 0 && out == NULL);
    assert_int_equal (rom_list_concat (l, more, 1, &out, &n), ROM_OK);
    assert_items (out, n, "['x']");
    rom_variants_free (&out, n);

    // Misuse.
    assert_int_equal (rom_list_imul (NULL, 2), ROM_INVALID);
    assert_errmsg (NULL, "rom_list_imul");
    assert_int_equal (rom_list_copy (NULL, &out, &n), ROM_INVALID);
    assert_int_equal (rom_list_copy (l, NULL, &n), ROM_INVALID);
    assert_int_equal (rom_list_copy (l, &out, NULL), ROM_INVALID);
    assert_int_equal (rom_list_concat (l, NULL, 2, &out, &n), ROM_INVALID);
    assert_int_equal (rom_list_concat (l, more, 2, NULL, &n), ROM_INVALID);
    assert_int_equal (rom_list_concat (l, more, 2, &out, NULL), ROM_INVALID);
    rom_variant_t bad = ROM_STR (NULL);
    assert_int_equal (rom_list_concat (l, &bad, 1, &out, &n), ROM_INVALID);
    assert_int_equal (rom_list_mul (NULL, 2, &out, &n), ROM_INVALID);
    assert_int_equal (rom_list_mul (l, 2, NULL, &n), ROM_INVALID);
    assert_int_equal (rom_list_mul (l, 2, &out, NULL), ROM_INVALID);
    rom_list_destroy (&l);
    rom_client_destroy (&client);
}

// --- List: iteration ---------------------------------------------------------------------------------------

// Iterate `l` to its end in chunks of `max`, checking the items are first, first + 1, ...; returns how many.
static size_t
s_iterate_ints (rom_list_t *l, size_t max, int64_t first, size_t *chunks)
{
    rom_cursor_t cursor = ROM_CURSOR_INIT;
    size_t total = 0;
    *chunks = 0;
    for (;;) {
        rom_variant_t *items = NULL;
        size_t n = 0;
        assert_int_equal (rom_list_iter (l, &cursor, max, &items, &n), ROM_OK);
        if (n == 0)
            break;
        for (size_t i = 0; i < n; i++)
            assert_true (items[i].kind == ROM_KIND_INT && items[i].i == first + (int64_t) (total + i));
        total += n;
        (*chunks)++;
        rom_variants_free (&items, n);
    }
    // The end stays the end.
    rom_variant_t *items = (rom_variant_t *) &cursor;
    size_t n = 99;
    assert_int_equal (rom_list_iter (l, &cursor, max, &items, &n), ROM_OK);
    assert_true (n == 0 && items == NULL);
    return total;
}

static void
test_list_iter_in_chunks (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_list_t *l = s_range_list (client, 100, 600);
    size_t chunks = 0;
    assert_int_equal (s_iterate_ints (l, 0, 100, &chunks), 600); // the default: 256 a chunk
    assert_int_equal (chunks, 3);
    assert_int_equal (s_iterate_ints (l, 7, 100, &chunks), 600);
    assert_int_equal (chunks, 86);
    assert_int_equal (s_iterate_ints (l, 600, 100, &chunks), 600); // all at once, the end told with it
    assert_int_equal (chunks, 1);
    assert_int_equal (s_iterate_ints (l, SIZE_MAX, 100, &chunks), 600);
    assert_int_equal (chunks, 1);
    rom_list_t *empty;
    assert_int_equal (rom_list_new (client, &empty), ROM_OK);
    assert_int_equal (s_iterate_ints (empty, 0, 0, &chunks), 0);
    assert_int_equal (chunks, 0);

    // A modification by another process between two chunks: CHANGED, nothing returned, the cursor as it was.
    rom_cursor_t cursor = ROM_CURSOR_INIT;
    rom_variant_t *items = NULL;
    size_t n = 0;
    assert_int_equal (rom_list_iter (l, &cursor, 10, &items, &n), ROM_OK);
    assert_int_equal (n, 10);
    rom_variants_free (&items, n);
    pid_t child = fork ();
    if (child == 0)
        _exit (rom_list_set (l, 0, ROM_INT (-1)) == ROM_OK ? 0 : 1); // a change of no length
    assert_int_equal (rom_test_join (child), 0);
    rom_cursor_t before = cursor;
    items = (rom_variant_t *) &before;
    n = 99;
    assert_int_equal (rom_list_iter (l, &cursor, 10, &items, &n), ROM_CHANGED);
    assert_true (n == 99 && items == (rom_variant_t *) &before);
    assert_memory_equal (&cursor, &before, sizeof cursor);
    assert_errmsg (client, s_where ("List", rom_list_proxy (l), "Iter"));
    assert_errmsg (client, "list changed during iteration");
    assert_int_equal (rom_list_iter (l, &cursor, 10, &items, &n), ROM_CHANGED); // and stays so
    // Started again, it sees the change.
    cursor = ROM_CURSOR_INIT;
    assert_int_equal (rom_list_iter (l, &cursor, 1, &items, &n), ROM_OK);
    assert_true (n == 1 && items[0].i == -1);
    rom_variants_free (&items, n);

    // Every kind of modification counts, even one made through a second client of this process.
    rom_client_t *other = rom_test_connect (rom_test_group.endpoint);
    char *token = rom_proxy_to_token (rom_list_proxy (l));
    rom_proxy_t *proxy = NULL;
    assert_int_equal (rom_proxy_from_token (other, rom_proxy_type (rom_list_proxy (l)), token, &proxy),
                      ROM_OK);
    rom_list_t *same = (rom_list_t *) proxy;
    for (int op = 0; op < 6; op++) {
        cursor = ROM_CURSOR_INIT;
        assert_int_equal (rom_list_iter (l, &cursor, 5, &items, &n), ROM_OK);
        rom_variants_free (&items, n);
        switch (op) {
        case 0: assert_int_equal (rom_list_append_int (same, 1), ROM_OK); break;
        case 1: assert_int_equal (rom_list_pop (same, -1, NULL), ROM_OK); break;
        case 2: assert_int_equal (rom_list_reverse (same), ROM_OK); break;
        case 3: assert_int_equal (rom_list_sort (same, false), ROM_OK); break;
        case 4: assert_int_equal (rom_list_delete_slice (same, 0, 1), ROM_OK); break;
        default: assert_int_equal (rom_list_imul (same, 1), ROM_OK); break;
        }
        assert_int_equal (rom_list_iter (l, &cursor, 5, &items, &n), ROM_CHANGED);
    }
    // Reads change nothing.
    cursor = ROM_CURSOR_INIT;
    assert_int_equal (rom_list_iter (l, &cursor, 5, &items, &n), ROM_OK);
    rom_variants_free (&items, n);
    size_t len = 0, count = 0;
    assert_int_equal (rom_list_len (same, &len), ROM_OK);
    assert_int_equal (rom_list_count (same, ROM_INT (1), &count), ROM_OK);
    assert_int_equal (rom_list_iter (l, &cursor, 5, &items, &n), ROM_OK);
    assert_int_equal (n, 5);
    rom_variants_free (&items, n);

    // A cursor of another List does no harm: CHANGED (the versions differ by object).
    assert_int_equal (rom_list_iter (empty, &cursor, 5, &items, &n), ROM_CHANGED);
    assert_errmsg (client, s_where ("List", rom_list_proxy (empty), "Iter"));

    // Misuse.
    assert_int_equal (rom_list_iter (NULL, &cursor, 5, &items, &n), ROM_INVALID);
    assert_errmsg (NULL, "rom_list_iter");
    assert_int_equal (rom_list_iter (l, NULL, 5, &items, &n), ROM_INVALID);
    assert_int_equal (rom_list_iter (l, &cursor, 5, NULL, &n), ROM_INVALID);
    assert_int_equal (rom_list_iter (l, &cursor, 5, &items, NULL), ROM_INVALID);
    rom_dict_t *d;
    assert_int_equal (rom_dict_new (client, &d), ROM_OK);
    assert_int_equal (rom_list_iter ((rom_list_t *) d, &cursor, 5, &items, &n), ROM_INVALID);
    rom_dict_destroy (&d);

    free (token);
    rom_list_destroy (&same);
    rom_client_destroy (&other);
    rom_list_destroy (&empty);
    rom_list_destroy (&l);
    rom_client_destroy (&client);
}

// --- Dict: popitem, copy, |, |=, fromkeys ------------------------------------------------------------------

static void
test_dict_popitem_is_lifo (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_dict_t *d;
    assert_int_equal (rom_dict_new (client, &d), ROM_OK);
    assert_int_equal (rom_dict_set_int (d, "a", 1), ROM_OK);
    assert_int_equal (rom_dict_set (d, ROM_INT (2), ROM_STR ("two")), ROM_OK);
    assert_int_equal (rom_dict_set_int (d, "c", 3), ROM_OK);
    assert_int_equal (rom_dict_set_int (d, "a", 10), ROM_OK);      // an update keeps a's place
    assert_int_equal (rom_dict_delete (d, ROM_STR ("c")), ROM_OK); // the last one deleted leaves a hole

    rom_variant_t key, value;
    assert_int_equal (rom_dict_popitem (d, &key, &value), ROM_OK);
    assert_true (key.kind == ROM_KIND_INT && key.i == 2);
    assert_string_equal (value.str, "two");
    rom_variant_clear (&key);
    rom_variant_clear (&value);
    assert_int_equal (rom_dict_set_int (d, "z", 26), ROM_OK);
    assert_int_equal (rom_dict_popitem (d, &key, NULL), ROM_OK); // the value may be dropped
    assert_string_equal (key.str, "z");
    rom_variant_clear (&key);
    assert_int_equal (rom_dict_popitem (d, NULL, &value), ROM_OK);
    assert_true (value.kind == ROM_KIND_INT && value.i == 10);
    size_t n = 99;
    assert_int_equal (rom_dict_len (d, &n), ROM_OK);
    assert_int_equal (n, 0);

    key = ROM_INT (77);
    assert_int_equal (rom_dict_popitem (d, &key, &value), ROM_NOT_FOUND);
    assert_true (key.kind == ROM_KIND_INT && key.i == 77); // untouched on failure
    assert_errmsg (client, s_where ("Dict", rom_dict_proxy (d), "PopItem"));
    assert_errmsg (client, "popitem(): dictionary is empty");

    assert_int_equal (rom_dict_popitem (NULL, &key, &value), ROM_INVALID);
    assert_errmsg (NULL, "rom_dict_popitem");
    rom_list_t *l;
    assert_int_equal (rom_list_new (client, &l), ROM_OK);
    assert_int_equal (rom_dict_popitem ((rom_dict_t *) l, &key, &value), ROM_INVALID);
    rom_list_destroy (&l);
    rom_dict_destroy (&d);
    rom_client_destroy (&client);
}

static void
test_dict_copy_or_ior_and_fromkeys (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_variant_t keys[] = {ROM_STR ("a"), ROM_STR ("b"), ROM_INT (3)};
    rom_dict_t *d;
    // dict.fromkeys (keys, 0), one call.
    assert_int_equal (rom_dict_new_fromkeys (client, keys, 3, ROM_INT (0), &d), ROM_OK);
    assert_dict (d, "{'a': 0, 'b': 0, 3: 0}");

    // d.copy (): plain arrays in insertion order.
    rom_variant_t *k = NULL, *v = NULL;
    size_t n = 0;
    assert_int_equal (rom_dict_copy (d, &k, &v, &n), ROM_OK);
    assert_items (k, n, "['a', 'b', 3]");
    assert_items (v, n, "[0, 0, 0]");
    rom_variants_free (&k, n);
    rom_variants_free (&v, n);

    // d | other: d's keys in order (other's values win), then other's new keys in their first order with
    // their last value: {**d, **other}. d itself is unchanged.
    rom_variant_t ok[] = {ROM_STR ("c"), ROM_STR ("a"), ROM_INT (9), ROM_STR ("c")};
    rom_variant_t ov[] = {ROM_INT (1), ROM_STR ("A"), ROM_NONE, ROM_INT (2)};
    assert_int_equal (rom_dict_or (d, ok, ov, 4, &k, &v, &n), ROM_OK);
    assert_items (k, n, "['a', 'b', 3, 'c', 9]");
    assert_items (v, n, "['A', 0, 0, 2, None]");
    rom_variants_free (&k, n);
    rom_variants_free (&v, n);
    assert_dict (d, "{'a': 0, 'b': 0, 3: 0}");
    assert_int_equal (rom_dict_or (d, NULL, NULL, 0, &k, &v, &n), ROM_OK);
    assert_int_equal (n, 3);
    rom_variants_free (&k, n);
    rom_variants_free (&v, n);

    // d |= other: update in place.
    assert_int_equal (rom_dict_ior (d, ok, ov, 4), ROM_OK);
    assert_dict (d, "{'a': 'A', 'b': 0, 3: 0, 'c': 2, 9: None}");

    // A key of another kind than a Dict key (an object reference) is refused, all or nothing.
    rom_list_t *l;
    assert_int_equal (rom_list_new (client, &l), ROM_OK);
    char *token = rom_proxy_to_token (rom_list_proxy (l));
    rom_variant_t badk[] = {ROM_STR ("new"), ROM_REF (token)};
    rom_variant_t badv[] = {ROM_INT (1), ROM_INT (2)};
    assert_int_equal (rom_dict_ior (d, badk, badv, 2), ROM_WRONG_TYPE);
    assert_errmsg (client, s_where ("Dict", rom_dict_proxy (d), "Update"));
    assert_int_equal (rom_dict_or (d, badk, badv, 2, &k, &v, &n), ROM_WRONG_TYPE);
    assert_errmsg (client, s_where ("Dict", rom_dict_proxy (d), "Merged"));
    rom_dict_t *d2 = NULL;
    assert_int_equal (rom_dict_new_fromkeys (client, badk, 2, ROM_INT (0), &d2), ROM_WRONG_TYPE);
    assert_null (d2);
    assert_dict (d, "{'a': 'A', 'b': 0, 3: 0, 'c': 2, 9: None}");

    // Values may be references: fromkeys shares one, | hands them out as tokens.
    assert_int_equal (rom_dict_new_fromkeys (client, keys, 2, ROM_REF (token), &d2), ROM_OK);
    assert_int_equal (rom_dict_or (d2, NULL, NULL, 0, &k, &v, &n), ROM_OK);
    assert_int_equal (n, 2);
    assert_true (v[0].kind == ROM_KIND_REF && v[1].kind == ROM_KIND_REF);
    rom_variants_free (&k, n);
    rom_variants_free (&v, n);
    rom_variant_t ref = ROM_REF (token); // a reference given to | comes back as one, the object unharmed
    assert_int_equal (rom_dict_or (d2, &keys[2], &ref, 1, &k, &v, &n), ROM_OK);
    assert_true (n == 3 && v[2].kind == ROM_KIND_REF);
    assert_true (strcmp (v[2].str, token) == 0);
    rom_variants_free (&k, n);
    rom_variants_free (&v, n);
    size_t len = 99;
    assert_int_equal (rom_list_len (l, &len), ROM_OK);
    assert_int_equal (len, 0);
    rom_dict_destroy (&d2);
    assert_int_equal (rom_dict_new_fromkeys (client, NULL, 0, ROM_NONE, &d2), ROM_OK); // dict.fromkeys ([])
    assert_dict (d2, "{}");
    assert_int_equal (rom_dict_copy (d2, &k, &v, &n), ROM_OK);
    assert_true (n == 0 && !k && !v);
    rom_dict_destroy (&d2);

    // Misuse.
    assert_int_equal (rom_dict_new_fromkeys (NULL, keys, 3, ROM_NONE, &d2), ROM_INVALID);
    assert_int_equal (rom_dict_new_fromkeys (client, keys, 3, ROM_NONE, NULL), ROM_INVALID);
    assert_int_equal (rom_dict_new_fromkeys (client, NULL, 3, ROM_NONE, &d2), ROM_INVALID);
    assert_errmsg (NULL, "rom_dict_new_fromkeys");
    assert_int_equal (rom_dict_copy (NULL, &k, &v, &n), ROM_INVALID);
    assert_int_equal (rom_dict_copy (d, NULL, &v, &n), ROM_INVALID);
    assert_int_equal (rom_dict_copy (d, &k, NULL, &n), ROM_INVALID);
    assert_int_equal (rom_dict_copy (d, &k, &v, NULL), ROM_INVALID);
    assert_int_equal (rom_dict_copy ((rom_dict_t *) l, &k, &v, &n), ROM_INVALID);
    assert_int_equal (rom_dict_ior (NULL, ok, ov, 4), ROM_INVALID);
    assert_int_equal (rom_dict_ior (d, NULL, ov, 4), ROM_INVALID);
    assert_int_equal (rom_dict_ior (d, ok, NULL, 4), ROM_INVALID);
    assert_errmsg (NULL, "rom_dict_ior");
    assert_int_equal (rom_dict_or (NULL, ok, ov, 4, &k, &v, &n), ROM_INVALID);
    assert_int_equal (rom_dict_or (d, ok, ov, 4, NULL, &v, &n), ROM_INVALID);
    assert_int_equal (rom_dict_or (d, ok, ov, 4, &k, NULL, &n), ROM_INVALID);
    assert_int_equal (rom_dict_or (d, ok, ov, 4, &k, &v, NULL), ROM_INVALID);
    assert_int_equal (rom_dict_or (d, NULL, ov, 4, &k, &v, &n), ROM_INVALID);
    free (token);
    rom_list_destroy (&l);
    rom_dict_destroy (&d);
    rom_client_destroy (&client);
}

// --- Dict: iteration ---------------------------------------------------------------------------------------

static void
test_dict_iter_in_chunks (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_dict_t *d;
    assert_int_equal (rom_dict_new (client, &d), ROM_OK);
    for (int64_t i = 0; i < 700; i++)
        assert_int_equal (rom_dict_set (d, ROM_INT (i), ROM_INT (i * 10)), ROM_OK);
    // Holes of deleted entries are skipped, insertion order kept.
    for (int64_t i = 0; i < 700; i += 7)
        assert_int_equal (rom_dict_delete (d, ROM_INT (i)), ROM_OK);

    rom_cursor_t cursor = ROM_CURSOR_INIT;
    size_t total = 0, chunks = 0;
    int64_t expect = 1;
    for (;;) {
        rom_variant_t *k = NULL, *v = NULL;
        size_t n = 0;
        assert_int_equal (rom_dict_iter (d, &cursor, 0, &k, &v, &n), ROM_OK);
        if (n == 0)
            break;
        assert_true (n <= 256);
        for (size_t i = 0; i < n; i++, expect += expect % 7 == 6 ? 2 : 1)
            assert_true (k[i].i == expect && v[i].i == expect * 10);
        total += n;
        chunks++;
        rom_variants_free (&k, n);
        rom_variants_free (&v, n);
    }
    assert_int_equal (total, 600);
    assert_int_equal (chunks, 3);
    rom_variant_t *k = (rom_variant_t *) &cursor, *v = NULL;
    size_t n = 99;
    assert_int_equal (rom_dict_iter (d, &cursor, 0, &k, &v, &n), ROM_OK); // the end stays the end
    assert_true (n == 0 && !k && !v);

    // Keys only, then values only.
    cursor = ROM_CURSOR_INIT;
    assert_int_equal (rom_dict_iter (d, &cursor, 2, &k, NULL, &n), ROM_OK);
    assert_true (n == 2 && k[0].i == 1 && k[1].i == 2);
    rom_variants_free (&k, n);
    assert_int_equal (rom_dict_iter (d, &cursor, 2, NULL, &v, &n), ROM_OK);
    assert_true (n == 2 && v[0].i == 30 && v[1].i == 40);
    rom_variants_free (&v, n);

    // Another process sets a key between two chunks: CHANGED, as Python's RuntimeError.
    pid_t child = fork ();
    if (child == 0)
        _exit (rom_dict_set_int (d, "new", 1) == ROM_OK ? 0 : 1);
    assert_int_equal (rom_test_join (child), 0);
    rom_cursor_t before = cursor;
    n = 99;
    assert_int_equal (rom_dict_iter (d, &cursor, 2, &k, &v, &n), ROM_CHANGED);
    assert_int_equal (n, 99);
    assert_memory_equal (&cursor, &before, sizeof cursor);
    assert_errmsg (client, s_where ("Dict", rom_dict_proxy (d), "Iter"));
    assert_errmsg (client, "dictionary changed during iteration");

    // Every modifying call counts, made through another client; reads and a missing pop do not.
    rom_client_t *other = rom_test_connect (rom_test_group.endpoint);
    char *token = rom_proxy_to_token (rom_dict_proxy (d));
    rom_proxy_t *proxy = NULL;
    assert_int_equal (rom_proxy_from_token (other, rom_proxy_type (rom_dict_proxy (d)), token, &proxy),
                      ROM_OK);
    rom_dict_t *same = (rom_dict_t *) proxy;
    rom_variant_t uk[] = {ROM_STR ("u")}, uv[] = {ROM_INT (5)};
    for (int op = 0; op < 7; op++) {
        cursor = ROM_CURSOR_INIT;
        assert_int_equal (rom_dict_iter (d, &cursor, 3, &k, NULL, &n), ROM_OK);
        rom_variants_free (&k, n);
        switch (op) {
        case 0: assert_int_equal (rom_dict_set_int (same, "x", 1), ROM_OK); break;
        case 1: assert_int_equal (rom_dict_delete (same, ROM_STR ("x")), ROM_OK); break;
        case 2: assert_int_equal (rom_dict_incr_int (same, "n", 1, NULL), ROM_OK); break;
        case 3: assert_int_equal (rom_dict_ior (same, uk, uv, 1), ROM_OK); break;
        case 4: assert_int_equal (rom_dict_popitem (same, NULL, NULL), ROM_OK); break;
        case 5: assert_int_equal (rom_dict_pop (same, ROM_STR ("n"), NULL), ROM_OK); break;
        default:
            assert_int_equal (rom_dict_setdefault (same, ROM_STR ("s"), ROM_INT (1), NULL), ROM_OK);
            break;
        }
        assert_int_equal (rom_dict_iter (d, &cursor, 3, &k, NULL, &n), ROM_CHANGED);
    }
    cursor = ROM_CURSOR_INIT;
    assert_int_equal (rom_dict_iter (d, &cursor, 3, &k, NULL, &n), ROM_OK);
    rom_variants_free (&k, n);
    rom_variant_t got;
    assert_int_equal (rom_dict_get (same, ROM_INT (1), &got), ROM_OK);
    assert_int_equal (rom_dict_pop_or (same, ROM_STR ("missing"), ROM_NONE, &got), ROM_OK);
    assert_int_equal (rom_dict_setdefault (same, ROM_STR ("s"), ROM_INT (2), NULL), ROM_OK); // present
    assert_int_equal (rom_dict_or (same, uk, uv, 1, &k, &v, &n), ROM_OK);
    rom_variants_free (&k, n);
    rom_variants_free (&v, n);
    assert_int_equal (rom_dict_iter (d, &cursor, 3, &k, NULL, &n), ROM_OK);
    assert_int_equal (n, 3);
    rom_variants_free (&k, n);
    // ... and clear, the very case of CPython's test_dict_iter.
    assert_int_equal (rom_dict_clear (same), ROM_OK);
    assert_int_equal (rom_dict_iter (d, &cursor, 3, &k, NULL, &n), ROM_CHANGED);

    // An empty Dict ends at once; a cursor of another Dict does no harm.
    cursor = ROM_CURSOR_INIT;
    assert_int_equal (rom_dict_iter (d, &cursor, 3, &k, &v, &n), ROM_OK);
    assert_int_equal (n, 0);
    rom_dict_t *d2;
    assert_int_equal (rom_dict_new_fromkeys (client, uk, 1, ROM_NONE, &d2), ROM_OK);
    cursor = ROM_CURSOR_INIT;
    assert_int_equal (rom_dict_iter (d2, &cursor, 0, &k, &v, &n), ROM_OK); // done with its one entry
    rom_variants_free (&k, n);
    rom_variants_free (&v, n);
    cursor.done = false; // a cursor that claims to go on, given to another Dict
    assert_int_equal (rom_dict_iter (d, &cursor, 3, &k, &v, &n), ROM_CHANGED);
    rom_dict_destroy (&d2);

    // Misuse.
    assert_int_equal (rom_dict_iter (NULL, &cursor, 3, &k, &v, &n), ROM_INVALID);
    assert_errmsg (NULL, "rom_dict_iter");
    assert_int_equal (rom_dict_iter (d, NULL, 3, &k, &v, &n), ROM_INVALID);
    assert_int_equal (rom_dict_iter (d, &cursor, 3, &k, &v, NULL), ROM_INVALID);

    free (token);
    rom_dict_destroy (&same);
    rom_client_destroy (&other);
    rom_dict_destroy (&d);
    rom_client_destroy (&client);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_list_count_contains_index_in),
        cmocka_unit_test (test_list_sort_orders_numbers_text_and_bytes),
        cmocka_unit_test (test_list_sort_refuses_mixed_kinds_and_changes_nothing),
        cmocka_unit_test (test_list_set_and_delete_slices),
        cmocka_unit_test (test_list_repetition_and_plain_copies),
        cmocka_unit_test (test_list_iter_in_chunks),
        cmocka_unit_test (test_dict_popitem_is_lifo),
        cmocka_unit_test (test_dict_copy_or_ior_and_fromkeys),
        cmocka_unit_test (test_dict_iter_in_chunks),
    };
    return cmocka_run_group_tests (tests, rom_test_group_setup, rom_test_group_teardown);
}
