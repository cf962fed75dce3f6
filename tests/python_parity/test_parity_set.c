// test_parity_set.c: CPython's tests of the manager's set (SyncManager.set (), a SetProxy), ported to
// rom.builtins.Set. From CPython main, Lib/test/_test_multiprocessing.py, class TestSyncManagerTypes:
// test_set (three workers, each run in a child process as run_worker () does: the child asserts, the parent
// checks its exit code), test_set_init and test_set_contain_all_method. Each Python assertion is quoted
// above the C that mirrors it. Python's operators on the proxy map to helpers: `|` union, `&`
// intersection, `-` difference, `^` symmetric_difference, the in-place forms to the *_update helpers,
// `<=` / `>=` to issubset / issuperset (`<` and `>` add "and not equal"). A reflected operator with a plain
// set on the left ({'a'} - obj) has no helper: the test makes the plain set a Set and asks it.
#include "rom_test_fixture.h"
#include "rom/builtins/set.rom.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// A worker's assertion: in a child, a failure is its exit status (as a Python worker's AssertionError).
#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            fprintf (stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                        \
            _exit (1);                                                                                       \
        }                                                                                                    \
    } while (0)

#define N_OF(a) (sizeof (a) / sizeof *(a))
#define S(x) ROM_STR (x)

// Whether `items` (strings) are exactly the set written in `expected` ("a,b,c", any order); frees them.
static bool
s_items_are (rom_variant_t *items, size_t n, const char *expected)
{
    size_t want = 0;
    bool same = true;
    char copy[128];
    snprintf (copy, sizeof copy, "%s", expected);
    for (char *save = NULL, *name = strtok_r (copy, ",", &save); name; name = strtok_r (NULL, ",", &save)) {
        want++;
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = items[i].kind == ROM_KIND_STR && strcmp (items[i].str, name) == 0;
        same &= found;
    }
    rom_variants_free (&items, n);
    return same && want == n; // elements are distinct, so equal counts and inclusion make equal sets
}

// assertSetEqual (obj, {expected}).
static bool
s_set_is (rom_set_t *obj, const char *expected)
{
    rom_variant_t *items = NULL;
    size_t n = 0;
    return rom_set_items (obj, &items, &n) == ROM_OK && s_items_are (items, n, expected);
}

static bool
s_in (rom_set_t *obj, const char *name)
{
    bool found = false;
    CHECK (rom_set_contains_str (obj, name, &found) == ROM_OK);
    return found;
}

// `plain op obj` for a non-commutative op: the plain set as a Set of its own, asked against obj's elements.
static bool
s_reflected_difference_is (rom_set_t *obj, const rom_variant_t *plain, size_t n_plain, const char *expected)
{
    rom_set_t *left = NULL;
    rom_variant_t *elements = NULL, *out = NULL;
    size_t n = 0, n_out = 0;
    CHECK (rom_set_new_from (rom_proxy_client (rom_set_proxy (obj)), plain, n_plain, &left) == ROM_OK);
    CHECK (rom_set_items (obj, &elements, &n) == ROM_OK);
    CHECK (rom_set_difference (left, elements, n, &out, &n_out) == ROM_OK);
    rom_variants_free (&elements, n);
    rom_set_destroy (&left);
    return s_items_are (out, n_out, expected);
}

static void
s_reset_abc (rom_set_t *obj)
{
    static const rom_variant_t abc[] = {S ("a"), S ("b"), S ("c")};
    // obj.clear (); obj.update (['a', 'b', 'c'])
    CHECK (rom_set_clear (obj) == ROM_OK);
    CHECK (rom_set_update (obj, abc, N_OF (abc)) == ROM_OK);
}

// TestSyncManagerTypes.run_worker (): the worker in a child process, its exit code checked.
static void
s_run_worker (int (*worker) (rom_set_t *), rom_set_t *obj)
{
    pid_t child = fork ();
    if (child == 0)
        _exit (worker (obj));
    // self.assertEqual (self.proc.exitcode, 0)
    assert_int_equal (rom_test_join (child), 0);
}

