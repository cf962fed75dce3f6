// romi_map.h: map.c, the uint64_t -> pointer hash map of the server side (sessions, references, caches).
#include "rom_private.h" // first, outside the guard: it gathers every server-side header in order
#ifndef ROMI_MAP_H
#define ROMI_MAP_H

typedef struct {
    uint64_t key; // 0: empty slot
    void *value;
} romi_map_slot_t;

typedef struct {
    romi_map_slot_t *slots;
    size_t capacity; // a power of two, or 0
    size_t count;
} romi_map_t;

void romi_map_init (romi_map_t *self);                          // empty, allocating nothing
void romi_map_clear (romi_map_t *self);                         // frees the slots, not the values
void *romi_map_get (const romi_map_t *self, uint64_t key);      // NULL when absent
int romi_map_put (romi_map_t *self, uint64_t key, void *value); // insert or replace; -1 when out of memory
void *romi_map_remove (romi_map_t *self, uint64_t key);         // the removed value, NULL when absent
// Iterate: size_t cursor = 0; while (romi_map_next (m, &cursor, &k, &v)) ...  (no changes while iterating)
bool romi_map_next (const romi_map_t *self, size_t *cursor, uint64_t *key, void **value);

#endif
