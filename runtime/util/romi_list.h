// romi_list.h: the one doubly linked list of the runtime, intrusive (Linux's list_head, Redis's adlist
// reused everywhere): a romi_link_t inside each element, a romi_list_t head, O(1) append, prepend and unlink,
// no allocation. Header only, with no dependency, so both the core and the built-ins use it.
//
//   typedef struct { romi_link_t link; int x; } item_t;
//   romi_list_t list; romi_list_init (&list);
//   romi_list_append (&list, &item->link);
//   for (romi_link_t *l = list.head.next; l != &list.head; l = l->next) {
//       item_t *item = romi_container_of (l, item_t, link); ...
//   }
#ifndef ROMI_LIST_H
#define ROMI_LIST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct romi_link romi_link_t;
struct romi_link {
    romi_link_t *next, *prev; // both NULL while the element is in no list
};

// A circular list with a sentinel: `head.next` is the first element, `head.prev` the last, and both point
// at `head` when the list is empty.
typedef struct {
    romi_link_t head;
    size_t count;
} romi_list_t;

// The element that holds `link` as its member `member`.
#define romi_container_of(link, type, member) ((type *) (void *) ((char *) (link) -offsetof (type, member)))

// Walk the list; `l` may not be unlinked during the walk (use romi_list_each_safe for that).
#define romi_list_each(list, l) for (romi_link_t *l = (list)->head.next; l != &(list)->head; l = l->next)
// Walk the list; the body may unlink `l` (not its successor).
#define romi_list_each_safe(list, l)                                                                         \
    for (romi_link_t *l = (list)->head.next, *l##_next = l->next; l != &(list)->head;                        \
         l = l##_next, l##_next = l->next)

// A ring without a count: a bare romi_link_t is its sentinel (an object's owner's objects, object.c). Its
// elements unlink without the ring at hand, which a romi_list_t, counting, cannot offer.
static inline void
romi_ring_init (romi_link_t *ring)
{
    ring->next = ring->prev = ring;
}

static inline void
romi_ring_add (romi_link_t *ring, romi_link_t *link)
{
    link->prev = ring->prev;
    link->next = ring;
    ring->prev->next = link;
    ring->prev = link;
}

// Unlink `link` from its ring, if it is in one.
static inline void
romi_ring_remove (romi_link_t *link)
{
    if (!link->next)
        return;
    link->prev->next = link->next;
    link->next->prev = link->prev;
    link->next = link->prev = NULL;
}

static inline void
romi_list_init (romi_list_t *self)
{
    self->head.next = self->head.prev = &self->head;
    self->count = 0;
}

static inline bool
romi_list_empty (const romi_list_t *self)
{
    return self->head.next == &self->head;
}

// The first (last) element's link, or NULL when the list is empty.
static inline romi_link_t *
romi_list_first (const romi_list_t *self)
{
    return self->head.next == &self->head ? NULL : self->head.next;
}

static inline romi_link_t *
romi_list_last (const romi_list_t *self)
{
    return self->head.prev == &self->head ? NULL : self->head.prev;
}

static inline void
romi_list_insert_after (romi_list_t *self, romi_link_t *at, romi_link_t *link)
{
    link->prev = at;
    link->next = at->next;
    at->next->prev = link;
    at->next = link;
    self->count++;
}

static inline void
romi_list_append (romi_list_t *self, romi_link_t *link)
{
    romi_list_insert_after (self, self->head.prev, link);
}

static inline void
romi_list_prepend (romi_list_t *self, romi_link_t *link)
{
    romi_list_insert_after (self, &self->head, link);
}

// Whether `link` is in a list (it is after an append, not after an unlink or when zeroed).
static inline bool
romi_link_linked (const romi_link_t *link)
{
    return link->next != NULL;
}

// Unlink `link` from `self`, which holds it; the element is not freed.
static inline void
romi_list_unlink (romi_list_t *self, romi_link_t *link)
{
    link->prev->next = link->next;
    link->next->prev = link->prev;
    link->next = link->prev = NULL;
    self->count--;
}

// Unlink and return the first element's link, or NULL when the list is empty.
static inline romi_link_t *
romi_list_pop (romi_list_t *self)
{
    romi_link_t *link = romi_list_first (self);
    if (link)
        romi_list_unlink (self, link);
    return link;
}

#endif