// _test_set_operator_symbols (cls, obj)
static int
s_set_operator_symbols (rom_set_t *obj)
{
    rom_variant_t *out = NULL;
    size_t n_out = 0, n = 0;
    const rom_variant_t abc[] = {S ("a"), S ("b"), S ("c")}, de[] = {S ("d"), S ("e")};
    const rom_variant_t abd[] = {S ("a"), S ("b"), S ("d")}, ab[] = {S ("a"), S ("b")};
    const rom_variant_t bcd[] = {S ("b"), S ("c"), S ("d")};
    // obj.update(['a', 'b', 'c'])
    CHECK (rom_set_update (obj, abc, N_OF (abc)) == ROM_OK);
    // case.assertEqual(len(obj), 3)
    CHECK (rom_set_len (obj, &n) == ROM_OK && n == 3);
    // case.assertIn('a', obj); case.assertNotIn('d', obj)
    CHECK (s_in (obj, "a") && !s_in (obj, "d"));
    // result = obj | {'d', 'e'}; case.assertSetEqual(result, {'a', 'b', 'c', 'd', 'e'})
    // result = {'d', 'e'} | obj: the same set (union is symmetric)
    CHECK (rom_set_union (obj, de, N_OF (de), &out, &n_out) == ROM_OK);
    CHECK (s_items_are (out, n_out, "a,b,c,d,e"));
    // obj |= {'d', 'e'}; case.assertSetEqual(obj, {'a', 'b', 'c', 'd', 'e'})
    // case.assertIsInstance(obj, multiprocessing.managers.SetProxy): obj is still the Set handle
    CHECK (rom_set_update (obj, de, N_OF (de)) == ROM_OK);
    CHECK (s_set_is (obj, "a,b,c,d,e"));
    CHECK (rom_set_proxy (obj) != NULL);

    s_reset_abc (obj);
    // result = {'a', 'b', 'd'} - obj; case.assertSetEqual(result, {'d'})
    CHECK (s_reflected_difference_is (obj, abd, N_OF (abd), "d"));
    // result = obj - {'a', 'b'}; case.assertSetEqual(result, {'c'})
    CHECK (rom_set_difference (obj, ab, N_OF (ab), &out, &n_out) == ROM_OK);
    CHECK (s_items_are (out, n_out, "c"));
    // obj -= {'a', 'b'}; case.assertSetEqual(obj, {'c'})
    CHECK (rom_set_difference_update (obj, ab, N_OF (ab)) == ROM_OK);
    CHECK (s_set_is (obj, "c"));

    s_reset_abc (obj);
    // result = {'b', 'c', 'd'} ^ obj / obj ^ {'b', 'c', 'd'}; case.assertSetEqual(result, {'a', 'd'})
    CHECK (rom_set_symmetric_difference (obj, bcd, N_OF (bcd), &out, &n_out) == ROM_OK);
    CHECK (s_items_are (out, n_out, "a,d"));
    // obj ^= {'b', 'c', 'd'}; case.assertSetEqual(obj, {'a', 'd'})
    CHECK (rom_set_symmetric_difference_update (obj, bcd, N_OF (bcd)) == ROM_OK);
    CHECK (s_set_is (obj, "a,d"));

    s_reset_abc (obj);
    // result = obj & {'b', 'c', 'd'} / {'b', 'c', 'd'} & obj; case.assertSetEqual(result, {'b', 'c'})
    CHECK (rom_set_intersection (obj, bcd, N_OF (bcd), &out, &n_out) == ROM_OK);
    CHECK (s_items_are (out, n_out, "b,c"));
    // obj &= {'b', 'c', 'd'}; case.assertSetEqual(obj, {'b', 'c'})
    CHECK (rom_set_intersection_update (obj, bcd, N_OF (bcd)) == ROM_OK);
    CHECK (s_set_is (obj, "b,c"));

    s_reset_abc (obj);
    // case.assertSetEqual(set(obj), {'a', 'b', 'c'}): set (obj) iterates the proxy
    rom_cursor_t cursor = ROM_CURSOR_INIT;
    rom_variant_t *chunk = NULL;
    CHECK (rom_set_iter (obj, &cursor, 0, &chunk, &n) == ROM_OK);
    CHECK (s_items_are (chunk, n, "a,b,c"));
    CHECK (rom_set_iter (obj, &cursor, 0, &chunk, &n) == ROM_OK && n == 0);
    return 0;
}

