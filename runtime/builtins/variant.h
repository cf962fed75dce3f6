// variant.h: private to the built-ins, client side. rom_variant_t (rom_shared.h) to and from the wire's
// rom.builtins.Variant, the typed reads of the one-line forms, and Python-like repr, for the helpers of
// Value, Array, Dict, List and Namespace (variant.c).
#ifndef ROMI_BUILTINS_VARIANT_H
#define ROMI_BUILTINS_VARIANT_H

#include "rom/rom.h"
#include "rom/builtins/variant.pb-c.h"

typedef Rom__Builtins__Variant romi_variant_msg_t;

// --- requests ----------------------------------------------------------------------------------------------

// A request Variant built on the caller's stack; a reference needs its token split into an ObjectRef.
typedef struct {
    romi_variant_msg_t msg;
    Rom__ObjectRef ref;
    char *scratch; // the token's copy that ref's strings point into
} romi_variant_in_t;

// Point `in` at `v` (borrowed). ROM_INVALID (a string kind without its string, a token that is none, an
// unknown kind) or ROM_NOMEM, with the text on `client`; romi_variant_in_done () after use either way.
rom_status_t romi_variant_in (rom_client_t *client, const rom_variant_t *v, romi_variant_in_t *in);
void romi_variant_in_done (romi_variant_in_t *in);

// Several request Variants, and the pointer array a repeated field needs.
typedef struct {
    romi_variant_in_t *cells;
    romi_variant_msg_t **items;
    size_t n;
} romi_variant_ins_t;

rom_status_t romi_variant_ins (rom_client_t *client, const rom_variant_t *values, size_t n,
                               romi_variant_ins_t *ins);
void romi_variant_ins_done (romi_variant_ins_t *ins);

// --- replies -----------------------------------------------------------------------------------------------

// The token of a reply's ObjectRef ("endpoint#id#type"), what ROM_KIND_REF and ROM_ITEM_REF carry. Caller
// owns return value and must free () it; NULL when out of memory.
char *romi_variant_token (const Rom__ObjectRef *ref);
// Copy a reply Variant (NULL: None) into a caller-owned rom_variant_t. -1 when out of memory.
int romi_variant_copy_out (const romi_variant_msg_t *m, rom_variant_t *out);
// A reply's ObjectRef carries a reference for this session (see rom_type.h). The helpers hand out a token
// instead (rom_proxy_from_token () takes a reference of its own), so the reply's is given back at once
// rather than held until the session ends.
void romi_variant_release_ref (const void *handle, const romi_variant_msg_t *m);
// The object id in a token (endpoint#id#type), 0 when there is none.
uint64_t romi_variant_token_id (const char *token);
// Convert a reply into *out (when not NULL) and free the reply.
rom_status_t romi_variant_take (const void *handle, romi_variant_msg_t *reply, rom_variant_t *out);
// The same for a value taken out of its container (Dict.Pop, List.Pop): a reference keeps the reply's count,
// which *out owns (.client) until rom_variant_clear () gives it back, since the container no longer holds
// the object (given back at once when `out` is NULL).
rom_status_t romi_variant_take_popped (const void *handle, romi_variant_msg_t *reply, rom_variant_t *out);
// An array of caller-owned variants from a repeated field (*out NULL when n is 0).
rom_status_t romi_variant_take_list (const void *handle, romi_variant_msg_t **items, size_t n,
                                     rom_variant_t **out);

// --- typed reads -------------------------------------------------------------------------------------------

// The integer, number or string in `v` (consumed; a string is handed over to the caller), or WRONG_TYPE /
// OUT_OF_RANGE on the handle's client with the text every helper's begins with, "type#id.Method: ", and the
// value named by `noun` and `name` (may be NULL): "rom.builtins.Dict#4.Get: value of 'k' is a string, not an
// int".
rom_status_t romi_variant_want_int (const void *handle, const char *method, rom_variant_t *v, int64_t *out,
                                    const char *noun, const char *name);
rom_status_t romi_variant_want_double (const void *handle, const char *method, rom_variant_t *v, double *out,
                                       const char *noun, const char *name);
rom_status_t romi_variant_want_str (const void *handle, const char *method, rom_variant_t *v, char **out,
                                    const char *noun, const char *name);

// --- repr --------------------------------------------------------------------------------------------------

// A growing text; after a failed allocation it only records that it failed.
typedef struct {
    char *p;
    size_t len, cap;
    bool oom;
} romi_repr_t;

void romi_repr_put (romi_repr_t *b, const char *s, size_t n);
void romi_repr_puts (romi_repr_t *b, const char *s);
// Python's repr of the value: 42, 1.5, 'text', b'\x00', True, None, <Type#id>.
void romi_repr_variant (romi_repr_t *b, const rom_variant_t *v);
// Hand the text over (*text, the caller frees it), or fail with ROM_NOMEM on the handle's client.
rom_status_t romi_repr_finish (const void *handle, romi_repr_t *b, char **text);

#endif
