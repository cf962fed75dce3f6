// rom_shared.h: one-line C calls on the built-in shared data types, reading like Python's multiprocessing:
// Value, Array, Dict, List, Namespace, Set. Every server hosts these types (rom.builtins.*,
// idl/rom/builtins/); these helpers wrap their generated proxies (rom/builtins/value.rom.h, array.rom.h,
// ...).
//
//     rom_value_t *num;                                  // num = multiprocessing.Value ('d', 10.0)
//     rom_value_new (client, 'd', ROM_DOUBLE (10.0), &num);
//     rom_value_set_double (num, 10.78);                 // num.value = 10.78
//     rom_value_add_int (hits, 1, NULL);                 // hits.value += 1, but atomic
//     rom_dict_set_str (d, "index1", "aaaaaa");          // d["index1"] = "aaaaaa"
//     rom_dict_set (d, ROM_INT (3), ROM_INT (103));      // d[3] = 103
//     rom_list_append_int (l, 11);                       // l.append (11)
//     rom_list_pop (l, -1, &last);                       // last = l.pop ()
//
// Values: rom_variant_t carries any kind a Dict, List, Namespace or Value holds (int, uint, double, bool,
// string, bytes, an object reference, or none); ROM_INT (5), ROM_STR ("x"), ... build one inline. A
// rom_variant_t a call fills in owns its text and bytes: free them with rom_variant_clear ().
//
// Statuses, as Python's exceptions: ROM_NOT_FOUND (KeyError, AttributeError, list.index/remove: not in
// list), ROM_OUT_OF_RANGE (IndexError, a number outside its typecode's range, an Array slice of another
// length), ROM_WRONG_TYPE (TypeError: a string for an 'i', an object reference as a key or set element,
// rom_*_get_int on a string), plus the transport's (ROM_TIMEOUT, ROM_UNAVAILABLE, ...). rom_client_errmsg
// (client) says what and why ("rom.builtins.Dict#4.Get: no key 'index3'"); so do the typed reads' own
// refusals ("rom.builtins.Dict#4.Get: value of 'k' is a string, not an int").
//
// Handles are proxies: each holds one reference to its object (destroy it when done) and works in forked
// children as is. rom_*_proxy () gives the generic proxy (tokens, dup, named objects through the
// generated API).
//
// References: a Dict, List or Namespace may hold another shared object (rom_dict_set_proxy (),
// rom_list_append_proxy (), rom_namespace_set_proxy ()), which it keeps alive while stored. A reference read
// from a Dict (ROM_KIND_REF) or a Queue (ROM_ITEM_REF) becomes a typed handle with
// rom_<type>_from_token (client, v.str, &h): no cast, the token's type is checked (ROM_WRONG_TYPE: "token
// names a rom.builtins.List, not a rom.builtins.Dict"), and the handle holds a reference of its own.
//
// Text (keys, strings, attribute names) must be valid UTF-8, as a Python str is: ROM_INVALID before anything
// is sent (the server refuses such text from any caller with ROM_BAD_REQUEST).
//
// Misuse returns a status, never a crash. Every helper given NULL for its handle (or its client), NULL for
// a pointer it must fill in (`out`, `n`, `text`, ...: those documented "may be NULL" excepted), or a handle
// of another kind (a List handle given to a Dict helper, a client cast to a handle) returns ROM_INVALID
// without following it, and rom_client_errmsg (NULL) names the helper and why. A handle whose client (or
// manager) was destroyed answers ROM_UNAVAILABLE ("its client was destroyed") and may still be destroyed.
// Every rom_*_destroy () accepts NULL and a pointer to NULL, and leaves a handle of another kind alone.
// rom_*_proxy () returns NULL for a handle that is not one of its kind.
#ifndef ROM_SHARED_H
#define ROM_SHARED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "rom_client.h"
#include "rom_proxy.h"
#include "rom_status.h"

