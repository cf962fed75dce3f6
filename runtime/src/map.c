// map.c: an open-addressing hash map from uint64_t keys to pointers, the one index structure of the runtime
// (objects by id, sessions by id, a session's references, names by hash).
//
// Linear probing with backward-shift deletion keeps it tombstone-free, so a server that creates and destroys
// millions of objects never degrades. A slot is 16 bytes: at 1 M live objects the index costs ~24 bytes per
// object at the 2/3 load it grows at. Key 0 marks an empty slot, which is why object ids start at 1.
#include "rom_private.h"
#include "romi_map.h"

#include <stdlib.h>
#include <string.h>

#define ROM_MAP_MIN_CAPACITY 8u

static inline size_t
s_slot_of (const romi_map_t *self, uint64_t key)
{
    // Fibonacci hashing spreads sequential ids (the common case) over the table.
    return (size_t) ((key * 0x9E3779B97F4A7C15ull) >> 32) & (self->capacity - 1);
}

void
romi_map_init (romi_map_t *self)
{
    memset (self, 0, sizeof *self);
}

void
romi_map_clear (romi_map_t *self)
{
    free (self->slots);
    memset (self, 0, sizeof *self);
}

void *
romi_map_get (const romi_map_t *self, uint64_t key)
{
    if (self->count == 0 || key == 0)
        return NULL;
    for (size_t i = s_slot_of (self, key);; i = (i + 1) & (self->capacity - 1)) {
        if (self->slots[i].key == key)
            return self->slots[i].value;
        if (self->slots[i].key == 0)
            return NULL;
    }
}

static int
s_grow (romi_map_t *self)
{
    size_t capacity = self->capacity ? self->capacity * 2 : ROM_MAP_MIN_CAPACITY;
    romi_map_slot_t *slots = calloc (capacity, sizeof *slots);
    if (!slots)
        return -1;
    romi_map_slot_t *old = self->slots;
    size_t old_capacity = self->capacity;
    self->slots = slots;
    self->capacity = capacity;
    for (size_t i = 0; i < old_capacity; i++) {
        if (old[i].key == 0)
            continue;
        size_t j = s_slot_of (self, old[i].key);
        while (slots[j].key != 0)
            j = (j + 1) & (capacity - 1);
        slots[j] = old[i];
    }
    free (old);
    return 0;
}

int
romi_map_put (romi_map_t *self, uint64_t key, void *value)
{
    if (key == 0)
        return -1;
    if ((self->count + 1) * 3 > self->capacity * 2 && s_grow (self) != 0)
        return -1;
    size_t i = s_slot_of (self, key);
    while (self->slots[i].key != 0 && self->slots[i].key != key)
        i = (i + 1) & (self->capacity - 1);
    if (self->slots[i].key == 0)
        self->count++;
    self->slots[i].key = key;
    self->slots[i].value = value;
    return 0;
}

void *
romi_map_remove (romi_map_t *self, uint64_t key)
{
    if (self->count == 0 || key == 0)
        return NULL;
    size_t mask = self->capacity - 1;
    size_t i = s_slot_of (self, key);
    while (self->slots[i].key != key) {
        if (self->slots[i].key == 0)
            return NULL;
        i = (i + 1) & mask;
    }
    void *value = self->slots[i].value;
    // Backward shift: pull later members of the probe run into the hole so lookups never stop early.
    for (size_t j = (i + 1) & mask; self->slots[j].key != 0; j = (j + 1) & mask) {
        size_t home = s_slot_of (self, self->slots[j].key);
        // Move slot j into the hole i unless its home lies cyclically in (i, j].
        bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            self->slots[i] = self->slots[j];
            i = j;
        }
    }
    self->slots[i].key = 0;
    self->slots[i].value = NULL;
    self->count--;
    if (self->count == 0) {
        // An emptied map gives its memory back (sessions that held many references, then released them).
        romi_map_clear (self);
    }
    return value;
}

bool
romi_map_next (const romi_map_t *self, size_t *cursor, uint64_t *key, void **value)
{
    for (size_t i = *cursor; i < self->capacity; i++) {
        if (self->slots[i].key != 0) {
            *key = self->slots[i].key;
            *value = self->slots[i].value;
            *cursor = i + 1;
            return true;
        }
    }
    *cursor = self->capacity;
    return false;
}
