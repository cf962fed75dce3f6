// test_object_table.c: the server's index structures on their own: the id map (growth, backward-shift
// deletion under collisions) and the object table (ids, names, references per session).
#include "rom_private.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

static void
test_map_put_get_remove (void **state)
{
    (void) state;
    romi_map_t map;
    romi_map_init (&map);
    assert_null (romi_map_get (&map, 1));
    enum { N = 10000 };
    for (uint64_t k = 1; k <= N; k++)
        assert_int_equal (romi_map_put (&map, k, (void *) (uintptr_t) (k * 2)), 0);
    assert_int_equal (map.count, N);
    // Remove every third key, then check every key: backward shift must keep the others reachable.
    for (uint64_t k = 3; k <= N; k += 3)
        assert_int_equal ((uintptr_t) romi_map_remove (&map, k), k * 2);
    for (uint64_t k = 1; k <= N; k++) {
        void *v = romi_map_get (&map, k);
        if (k % 3 == 0)
            assert_null (v);
        else
            assert_int_equal ((uintptr_t) v, k * 2);
    }
    assert_null (romi_map_remove (&map, 3));             // twice: nothing
    assert_int_equal (romi_map_put (&map, 0, NULL), -1); // 0 is the empty key
    // Replace keeps the count.
    size_t count = map.count;
    assert_int_equal (romi_map_put (&map, 1, (void *) 7), 0);
    assert_int_equal (map.count, count);
    assert_int_equal ((uintptr_t) romi_map_get (&map, 1), 7);
    // Iteration visits each key once.
    size_t cursor = 0, seen = 0;
    uint64_t key;
    void *value;
    while (romi_map_next (&map, &cursor, &key, &value))
        seen++;
    assert_int_equal (seen, map.count);
    romi_map_clear (&map);
    assert_int_equal (map.count, 0);
}

static void
test_map_colliding_keys (void **state)
{
    (void) state;
    // Keys that share a home slot in a small table form one long probe run; deleting from its middle
    // must not cut off the rest.
    romi_map_t map;
    romi_map_init (&map);
    uint64_t keys[64];
    for (int i = 0; i < 64; i++) {
        keys[i] = ((uint64_t) i << 40) | 1; // the multiplicative hash maps these close together
        assert_int_equal (romi_map_put (&map, keys[i], (void *) (uintptr_t) (i + 1)), 0);
    }
    for (int i = 0; i < 64; i += 2)
        assert_int_equal ((uintptr_t) romi_map_remove (&map, keys[i]), (uintptr_t) (i + 1));
    for (int i = 1; i < 64; i += 2)
        assert_int_equal ((uintptr_t) romi_map_get (&map, keys[i]), (uintptr_t) (i + 1));
    for (int i = 1; i < 64; i += 2)
        romi_map_remove (&map, keys[i]);
    assert_int_equal (map.count, 0);
    assert_null (map.slots); // an emptied map gives its memory back
}

static const rom_type_t s_type = {.name = "test.T"};
static const romi_type_entry_t s_entry = {.type = &s_type};

static void
test_objects_ids_and_names (void **state)
{
    (void) state;
    romi_objects_t objects;
    romi_objects_init (&objects);
    romi_object_t *a = romi_objects_add (&objects, &s_entry, NULL, NULL);
    romi_object_t *b = romi_objects_add (&objects, &s_entry, NULL, "bee");
    romi_object_t *c = romi_objects_add (&objects, &s_entry, NULL, "");
    assert_non_null (a);
    assert_int_equal (a->id, 1);
    assert_int_equal (b->id, 2);
    assert_null (romi_objects_name (&objects, c)); // an empty name is no name
    assert_null (romi_objects_ext (&objects, a));  // an unnamed object has no extension
    assert_string_equal (romi_objects_name (&objects, b), "bee");
    assert_ptr_equal (romi_objects_find (&objects, 2), b);
    assert_ptr_equal (romi_objects_find_name (&objects, "bee"), b);
    assert_null (romi_objects_find_name (&objects, "be"));
    assert_int_equal (romi_objects_count (&objects), 3);
    uint64_t id_b = b->id;
    romi_objects_remove (&objects, &b);
    assert_null (b);
    assert_null (romi_objects_find (&objects, id_b));
    assert_null (romi_objects_find_name (&objects, "bee"));
    // Ids are never reused.
    romi_object_t *d = romi_objects_add (&objects, &s_entry, NULL, "bee");
    assert_int_equal (d->id, 4);
    assert_ptr_equal (romi_objects_find_name (&objects, "bee"), d);
    romi_objects_remove (&objects, &a);
    romi_objects_remove (&objects, &c);
    romi_objects_remove (&objects, &d);
    assert_int_equal (romi_objects_count (&objects), 0);
    romi_objects_fini (&objects);
}