// _test_set_operator_methods (cls, obj)
static int
s_set_operator_methods (rom_set_t *obj)
{
    rom_variant_t *out = NULL;
    size_t n_out = 0;
    const rom_variant_t a[] = {S ("a")}, ab[] = {S ("a"), S ("b")}, bcd[] = {S ("b"), S ("c"), S ("d")};
    // obj.add('d'); case.assertIn('d', obj)
    CHECK (rom_set_add_str (obj, "d") == ROM_OK);
    CHECK (s_in (obj, "d"));

    s_reset_abc (obj);
    // copy_obj = obj.copy(); case.assertSetEqual(copy_obj, obj)
    CHECK (rom_set_copy (obj, &out, &n_out) == ROM_OK);
    CHECK (s_items_are (out, n_out, "a,b,c") && s_set_is (obj, "a,b,c"));
    // obj.remove('a'); case.assertNotIn('a', obj)
    CHECK (rom_set_remove_str (obj, "a") == ROM_OK);
    CHECK (!s_in (obj, "a"));
    // case.assertRaises(KeyError, obj.remove, 'a')
    CHECK (rom_set_remove_str (obj, "a") == ROM_NOT_FOUND);

    // obj.clear(); obj.update(['a']); obj.discard('a'); case.assertNotIn('a', obj)
    CHECK (rom_set_clear (obj) == ROM_OK);
    CHECK (rom_set_update (obj, a, N_OF (a)) == ROM_OK);
    CHECK (rom_set_discard_str (obj, "a") == ROM_OK);
    CHECK (!s_in (obj, "a"));
    // obj.discard('a'); case.assertNotIn('a', obj)
    CHECK (rom_set_discard_str (obj, "a") == ROM_OK);
    CHECK (!s_in (obj, "a"));
    // obj.update(['a']); popped = obj.pop(); case.assertNotIn(popped, obj)
    CHECK (rom_set_update (obj, a, N_OF (a)) == ROM_OK);
    rom_variant_t popped;
    CHECK (rom_set_pop (obj, &popped) == ROM_OK);
    bool found = true;
    CHECK (rom_set_contains (obj, popped, &found) == ROM_OK && !found);
    rom_variant_clear (&popped);

    s_reset_abc (obj);
    // result = obj.intersection({'b', 'c', 'd'}); case.assertSetEqual(result, {'b', 'c'})
    CHECK (rom_set_intersection (obj, bcd, N_OF (bcd), &out, &n_out) == ROM_OK);
    CHECK (s_items_are (out, n_out, "b,c"));
    // obj.intersection_update({'b', 'c', 'd'}); case.assertSetEqual(obj, {'b', 'c'})
    CHECK (rom_set_intersection_update (obj, bcd, N_OF (bcd)) == ROM_OK);
    CHECK (s_set_is (obj, "b,c"));

    s_reset_abc (obj);
    // result = obj.difference({'a', 'b'}); case.assertSetEqual(result, {'c'})
    CHECK (rom_set_difference (obj, ab, N_OF (ab), &out, &n_out) == ROM_OK);
    CHECK (s_items_are (out, n_out, "c"));
    // obj.difference_update({'a', 'b'}); case.assertSetEqual(obj, {'c'})
    CHECK (rom_set_difference_update (obj, ab, N_OF (ab)) == ROM_OK);
    CHECK (s_set_is (obj, "c"));

    s_reset_abc (obj);
    // result = obj.symmetric_difference({'b', 'c', 'd'}); case.assertSetEqual(result, {'a', 'd'})
    CHECK (rom_set_symmetric_difference (obj, bcd, N_OF (bcd), &out, &n_out) == ROM_OK);
    CHECK (s_items_are (out, n_out, "a,d"));
    // obj.symmetric_difference_update({'b', 'c', 'd'}); case.assertSetEqual(obj, {'a', 'd'})
    CHECK (rom_set_symmetric_difference_update (obj, bcd, N_OF (bcd)) == ROM_OK);
    CHECK (s_set_is (obj, "a,d"));
    return 0;
}

