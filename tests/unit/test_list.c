// test_list.c: the runtime's intrusive list (runtime/util/romi_list.h) on its own: the order append and
// prepend give, unlinking at either end and in the middle, pop, both walks, the count and container_of.
// The core and the built-ins keep their queues in it, so a wrong link here would lose or reorder calls.
#include "romi_list.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

typedef struct {
    int value;
    romi_link_t link; // not first: container_of must subtract a real offset
} item_t;

static int
s_value (romi_link_t *link)
{
    return romi_container_of (link, item_t, link)->value;
}

// The list holds exactly `expect[0..n)`, in that order, walking forward and backward, and counts n.
static void
s_assert_order (romi_list_t *list, const int *expect, size_t n)
{
    assert_int_equal (list->count, n);
    size_t i = 0;
    romi_list_each (list, l)
    {
        assert_true (i < n);
        assert_int_equal (s_value (l), expect[i]);
        i++;
    }
    assert_int_equal (i, n);
    for (romi_link_t *l = list->head.prev; l != &list->head; l = l->prev)
        assert_int_equal (s_value (l), expect[--i]);
    assert_int_equal (i, 0);
}

// Empty by every measure: the sentinel, the count and the accessors agree.
static void
s_assert_empty (romi_list_t *list)
{
    assert_true (romi_list_empty (list));
    assert_int_equal (list->count, 0);
    assert_null (romi_list_first (list));
    assert_null (romi_list_last (list));
}

static void
s_fill (romi_list_t *list, item_t *items, size_t n)
{
    romi_list_init (list);
    for (size_t i = 0; i < n; i++) {
        items[i] = (item_t) {.value = (int) i};
        romi_list_append (list, &items[i].link);
    }
}

static void
test_init_empty (void **state)
{
    (void) state;
    romi_list_t list;
    romi_list_init (&list);
    s_assert_empty (&list);
    assert_null (romi_list_pop (&list));
    size_t walked = 0;
    romi_list_each (&list, l) walked++;
    romi_list_each_safe (&list, l) walked++;
    assert_int_equal (walked, 0);
    // A zeroed element is in no list.
    item_t item = {0};
    assert_false (romi_link_linked (&item.link));
}

static void
test_append_prepend_order (void **state)
{
    (void) state;
    romi_list_t list;
    romi_list_init (&list);
    item_t items[4] = {{.value = 1}, {.value = 2}, {.value = 3}, {.value = 4}};
    romi_list_append (&list, &items[1].link);  // 2
    romi_list_append (&list, &items[2].link);  // 2 3
    romi_list_prepend (&list, &items[0].link); // 1 2 3
    romi_list_append (&list, &items[3].link);  // 1 2 3 4
    assert_false (romi_list_empty (&list));
    s_assert_order (&list, (int[]) {1, 2, 3, 4}, 4);
    assert_ptr_equal (romi_list_first (&list), &items[0].link);
    assert_ptr_equal (romi_list_last (&list), &items[3].link);
    for (size_t i = 0; i < 4; i++)
        assert_true (romi_link_linked (&items[i].link));
}

static void
test_unlink_middle_first_last (void **state)
{
    (void) state;
    romi_list_t list;
    item_t items[5];
    s_fill (&list, items, 5);
    romi_list_unlink (&list, &items[2].link);
    assert_false (romi_link_linked (&items[2].link));
    s_assert_order (&list, (int[]) {0, 1, 3, 4}, 4);
    romi_list_unlink (&list, &items[0].link);
    s_assert_order (&list, (int[]) {1, 3, 4}, 3);
    assert_ptr_equal (romi_list_first (&list), &items[1].link);
    romi_list_unlink (&list, &items[4].link);
    s_assert_order (&list, (int[]) {1, 3}, 2);
    assert_ptr_equal (romi_list_last (&list), &items[3].link);
    // An unlinked element goes back in like a new one.
    romi_list_prepend (&list, &items[4].link);
    s_assert_order (&list, (int[]) {4, 1, 3}, 3);
    romi_list_unlink (&list, &items[4].link);
    romi_list_unlink (&list, &items[1].link);
    romi_list_unlink (&list, &items[3].link);
    s_assert_empty (&list);
}

static void
test_pop (void **state)
{
    (void) state;
    romi_list_t list;
    item_t items[3];
    s_fill (&list, items, 3);
    for (int i = 0; i < 3; i++) {
        romi_link_t *l = romi_list_pop (&list);
        assert_ptr_equal (l, &items[i].link);
        assert_false (romi_link_linked (l));
        assert_int_equal (list.count, (size_t) (2 - i));
    }
    s_assert_empty (&list);
    assert_null (romi_list_pop (&list));
}

static void
test_each_safe_removal (void **state)
{
    (void) state;
    romi_list_t list;
    item_t items[6];
    s_fill (&list, items, 6);
    // Unlink every even element during the walk: the walk must still visit all six.
    int visited = 0;
    romi_list_each_safe (&list, l)
    {
        assert_int_equal (s_value (l), visited);
        if (s_value (l) % 2 == 0)
            romi_list_unlink (&list, l);
        visited++;
    }
    assert_int_equal (visited, 6);
    s_assert_order (&list, (int[]) {1, 3, 5}, 3);
    // Unlinking everything, the last element included, empties the list.
    romi_list_each_safe (&list, l) romi_list_unlink (&list, l);
    s_assert_empty (&list);
}

static void
test_each_sum_and_count (void **state)
{
    (void) state;
    romi_list_t list;
    item_t items[10];
    s_fill (&list, items, 10);
    int sum = 0;
    size_t walked = 0;
    romi_list_each (&list, l)
    {
        sum += s_value (l);
        walked++;
    }
    assert_int_equal (sum, 45);
    assert_int_equal (walked, list.count);
    assert_int_equal (list.count, 10);
}

static void
test_container_of (void **state)
{
    (void) state;
    item_t item = {.value = 42};
    romi_link_t *link = &item.link;
    assert_ptr_equal (romi_container_of (link, item_t, link), &item);
    assert_int_equal (romi_container_of (link, item_t, link)->value, 42);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_init_empty),
        cmocka_unit_test (test_append_prepend_order),
        cmocka_unit_test (test_unlink_middle_first_last),
        cmocka_unit_test (test_pop),
        cmocka_unit_test (test_each_safe_removal),
        cmocka_unit_test (test_each_sum_and_count),
        cmocka_unit_test (test_container_of),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