static void
test_objects_references_per_session (void **state)
{
    (void) state;
    romi_objects_t objects;
    romi_objects_init (&objects);
    romi_session_t s1 = {.id = 1, .owner_key = 1}, s2 = {.id = 2, .owner_key = 2};
    romi_map_init (&s1.refs);
    romi_map_init (&s2.refs);
    romi_ring_init (&s1.owned);
    romi_ring_init (&s2.owned);
    romi_object_t *o = romi_objects_add (&objects, &s_entry, NULL, NULL);
    bool dead;
    assert_int_equal (romi_objects_retain (&s1, o), 0);
    assert_int_equal (romi_objects_retain (&s1, o), 0);
    assert_int_equal (romi_objects_retain (&s2, o), 0);
    assert_int_equal (o->refs, 3);
    // Each session counts the objects it holds; the owner has the object on its ring.
    assert_int_equal (s1.n_held, 1);
    assert_int_equal (s2.n_held, 1);
    assert_ptr_equal (s1.owned.next, &o->owned);
    assert_ptr_equal (s2.owned.next, &s2.owned);
    // The first session counts in the object (its owner), the second in its map.
    assert_int_equal (o->owner, 1);
    assert_int_equal (o->owner_refs, 2);
    assert_int_equal (s1.refs.count, 0);
    assert_int_equal ((uintptr_t) romi_map_get (&s2.refs, o->id), 1);
    assert_int_equal (romi_objects_session_refs (&s1, o), 2);
    assert_int_equal (romi_objects_session_refs (&s2, o), 1);
    // A session cannot drop references it does not hold.
    assert_int_equal (romi_objects_release (&s2, o, &dead), ROM_OK);
    assert_false (dead);
    assert_int_equal (romi_objects_release (&s2, o, &dead), ROM_DENIED);
    assert_int_equal (o->refs, 2);
    assert_int_equal (romi_objects_release (&s1, o, &dead), ROM_OK);
    assert_false (dead);
    assert_int_equal (romi_objects_release (&s1, o, &dead), ROM_OK);
    assert_true (dead); // no reference, no name
    assert_int_equal (s1.refs.count, 0);
    assert_int_equal (s1.n_held, 0);
    assert_int_equal (s2.n_held, 0);
    assert_ptr_equal (s1.owned.next, &s1.owned); // off the ring with its last owner reference

    // Once the owner let go, a session with a map entry keeps using its map (never both), and a session
    // without one becomes the owner.
    romi_object_t *p = romi_objects_add (&objects, &s_entry, NULL, NULL);
    assert_int_equal (romi_objects_retain (&s1, p), 0);
    assert_int_equal (romi_objects_retain (&s2, p), 0);
    assert_int_equal (romi_objects_release (&s1, p, &dead), ROM_OK);
    assert_int_equal (p->owner, 0);
    assert_int_equal (romi_objects_retain (&s2, p), 0);
    assert_int_equal (p->owner, 0);
    assert_int_equal ((uintptr_t) romi_map_get (&s2.refs, p->id), 2);
    assert_int_equal (romi_objects_retain (&s1, p), 0);
    assert_int_equal (p->owner, 1);
    assert_int_equal (romi_objects_release (&s1, p, &dead), ROM_OK);
    assert_int_equal (romi_objects_release (&s1, p, &dead), ROM_DENIED);
    // An ending session disowns: its owner references go, its map's are the caller's to drop.
    assert_int_equal (romi_objects_retain (&s1, p), 0);
    assert_int_equal (romi_objects_retain (&s1, p), 0);
    assert_int_equal (p->refs, 4);
    assert_false (romi_objects_disown (p, 2)); // not its owner
    assert_false (romi_objects_disown (p, 1)); // s2's two keep it
    assert_int_equal (p->refs, 2);
    assert_int_equal (romi_objects_release (&s2, p, &dead), ROM_OK);
    assert_int_equal (romi_objects_release (&s2, p, &dead), ROM_OK);
    assert_true (dead);
    assert_int_equal (s2.refs.count, 0);
    assert_int_equal (romi_objects_retain (&s2, p), 0);
    assert_ptr_equal (s2.owned.next, &p->owned);
    assert_true (romi_objects_disown (p, 2)); // its only reference
    assert_ptr_equal (s2.owned.next, &s2.owned);
    romi_objects_remove (&objects, &p);

    romi_object_t *named = romi_objects_add (&objects, &s_entry, NULL, "kept");
    assert_int_equal (romi_objects_retain (&s1, named), 0);
    assert_int_equal (romi_objects_release (&s1, named, &dead), ROM_OK);
    assert_false (dead); // a named object outlives its references
    assert_int_equal (romi_objects_retain (&s1, named), 0);
    assert_false (romi_objects_disown (named, 1));
    romi_objects_remove (&objects, &o);
    romi_objects_remove (&objects, &named);
    romi_objects_fini (&objects);
}