// _test_set_comparisons (cls, obj)
static int
s_set_comparisons (rom_set_t *obj)
{
    rom_variant_t *out = NULL;
    size_t n_out = 0;
    bool r = false, r2 = false;
    const rom_variant_t abc[] = {S ("a"), S ("b"), S ("c")}, de[] = {S ("d"), S ("e")};
    const rom_variant_t ad[] = {S ("a"), S ("d")}, abcd[] = {S ("a"), S ("b"), S ("c"), S ("d")};
    const rom_variant_t ab[] = {S ("a"), S ("b")}, abd[] = {S ("a"), S ("b"), S ("d")}, a[] = {S ("a")};
    // obj.update(['a', 'b', 'c'])
    CHECK (rom_set_update (obj, abc, N_OF (abc)) == ROM_OK);
    // result = obj.union({'d', 'e'}); case.assertSetEqual(result, {'a', 'b', 'c', 'd', 'e'})
    CHECK (rom_set_union (obj, de, N_OF (de), &out, &n_out) == ROM_OK);
    CHECK (s_items_are (out, n_out, "a,b,c,d,e"));
    // case.assertTrue(obj.isdisjoint({'d', 'e'})); case.assertFalse(obj.isdisjoint({'a', 'd'}))
    CHECK (rom_set_isdisjoint (obj, de, N_OF (de), &r) == ROM_OK && r);
    CHECK (rom_set_isdisjoint (obj, ad, N_OF (ad), &r) == ROM_OK && !r);
    // case.assertTrue(obj.issubset({'a', 'b', 'c', 'd'})); case.assertFalse(obj.issubset({'a', 'b'}))
    CHECK (rom_set_issubset (obj, abcd, N_OF (abcd), &r) == ROM_OK && r);
    CHECK (rom_set_issubset (obj, ab, N_OF (ab), &r) == ROM_OK && !r);
    // case.assertLess(obj, {'a', 'b', 'c', 'd'}): a subset, and not a superset (not equal)
    CHECK (rom_set_issubset (obj, abcd, N_OF (abcd), &r) == ROM_OK && r);
    CHECK (rom_set_issuperset (obj, abcd, N_OF (abcd), &r2) == ROM_OK && !r2);
    // case.assertLessEqual(obj, {'a', 'b', 'c'})
    CHECK (rom_set_issubset (obj, abc, N_OF (abc), &r) == ROM_OK && r);
    // case.assertTrue(obj.issuperset({'a', 'b'})); case.assertFalse(obj.issuperset({'a', 'b', 'd'}))
    CHECK (rom_set_issuperset (obj, ab, N_OF (ab), &r) == ROM_OK && r);
    CHECK (rom_set_issuperset (obj, abd, N_OF (abd), &r) == ROM_OK && !r);
    // case.assertGreater(obj, {'a'}): a superset, and not a subset (not equal)
    CHECK (rom_set_issuperset (obj, a, N_OF (a), &r) == ROM_OK && r);
    CHECK (rom_set_issubset (obj, a, N_OF (a), &r2) == ROM_OK && !r2);
    // case.assertGreaterEqual(obj, {'a', 'b'})
    CHECK (rom_set_issuperset (obj, ab, N_OF (ab), &r) == ROM_OK && r);
    return 0;
}

// def test_set(self):
//     o = self.manager.set(); self.run_worker(self._test_set_operator_symbols, o)
//     o = self.manager.set(); self.run_worker(self._test_set_operator_methods, o)
//     o = self.manager.set(); self.run_worker(self._test_set_comparisons, o)
static void
test_set (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    int (*workers[]) (rom_set_t *) = {s_set_operator_symbols, s_set_operator_methods, s_set_comparisons};
    for (size_t w = 0; w < N_OF (workers); w++) {
        rom_set_t *o = NULL;
        assert_int_equal (rom_set_new (client, &o), ROM_OK);
        s_run_worker (workers[w], o);
        rom_set_destroy (&o);
    }
    rom_client_destroy (&client);
}