#ifdef __cplusplus
extern "C" {
#endif
// The API: exported from a shared librom, which hides everything else (-fvisibility=hidden).
#pragma GCC visibility push(default)

typedef struct _rom_value_t rom_value_t;
typedef struct _rom_array_t rom_array_t;
typedef struct _rom_dict_t rom_dict_t;
typedef struct _rom_list_t rom_list_t;
typedef struct _rom_namespace_t rom_namespace_t;
typedef struct _rom_set_t rom_set_t;

// --- values -----------------------------------------------------------------------------------------------

typedef enum {
    ROM_KIND_NONE,   // Python's None
    ROM_KIND_INT,    // .i
    ROM_KIND_UINT,   // .u
    ROM_KIND_DOUBLE, // .d
    ROM_KIND_BOOL,   // .b
    ROM_KIND_STR,    // .str, NUL-terminated UTF-8
    ROM_KIND_BYTES,  // .data, .size
    ROM_KIND_REF,    // .str: a reference to a shared object, as its proxy token (endpoint#id#type)
} rom_kind_t;

typedef struct rom_variant {
    rom_kind_t kind;
    int64_t i;
    uint64_t u;
    double d;
    bool b;
    char *str;
    uint8_t *data;
    size_t size;
    // A ROM_KIND_REF taken out of its container (rom_dict_pop (), rom_list_pop ()): the client whose session
    // holds the object's reference for this value until rom_variant_clear () gives it back (clear it before
    // rom_client_destroy ()). NULL otherwise:
    // values you build must leave it NULL (the ROM_* macros and `= {...}` initializers do).
    rom_client_t *client;
} rom_variant_t;

// Inline values for arguments: rom_dict_set (d, ROM_STR ("k"), ROM_INT (5)). They borrow their text.
#define ROM_NONE ((rom_variant_t) {.kind = ROM_KIND_NONE})
#define ROM_INT(x) ((rom_variant_t) {.kind = ROM_KIND_INT, .i = (x)})
#define ROM_UINT(x) ((rom_variant_t) {.kind = ROM_KIND_UINT, .u = (x)})
#define ROM_DOUBLE(x) ((rom_variant_t) {.kind = ROM_KIND_DOUBLE, .d = (x)})
#define ROM_BOOL(x) ((rom_variant_t) {.kind = ROM_KIND_BOOL, .b = (x)})
#define ROM_STR(s) ((rom_variant_t) {.kind = ROM_KIND_STR, .str = (char *) (s)})
#define ROM_BYTES(p, n) ((rom_variant_t) {.kind = ROM_KIND_BYTES, .data = (uint8_t *) (p), .size = (n)})
#define ROM_REF(token) ((rom_variant_t) {.kind = ROM_KIND_REF, .str = (char *) (token)})

// The end of a sequence as a slice bound: rom_list_slice (l, 0, ROM_SLICE_END, ...) is Python's l[:].
#define ROM_SLICE_END INT64_MAX

// Where an iteration over a Dict, List or Set stands (rom_dict_iter, rom_list_iter, rom_set_iter): start
// from ROM_CURSOR_INIT and pass the same cursor to each call; its fields are the runtime's. Each call
// returns the next chunk; a chunk of 0 items is the end. ROM_CHANGED when the container was modified since
// the first call (Python's RuntimeError): nothing is returned, start again from ROM_CURSOR_INIT.
typedef struct rom_cursor {
    bool started;
    bool done;
    uint64_t version;
    uint64_t position;
} rom_cursor_t;
#define ROM_CURSOR_INIT ((rom_cursor_t) {.started = false})

// Free what a filled-in variant owns and make it ROM_KIND_NONE. Accepts NULL.
void rom_variant_clear (rom_variant_t *value);
// Clear `n` variants of an array a call returned, free the array, set *items_p to NULL. Accepts NULL.
void rom_variants_free (rom_variant_t **items_p, size_t n);
// Python's repr () of a value: 10.78, 'text', b'\x00', True, None, <rom.builtins.Dict#3>.
// Caller owns return value and must free () it. NULL for NULL, and when out of memory.
char *rom_variant_repr (const rom_variant_t *value);

// --- Value: one value of a typecode fixed at creation ------------------------------------------------------
//
// Typecodes are Python's letters: 'b' 'B' 'h' 'H' 'i' 'I' 'l' 'L' 'q' 'Q' (integers of C's sizes; 'l'/'L'
// are 64-bit), 'f' 'd' (float, double), '?' (bool), 's' (string), 'y' (bytes).

// A new Value of `typecode` holding `initial` (ROM_NONE: 0, false or empty). ROM_INVALID for an unknown
// typecode, ROM_WRONG_TYPE / ROM_OUT_OF_RANGE for an initial value the typecode cannot hold. On ROM_OK
// *value_p is a new handle: caller owns it and must destroy it when done.
rom_status_t rom_value_new (rom_client_t *client, char typecode, rom_variant_t initial,
                            rom_value_t **value_p);
// The current value, in the kind of the typecode (INT for b h i l q, UINT for B H I L Q, DOUBLE for f d,
// BOOL, STR, BYTES). Caller owns *out: rom_variant_clear () it.
rom_status_t rom_value_get (rom_value_t *value, rom_variant_t *out);
// Replace the value: ROM_WRONG_TYPE for a kind the typecode cannot take (ints are fine for 'f' and 'd'),
// ROM_OUT_OF_RANGE for a number it cannot hold (300 for 'b').
rom_status_t rom_value_set (rom_value_t *value, rom_variant_t v);
// Typed forms. get_int: ROM_WRONG_TYPE unless an integer typecode; get_double converts any number;
// get_str: *out is caller-owned (free ()), ROM_WRONG_TYPE unless 's'.
rom_status_t rom_value_get_int (rom_value_t *value, int64_t *out);
rom_status_t rom_value_get_double (rom_value_t *value, double *out);
rom_status_t rom_value_get_str (rom_value_t *value, char **out);
rom_status_t rom_value_set_int (rom_value_t *value, int64_t v);
rom_status_t rom_value_set_double (rom_value_t *value, double v);
rom_status_t rom_value_set_str (rom_value_t *value, const char *v);
// value += delta, atomically (no other call on the Value runs in between); *now (may be NULL) is the sum.
// ROM_OUT_OF_RANGE if the sum leaves the typecode's range (the value is then unchanged), ROM_WRONG_TYPE
// for a non-number typecode, or a float added to an integer typecode.
rom_status_t rom_value_add_int (rom_value_t *value, int64_t delta, int64_t *now);
rom_status_t rom_value_add_double (rom_value_t *value, double delta, double *now);
// Compare and swap: if the value equals `expected`, set it to `desired`. ROM_OK either way; *swapped says
// which. A failed swap is not an error. `current` (may be NULL) receives the value after the call
// (caller-owned: rom_variant_clear ()).
rom_status_t rom_value_cas (rom_value_t *value, rom_variant_t expected, rom_variant_t desired, bool *swapped,
                            rom_variant_t *current);
// The same for integers, as C11's atomic_compare_exchange: on a failed swap *expected becomes the value.
rom_status_t rom_value_cas_int (rom_value_t *value, int64_t *expected, int64_t desired, bool *swapped);
rom_status_t rom_value_typecode (rom_value_t *value, char *typecode);
rom_proxy_t *rom_value_proxy (rom_value_t *value);
// Drop the handle's reference, free it, set *value_p to NULL. Accepts NULL and a pointer to NULL (as every
// rom_*_destroy () here does).
void rom_value_destroy (rom_value_t **value_p);
// A new handle on the Value a token names (a ROM_KIND_REF value's .str, a ROM_ITEM_REF item's, or
// rom_proxy_to_token ()'s), holding a reference of its own. ROM_INVALID for a NULL client, token or value_p,
// or a token that is none; ROM_WRONG_TYPE when it names another type; ROM_NO_OBJECT when the object is gone.
// On ROM_OK *value_p is a new handle: caller owns it and must destroy it when done.
rom_status_t rom_value_from_token (rom_client_t *client, const char *token, rom_value_t **value_p);

// --- Array: a fixed-length array of one number typecode (or '?') -------------------------------------------
//
// Indexes are Python's: -1 is the last element. An index outside the array is ROM_OUT_OF_RANGE.

// A new Array of `length` zeros (Python's Array ('i', 5)). Caller owns *array_p.
rom_status_t rom_array_new (rom_client_t *client, char typecode, size_t length, rom_array_t **array_p);
// A new Array holding `n` items (Python's Array ('i', [1, 2, 3])): each is range-checked.
rom_status_t rom_array_new_ints (rom_client_t *client, char typecode, const int64_t *items, size_t n,
                                 rom_array_t **array_p);
rom_status_t rom_array_new_doubles (rom_client_t *client, char typecode, const double *items, size_t n,
                                    rom_array_t **array_p);
rom_status_t rom_array_len (rom_array_t *array, size_t *length);
rom_status_t rom_array_get (rom_array_t *array, int64_t index, rom_variant_t *out);
rom_status_t rom_array_set (rom_array_t *array, int64_t index, rom_variant_t v);
rom_status_t rom_array_get_int (rom_array_t *array, int64_t index, int64_t *out);   // integer typecodes
rom_status_t rom_array_get_double (rom_array_t *array, int64_t index, double *out); // any number
rom_status_t rom_array_set_int (rom_array_t *array, int64_t index, int64_t v);
rom_status_t rom_array_set_double (rom_array_t *array, int64_t index, double v);
// a[start:stop] (clamped like Python, never an error; ROM_SLICE_END for the end) as int64s or doubles.
// *items is caller-owned (free ()); NULL when *n is 0. get_ints is ROM_WRONG_TYPE for 'f', 'd' and '?'.
rom_status_t rom_array_get_ints (rom_array_t *array, int64_t start, int64_t stop, int64_t **items, size_t *n);
rom_status_t rom_array_get_doubles (rom_array_t *array, int64_t start, int64_t stop, double **items,
                                    size_t *n);
// a[start:stop] = items: `n` must equal the slice's length (ROM_OUT_OF_RANGE otherwise: the length is
// fixed); every item is checked before any is stored.
rom_status_t rom_array_set_ints (rom_array_t *array, int64_t start, int64_t stop, const int64_t *items,
                                 size_t n);
rom_status_t rom_array_set_doubles (rom_array_t *array, int64_t start, int64_t stop, const double *items,
                                    size_t n);
rom_status_t rom_array_typecode (rom_array_t *array, char *typecode);
// Python's repr of a[:]: "[1, 2, -110, 4]". *text is caller-owned (free ()).
rom_status_t rom_array_repr (rom_array_t *array, char **text);
rom_proxy_t *rom_array_proxy (rom_array_t *array);
void rom_array_destroy (rom_array_t **array_p);
// A new handle on the Array a token names (a ROM_KIND_REF value's .str, a ROM_ITEM_REF item's, or
// rom_proxy_to_token ()'s), holding a reference of its own. ROM_INVALID for a NULL client, token or array_p,
// or a token that is none; ROM_WRONG_TYPE when it names another type; ROM_NO_OBJECT when the object is gone.
// On ROM_OK *array_p is a new handle: caller owns it and must destroy it when done.
rom_status_t rom_array_from_token (rom_client_t *client, const char *token, rom_array_t **array_p);

// --- Dict: keys of any hashable kind, values any kind; insertion-ordered ----------------------------------
//
// Keys are Python's hashable kinds: none, int, uint, double, bool, string, bytes (not a reference), with
// Python's equality: ROM_INT (1), ROM_DOUBLE (1.0) and ROM_BOOL (true) are one key, the kind stored first is
// kept (as d[1] = 'a'; d[1.0] = 'b' leaves {1: 'b'}); ROM_STR ("a") and ROM_BYTES ("a", 1) are two; every
// NaN is one key (in Python only the same NaN object is found again).

rom_status_t rom_dict_new (rom_client_t *client, rom_dict_t **dict_p); // caller owns *dict_p
// d[key] = value. ROM_WRONG_TYPE for a key that is an object reference (Python's "unhashable type").
rom_status_t rom_dict_set (rom_dict_t *dict, rom_variant_t key, rom_variant_t value);
// d[key]: ROM_NOT_FOUND when missing. *out is caller-owned (rom_variant_clear ()).
rom_status_t rom_dict_get (rom_dict_t *dict, rom_variant_t key, rom_variant_t *out);
// d.get (key, fallback): *out is the value, or a copy of `fallback` when missing.
rom_status_t rom_dict_get_or (rom_dict_t *dict, rom_variant_t key, rom_variant_t fallback,
                              rom_variant_t *out);
// del d[key]: ROM_NOT_FOUND when missing.
rom_status_t rom_dict_delete (rom_dict_t *dict, rom_variant_t key);
rom_status_t rom_dict_contains (rom_dict_t *dict, rom_variant_t key, bool *found);
rom_status_t rom_dict_len (rom_dict_t *dict, size_t *n);
// d.keys (), d.values (), d.items (), in insertion order. The arrays are caller-owned: free each with
// rom_variants_free (&array, *n). Either array of items may be NULL to skip it.
rom_status_t rom_dict_keys (rom_dict_t *dict, rom_variant_t **keys, size_t *n);
rom_status_t rom_dict_values (rom_dict_t *dict, rom_variant_t **values, size_t *n);
rom_status_t rom_dict_items (rom_dict_t *dict, rom_variant_t **keys, rom_variant_t **values, size_t *n);
// d.update (zip (keys, values)): all or nothing (every key is checked first). `keys` and `values` may be
// NULL only when `n` is 0 (so may the items of rom_array_new_ints (), rom_list_new_from (), ...).
rom_status_t rom_dict_update (rom_dict_t *dict, const rom_variant_t *keys, const rom_variant_t *values,
                              size_t n);
// d.pop (key): ROM_NOT_FOUND when missing; rom_dict_pop_or: d.pop (key, fallback). *out is caller-owned. A
// popped reference (ROM_KIND_REF) keeps its object alive until rom_variant_clear (out): make a handle from
// its token first (rom_<type>_from_token ()), as the Dict no longer holds it.
rom_status_t rom_dict_pop (rom_dict_t *dict, rom_variant_t key, rom_variant_t *out);
rom_status_t rom_dict_pop_or (rom_dict_t *dict, rom_variant_t key, rom_variant_t fallback,
                              rom_variant_t *out);
// d.setdefault (key, value): *out (may be NULL; caller-owned) is the value under key afterwards.
rom_status_t rom_dict_setdefault (rom_dict_t *dict, rom_variant_t key, rom_variant_t value,
                                  rom_variant_t *out);
rom_status_t rom_dict_clear (rom_dict_t *dict);
// d[key] += delta, atomically; a missing key counts from 0. ROM_WRONG_TYPE when the stored value or delta is
// not a number, ROM_OUT_OF_RANGE on 64-bit overflow. *now (may be NULL; caller-owned) is the new value.
rom_status_t rom_dict_incr (rom_dict_t *dict, rom_variant_t key, rom_variant_t delta, rom_variant_t *now);
// Shortcuts with string keys: d["key"] = 5; v = d["key"]; d["key"] += 1. get_int is ROM_WRONG_TYPE for a
// value that is not an integer (get_double converts any number); *out of get_str is caller-owned (free ()).
rom_status_t rom_dict_set_int (rom_dict_t *dict, const char *key, int64_t v);
rom_status_t rom_dict_set_double (rom_dict_t *dict, const char *key, double v);
rom_status_t rom_dict_set_str (rom_dict_t *dict, const char *key, const char *v);
rom_status_t rom_dict_get_int (rom_dict_t *dict, const char *key, int64_t *out);
rom_status_t rom_dict_get_int_or (rom_dict_t *dict, const char *key, int64_t fallback, int64_t *out);
rom_status_t rom_dict_get_double (rom_dict_t *dict, const char *key, double *out);
rom_status_t rom_dict_get_str (rom_dict_t *dict, const char *key, char **out);
rom_status_t rom_dict_incr_int (rom_dict_t *dict, const char *key, int64_t delta, int64_t *now);
// Store a reference to another shared object: d[key] = proxy. While stored it keeps the object alive, as a
// proxy in a Python managed dict does (so do List and Namespace); read it back with rom_dict_get (kind
// ROM_KIND_REF, .str its token) and rom_proxy_from_token (). `proxy` may be of any type: ROM_INVALID when it
// is NULL or not a proxy, ROM_UNAVAILABLE when its client was destroyed.
rom_status_t rom_dict_set_proxy (rom_dict_t *dict, rom_variant_t key, const rom_proxy_t *proxy);
// Python's repr: "{'index1': 'value1', 3: 103}". *text is caller-owned (free ()).
rom_status_t rom_dict_repr (rom_dict_t *dict, char **text);
// d.popitem (): remove the last inserted entry (LIFO, as Python) and hand it over: *key and *value (either
// may be NULL to drop it) are caller-owned (rom_variant_clear ()). ROM_NOT_FOUND "popitem(): dictionary is
// empty" when empty.
rom_status_t rom_dict_popitem (rom_dict_t *dict, rom_variant_t *key, rom_variant_t *value);
// d.copy (): a plain copy, one atomic snapshot, in insertion order. *keys and *values are caller-owned
// (rom_variants_free (&array, *n)); NULL when *n is 0.
rom_status_t rom_dict_copy (rom_dict_t *dict, rom_variant_t **keys, rom_variant_t **values, size_t *n);
// d |= dict (zip (keys, values)): Python's update, all or nothing (every key is checked first).
rom_status_t rom_dict_ior (rom_dict_t *dict, const rom_variant_t *keys, const rom_variant_t *values,
                           size_t n);
// d | dict (zip (keys, values)) as a new plain dict, in one call (d unchanged): d's keys in their order, then
// the given keys d lacks in their first order; a given key's (last) value wins. *out_keys and *out_values
// are caller-owned (rom_variants_free ()). ROM_WRONG_TYPE for a given key that cannot be a key.
rom_status_t rom_dict_or (rom_dict_t *dict, const rom_variant_t *keys, const rom_variant_t *values, size_t n,
                          rom_variant_t **out_keys, rom_variant_t **out_values, size_t *n_out);
// A new Dict holding every key of `keys` with `value` (Manager ().dict (dict.fromkeys (keys, value))) in one
// call. Caller owns *dict_p. ROM_WRONG_TYPE for a key that cannot be a key (no Dict is made).
rom_status_t rom_dict_new_fromkeys (rom_client_t *client, const rom_variant_t *keys, size_t n,
                                    rom_variant_t value, rom_dict_t **dict_p);
// The next up to `max` entries (0: 256; a chunk is at most 65536) of an iteration in insertion order, from
// *cursor (start from ROM_CURSOR_INIT; see rom_cursor_t). *keys and *values (either may be NULL to skip
// it) are caller-owned (rom_variants_free (&array, *n)); *n == 0 with ROM_OK is the end, and stays so.
// ROM_CHANGED ("rom.builtins.Dict#4.Iter: dictionary changed during iteration") when the Dict was modified
// by anyone since the first call: nothing is returned, the cursor is unchanged. A cursor of another Dict
// does no harm (CHANGED, or the end).
rom_status_t rom_dict_iter (rom_dict_t *dict, rom_cursor_t *cursor, size_t max, rom_variant_t **keys,
                            rom_variant_t **values, size_t *n);
rom_proxy_t *rom_dict_proxy (rom_dict_t *dict);
void rom_dict_destroy (rom_dict_t **dict_p);
// A new handle on the Dict a token names (a ROM_KIND_REF value's .str, a ROM_ITEM_REF item's, or
// rom_proxy_to_token ()'s), holding a reference of its own. ROM_INVALID for a NULL client, token or dict_p,
// or a token that is none; ROM_WRONG_TYPE when it names another type; ROM_NO_OBJECT when the object is gone.
// On ROM_OK *dict_p is a new handle: caller owns it and must destroy it when done.
rom_status_t rom_dict_from_token (rom_client_t *client, const char *token, rom_dict_t **dict_p);

// --- List --------------------------------------------------------------------------------------------------
//
// Indexes are Python's: -1 is the last item; outside the list is ROM_OUT_OF_RANGE (insert clamps).

rom_status_t rom_list_new (rom_client_t *client, rom_list_t **list_p); // caller owns *list_p
// A new List holding `n` items (Python's list (range (5)) with items 0..4).
rom_status_t rom_list_new_from (rom_client_t *client, const rom_variant_t *items, size_t n,
                                rom_list_t **list_p);
rom_status_t rom_list_append (rom_list_t *list, rom_variant_t v);
rom_status_t rom_list_extend (rom_list_t *list, const rom_variant_t *items, size_t n);
rom_status_t rom_list_insert (rom_list_t *list, int64_t index, rom_variant_t v);
rom_status_t rom_list_get (rom_list_t *list, int64_t index, rom_variant_t *out); // *out caller-owned
rom_status_t rom_list_set (rom_list_t *list, int64_t index, rom_variant_t v);
rom_status_t rom_list_delete (rom_list_t *list, int64_t index);
// l.pop (index): Python's l.pop () is index -1. ROM_OUT_OF_RANGE when empty or outside. *out (may be NULL)
// is caller-owned. A popped reference keeps its object alive until rom_variant_clear (out) (as rom_dict_pop).
rom_status_t rom_list_pop (rom_list_t *list, int64_t index, rom_variant_t *out);
rom_status_t rom_list_len (rom_list_t *list, size_t *n);
// l[start:stop], clamped like Python (never an error). *items caller-owned: rom_variants_free (items, *n).
rom_status_t rom_list_slice (rom_list_t *list, int64_t start, int64_t stop, rom_variant_t **items, size_t *n);
// l.index (v): the first position of an equal item (numbers compare by value: 1 == 1.0); ROM_NOT_FOUND.
rom_status_t rom_list_index (rom_list_t *list, rom_variant_t v, size_t *pos);
// l.remove (v): remove the first equal item; ROM_NOT_FOUND when none.
rom_status_t rom_list_remove (rom_list_t *list, rom_variant_t v);
rom_status_t rom_list_clear (rom_list_t *list);
rom_status_t rom_list_append_int (rom_list_t *list, int64_t v);
rom_status_t rom_list_append_double (rom_list_t *list, double v);
rom_status_t rom_list_append_str (rom_list_t *list, const char *v);
rom_status_t rom_list_get_int (rom_list_t *list, int64_t index, int64_t *out);   // ROM_WRONG_TYPE unless int
rom_status_t rom_list_get_double (rom_list_t *list, int64_t index, double *out); // any number
rom_status_t rom_list_get_str (rom_list_t *list, int64_t index, char **out); // *out caller-owned (free ())
// Python's repr: "[0, 1, 2, 'x']". *text is caller-owned (free ()).
rom_status_t rom_list_repr (rom_list_t *list, char **text);
// l.index (v, start, stop): as rom_list_index within Python's bounds (negative from the end, clamped; a
// stop of 0 searches nothing, as Python's). ROM_NOT_FOUND when no equal item is in [start, stop).
rom_status_t rom_list_index_in (rom_list_t *list, rom_variant_t v, int64_t start, int64_t stop, size_t *pos);
// l.count (v): how many items equal v, by rom_list_index's equality (numbers by value, 1 == 1.0 == 1u; a
// bool equals only a bool, where Python's True == 1).
rom_status_t rom_list_count (rom_list_t *list, rom_variant_t v, size_t *n);
// v in l, by the same equality.
rom_status_t rom_list_contains (rom_list_t *list, rom_variant_t v, bool *found);
// l.reverse ().
rom_status_t rom_list_reverse (rom_list_t *list);
// l.sort (reverse=reverse): stable (equal items keep their order, reversed or not). Numbers (int, uint,
// double, bool) compare by value with each other, strings with strings (code point order), bytes with
// bytes. Any other mix (a string and an int; None or references when there are two items or more) is
// ROM_WRONG_TYPE "'<' not supported between instances of 'str' and 'int'" and the list is unchanged.
rom_status_t rom_list_sort (rom_list_t *list, bool reverse);
// l[start:stop] = items (step 1): the bounds clamp as rom_list_slice's; the length may change (stop <= start
// inserts at start). All or nothing.
rom_status_t rom_list_set_slice (rom_list_t *list, int64_t start, int64_t stop, const rom_variant_t *items,
                                 size_t n);
// del l[start:stop]: clamped, never an error.
rom_status_t rom_list_delete_slice (rom_list_t *list, int64_t start, int64_t stop);
// l *= n: n <= 0 empties the list. A result over 2^22 items (4 Mi: a copy of it as numbers still fits the
// default 64 MiB reply) is ROM_TOO_LARGE and the list is unchanged.
rom_status_t rom_list_imul (rom_list_t *list, int64_t n);
// l[:], l + items, l * n: new plain arrays from one snapshot of the list (one call), as Python's ListProxy
// returns plain lists. *items / *out are caller-owned (rom_variants_free (&array, n)); NULL when empty.
// rom_list_mul: n <= 0 gives an empty array; over 2^22 items is ROM_TOO_LARGE.
rom_status_t rom_list_copy (rom_list_t *list, rom_variant_t **items, size_t *n);
rom_status_t rom_list_concat (rom_list_t *list, const rom_variant_t *items, size_t n, rom_variant_t **out,
                              size_t *n_out);
rom_status_t rom_list_mul (rom_list_t *list, int64_t n, rom_variant_t **out, size_t *n_out);
// The next up to `max` items (0: 256; a chunk is at most 65536) of an iteration from *cursor (start from
// ROM_CURSOR_INIT; see rom_cursor_t). *items is caller-owned (rom_variants_free (&items, *n)); *n == 0 with
// ROM_OK is the end, and stays so. ROM_CHANGED ("rom.builtins.List#3.Iter: list changed during
// iteration") when the List was modified by anyone since the first call (stricter than Python, whose list
// iterator runs on): nothing is returned, the cursor is unchanged. A cursor of another List does no harm.
rom_status_t rom_list_iter (rom_list_t *list, rom_cursor_t *cursor, size_t max, rom_variant_t **items,
                            size_t *n);
rom_proxy_t *rom_list_proxy (rom_list_t *list);
void rom_list_destroy (rom_list_t **list_p);
// l.append (proxy): store a reference to another shared object, kept alive while it is in the list (as
// rom_dict_set_proxy ()); it reads back as a ROM_KIND_REF token. ROM_INVALID for a NULL or foreign proxy,
// ROM_UNAVAILABLE when its client was destroyed.
rom_status_t rom_list_append_proxy (rom_list_t *list, const rom_proxy_t *proxy);
// A new handle on the List a token names (a ROM_KIND_REF value's .str, a ROM_ITEM_REF item's, or
// rom_proxy_to_token ()'s), holding a reference of its own. ROM_INVALID for a NULL client, token or list_p,
// or a token that is none; ROM_WRONG_TYPE when it names another type; ROM_NO_OBJECT when the object is gone.
// On ROM_OK *list_p is a new handle: caller owns it and must destroy it when done.
rom_status_t rom_list_from_token (rom_client_t *client, const char *token, rom_list_t **list_p);

// --- Namespace: named attributes of any kind ---------------------------------------------------------------

rom_status_t rom_namespace_new (rom_client_t *client, rom_namespace_t **ns_p); // caller owns *ns_p
rom_status_t rom_namespace_set (rom_namespace_t *ns, const char *name, rom_variant_t v);
// ns.name: ROM_NOT_FOUND (AttributeError) when it has none. *out caller-owned.
rom_status_t rom_namespace_get (rom_namespace_t *ns, const char *name, rom_variant_t *out);
rom_status_t rom_namespace_delete (rom_namespace_t *ns, const char *name);
// vars (ns), in the order attributes were first set. *names and *values (either may be NULL) are
// caller-owned: free each name and then *names, and rom_variants_free (values, *n).
rom_status_t rom_namespace_list (rom_namespace_t *ns, char ***names, rom_variant_t **values, size_t *n);
rom_status_t rom_namespace_set_int (rom_namespace_t *ns, const char *name, int64_t v);
rom_status_t rom_namespace_set_double (rom_namespace_t *ns, const char *name, double v);
rom_status_t rom_namespace_set_str (rom_namespace_t *ns, const char *name, const char *v);
rom_status_t rom_namespace_get_int (rom_namespace_t *ns, const char *name, int64_t *out);
rom_status_t rom_namespace_get_double (rom_namespace_t *ns, const char *name, double *out);
rom_status_t rom_namespace_get_str (rom_namespace_t *ns, const char *name, char **out); // caller-owned
// Python's repr: "Namespace(name='a', x=1)": the attributes not starting with '_', sorted by name. *text is
// caller-owned (free ()).
rom_status_t rom_namespace_repr (rom_namespace_t *ns, char **text);
rom_proxy_t *rom_namespace_proxy (rom_namespace_t *ns);
void rom_namespace_destroy (rom_namespace_t **ns_p);
// ns.name = proxy: store a reference to another shared object, kept alive while it is the attribute's value
// (as rom_dict_set_proxy ()). ROM_INVALID for a NULL or foreign proxy, ROM_UNAVAILABLE when its client was
// destroyed.
rom_status_t rom_namespace_set_proxy (rom_namespace_t *ns, const char *name, const rom_proxy_t *proxy);
// A new handle on the Namespace a token names (a ROM_KIND_REF value's .str, a ROM_ITEM_REF item's, or
// rom_proxy_to_token ()'s), holding a reference of its own. ROM_INVALID for a NULL client, token or ns_p, or
// a token that is none; ROM_WRONG_TYPE when it names another type; ROM_NO_OBJECT when the object is gone.
// On ROM_OK *ns_p is a new handle: caller owns it and must destroy it when done.
rom_status_t rom_namespace_from_token (rom_client_t *client, const char *token, rom_namespace_t **ns_p);

// --- Set: a set of hashable values (Python's Manager ().set ()) --------------------------------------------
//
// Elements are the Dict's key kinds with the same equality: none, int, uint, double, bool, string, bytes;
// ROM_INT (1), ROM_DOUBLE (1.0) and ROM_BOOL (true) are one element (the one added first is kept, as in
// Python); ROM_STR ("a") and ROM_BYTES ("a", 1) are two; every NaN is one element (Python finds only the same
// NaN object again, and its manager receives a new object with each call: there NaN is never found). An
// object reference is refused: ROM_WRONG_TYPE ("unhashable type: an object reference"), Python's TypeError.
// Every call is one atomic step on the server. The calls taking `items, n` (Python's iterable argument) check
// every item first: an unhashable one refuses the call and changes nothing. `items` may be NULL when `n` is
// 0. Plain results (*out, *n_out) are caller-owned arrays in no particular order (today: insertion order):
// free them with rom_variants_free (out, *n_out); *out is NULL when *n_out is 0. The set counts its changes
// (its version), for rom_set_iter.

// A new empty Set; set (items): a new Set holding the `n` items (duplicates once). Caller owns *set_p.
rom_status_t rom_set_new (rom_client_t *client, rom_set_t **set_p);
rom_status_t rom_set_new_from (rom_client_t *client, const rom_variant_t *items, size_t n, rom_set_t **set_p);
// s.add (v): nothing happens when an equal element is there. s.discard (v): nothing when missing.
rom_status_t rom_set_add (rom_set_t *set, rom_variant_t v);
rom_status_t rom_set_discard (rom_set_t *set, rom_variant_t v);
// s.remove (v): ROM_NOT_FOUND (KeyError) when missing ("no element 'x'").
rom_status_t rom_set_remove (rom_set_t *set, rom_variant_t v);
// s.pop (): remove an arbitrary element into *out (caller-owned: rom_variant_clear ()); ROM_NOT_FOUND
// ("pop from an empty set") when empty.
rom_status_t rom_set_pop (rom_set_t *set, rom_variant_t *out);
// v in s.
rom_status_t rom_set_contains (rom_set_t *set, rom_variant_t v, bool *found);
rom_status_t rom_set_len (rom_set_t *set, size_t *n);
rom_status_t rom_set_clear (rom_set_t *set);
// In place, all or nothing: s.update (items) (s |= items), s.difference_update (items) (s -= items),
// s.intersection_update (items) (s &= items: as CPython, the kept elements are the items' own, so {1} &=
// [1.0] is {1.0}), s.symmetric_difference_update (items) (s ^= items; a duplicated item counts once).
rom_status_t rom_set_update (rom_set_t *set, const rom_variant_t *items, size_t n);
rom_status_t rom_set_difference_update (rom_set_t *set, const rom_variant_t *items, size_t n);
rom_status_t rom_set_intersection_update (rom_set_t *set, const rom_variant_t *items, size_t n);
rom_status_t rom_set_symmetric_difference_update (rom_set_t *set, const rom_variant_t *items, size_t n);
// New plain sets; the Set is unchanged: s | items, s & items (the items' elements, as CPython), s - items,
// s ^ items.
rom_status_t rom_set_union (rom_set_t *set, const rom_variant_t *items, size_t n, rom_variant_t **out,
                            size_t *n_out);
rom_status_t rom_set_intersection (rom_set_t *set, const rom_variant_t *items, size_t n, rom_variant_t **out,
                                   size_t *n_out);
rom_status_t rom_set_difference (rom_set_t *set, const rom_variant_t *items, size_t n, rom_variant_t **out,
                                 size_t *n_out);
rom_status_t rom_set_symmetric_difference (rom_set_t *set, const rom_variant_t *items, size_t n,
                                           rom_variant_t **out, size_t *n_out);
// s.isdisjoint (items), s.issubset (items) (s <= set (items)), s.issuperset (items) (s >= set (items)).
rom_status_t rom_set_isdisjoint (rom_set_t *set, const rom_variant_t *items, size_t n, bool *result);
rom_status_t rom_set_issubset (rom_set_t *set, const rom_variant_t *items, size_t n, bool *result);
rom_status_t rom_set_issuperset (rom_set_t *set, const rom_variant_t *items, size_t n, bool *result);
// s.copy (): a plain set (not a new shared Set). rom_set_items: the same, every element, one snapshot.
rom_status_t rom_set_copy (rom_set_t *set, rom_variant_t **out, size_t *n_out);
rom_status_t rom_set_items (rom_set_t *set, rom_variant_t **out, size_t *n_out);
// The elements in chunks of at most `max` (0: 256), from `cursor` (see rom_cursor_t: ROM_CURSOR_INIT first,
// then the same cursor; *n == 0 with ROM_OK is the end). ROM_CHANGED ("set changed during iteration") when
// the set changed since the first chunk (an element added or removed; adding a present one is no change):
// nothing is returned, start again. *items is caller-owned: rom_variants_free (items, *n); NULL when *n is 0.
rom_status_t rom_set_iter (rom_set_t *set, rom_cursor_t *cursor, size_t max, rom_variant_t **items,
                           size_t *n);
// Typed forms of add, discard, remove and contains.
rom_status_t rom_set_add_int (rom_set_t *set, int64_t v);
rom_status_t rom_set_add_str (rom_set_t *set, const char *v);
rom_status_t rom_set_discard_int (rom_set_t *set, int64_t v);
rom_status_t rom_set_discard_str (rom_set_t *set, const char *v);
rom_status_t rom_set_remove_int (rom_set_t *set, int64_t v);
rom_status_t rom_set_remove_str (rom_set_t *set, const char *v);
rom_status_t rom_set_contains_int (rom_set_t *set, int64_t v, bool *found);
rom_status_t rom_set_contains_str (rom_set_t *set, const char *v, bool *found);
// Python's repr of a plain set: "{1, 'a'}", "set()" when empty. *text is caller-owned (free ()).
rom_status_t rom_set_repr (rom_set_t *set, char **text);
// A new handle on the Set a token names (a ROM_KIND_REF value's .str, a ROM_ITEM_REF item's, or
// rom_proxy_to_token ()'s), holding a reference of its own. ROM_INVALID for a NULL client, token or set_p,
// or a token that is none; ROM_WRONG_TYPE when it names another type; ROM_NO_OBJECT when the object is gone.
// On ROM_OK *set_p is a new handle: caller owns it and must destroy it when done.
rom_status_t rom_set_from_token (rom_client_t *client, const char *token, rom_set_t **set_p);
rom_proxy_t *rom_set_proxy (rom_set_t *set);
void rom_set_destroy (rom_set_t **set_p);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