// The id index on its own: many objects, every third removed (backward shift across probe runs), then every
// other one found; names and extensions made on demand and freed with their objects.
static void
test_objects_index_and_extensions (void **state)
{
    (void) state;
    romi_objects_t objects;
    romi_objects_init (&objects);
    enum { N = 20000 };
    romi_object_t **all = calloc (N + 1, sizeof *all);
    assert_non_null (all);
    char name[32];
    for (uint64_t i = 1; i <= N; i++) {
        snprintf (name, sizeof name, "n%llu", (unsigned long long) i);
        all[i] = romi_objects_add (&objects, &s_entry, NULL, i % 100 == 0 ? name : NULL);
        assert_non_null (all[i]);
        assert_int_equal (all[i]->id, i);
    }
    assert_int_equal (romi_objects_count (&objects), N);
    assert_true (objects.count * 4 <= objects.capacity * 3); // grown at 3/4
    for (uint64_t i = 3; i <= N; i += 3)
        romi_objects_remove (&objects, &all[i]);
    for (uint64_t i = 1; i <= N; i++) {
        assert_ptr_equal (romi_objects_find (&objects, i), all[i]); // NULL for the removed
        snprintf (name, sizeof name, "n%llu", (unsigned long long) i);
        if (i % 100 == 0)
            assert_ptr_equal (romi_objects_find_name (&objects, name), all[i]);
    }
    assert_null (romi_objects_find (&objects, N + 1));
    // Iteration visits each object once.
    size_t cursor = 0, seen = 0;
    romi_object_t *object;
    while (romi_objects_next (&objects, &cursor, &object))
        seen++;
    assert_int_equal (seen, romi_objects_count (&objects));
    // An extension on demand: the same one every time, freed by remove (LeakSanitizer would tell).
    romi_object_ext_t *ext = romi_objects_ext_make (&objects, all[1]);
    assert_non_null (ext);
    assert_ptr_equal (romi_objects_ext_make (&objects, all[1]), ext);
    assert_ptr_equal (romi_objects_ext (&objects, all[1]), ext);
    assert_int_equal (romi_map_put (&ext->held, 7, (void *) 1), 0);
    assert_null (romi_objects_name (&objects, all[1]));
    for (uint64_t i = 1; i <= N; i++)
        romi_objects_remove (&objects, &all[i]);
    assert_int_equal (romi_objects_count (&objects), 0);
    assert_null (objects.slots); // an emptied table gives its memory back
    assert_int_equal (objects.ext.count, 0);
    assert_int_equal (objects.by_name.count, 0);
    romi_objects_fini (&objects);
    free (all);
}

static void
test_type_hash (void **state)
{
    (void) state;
    assert_int_not_equal (rom_type_hash ("demo.Counter"), 0);
    assert_int_not_equal (rom_type_hash ("demo.Counter"), rom_type_hash ("demo.Counters"));
    assert_int_equal (rom_type_hash (""), 0x811c9dc5u); // FNV-1a offset basis
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_map_put_get_remove),
        cmocka_unit_test (test_map_colliding_keys),
        cmocka_unit_test (test_objects_ids_and_names),
        cmocka_unit_test (test_objects_references_per_session),
        cmocka_unit_test (test_objects_index_and_extensions),
        cmocka_unit_test (test_type_hash),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