// def test_set_init(self):
static void
test_set_init (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_set_t *o = NULL;
    // o = self.manager.set({'a', 'b', 'c'}); self.assertSetEqual(o, {'a', 'b', 'c'})
    // o = self.manager.set(["a", "b", "c"]); self.assertSetEqual(o, {"a", "b", "c"})
    const rom_variant_t abc[] = {S ("a"), S ("b"), S ("c")};
    assert_int_equal (rom_set_new_from (client, abc, N_OF (abc), &o), ROM_OK);
    assert_true (s_set_is (o, "a,b,c"));
    rom_set_destroy (&o);
    // o = self.manager.set({"a": 1, "b": 2, "c": 3}); self.assertSetEqual(o, {"a", "b", "c"}): a dict's
    // keys, here those of a shared Dict
    rom_dict_t *d = NULL;
    const rom_variant_t ones[] = {ROM_INT (1), ROM_INT (2), ROM_INT (3)};
    assert_int_equal (rom_dict_new (client, &d), ROM_OK);
    assert_int_equal (rom_dict_update (d, abc, ones, N_OF (abc)), ROM_OK);
    rom_variant_t *keys = NULL;
    size_t n = 0;
    assert_int_equal (rom_dict_keys (d, &keys, &n), ROM_OK);
    assert_int_equal (rom_set_new_from (client, keys, n, &o), ROM_OK);
    rom_variants_free (&keys, n);
    assert_true (s_set_is (o, "a,b,c"));
    rom_set_destroy (&o);
    // self.assertRaises(RemoteError, self.manager.set, 1234): an int is no iterable. C's types rule that
    // out; what the server can still refuse is an element that cannot be one (TypeError: unhashable).
    char *token = rom_proxy_to_token (rom_dict_proxy (d));
    const rom_variant_t bad[] = {S ("a"), ROM_REF (token)};
    assert_int_equal (rom_set_new_from (client, bad, N_OF (bad), &o), ROM_WRONG_TYPE);
    assert_null (o);
    free (token);
    rom_dict_destroy (&d);
    rom_client_destroy (&client);
}

// def test_set_contain_all_method(self): every method of a set is on the proxy:
//     self.assertLessEqual(set_methods, set(dir(o)))
// Here: the rpc behind each Python method is in rom.builtins.Set's method table (a helper calls it by name).
static void
test_set_contain_all_method (void **state)
{
    (void) state;
    static const struct {
        const char *python, *rpc;
    } methods[] = {
        {"__and__ __rand__ intersection", "Intersection"},
        {"__iand__ intersection_update", "IntersectionUpdate"},
        {"__contains__", "Contains"},
        {"__ior__ update", "Update"},
        {"__isub__ difference_update", "DifferenceUpdate"},
        {"__iter__", "Iter"},
        {"__ixor__ symmetric_difference_update", "SymmetricDifferenceUpdate"},
        {"__len__", "Len"},
        {"__or__ __ror__ union", "UnionWith"},
        {"__sub__ __rsub__ difference", "Difference"},
        {"__xor__ __rxor__ symmetric_difference", "SymmetricDifference"},
        {"__le__ __lt__ issubset", "IsSubset"},
        {"__ge__ __gt__ issuperset", "IsSuperset"},
        {"isdisjoint", "IsDisjoint"},
        {"add", "Add"},
        {"clear", "Clear"},
        {"copy", "Items"},
        {"discard", "Discard"},
        {"pop", "Pop"},
        {"remove", "Remove"},
    };
    const rom_type_t *type = &rom__builtins__set__rom_type;
    assert_string_equal (type->name, "rom.builtins.Set");
    for (size_t k = 0; k < N_OF (methods); k++) {
        bool found = false;
        for (unsigned m = 0; m < type->n_methods && !found; m++)
            found = strcmp (type->methods[m].name, methods[k].rpc) == 0;
        if (!found)
            fail_msg ("no rpc %s for Python's %s", methods[k].rpc, methods[k].python);
    }
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_set),
        cmocka_unit_test (test_set_init),
        cmocka_unit_test (test_set_contain_all_method),
    };
    return cmocka_run_group_tests (tests, rom_test_group_setup, rom_test_group_teardown);
}
