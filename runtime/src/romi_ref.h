// romi_ref.h: ref.c, ObjectRefs in messages: references taken for the caller of a reply, kept by holder
// objects, made for a reply (rom_call_new_object ()).
#include "rom_private.h" // first, outside the guard: it gathers every server-side header in order
#ifndef ROMI_REF_H
#define ROMI_REF_H

#include "romi_hosting.h"

// Before a reply is sent: take a reference for the caller per ObjectRef in call->output (and fill in their
// endpoint and type), then let objects made for the reply that nobody took die. Returns `status`, or the
// failure that replaces it (a ref to an object that does not exist).
rom_status_t romi_refs_export (rom_call_t *call, rom_status_t status);
// Give the references a constructor kept during `call` to the object it made (NULL: creation failed, drop
// them).
void romi_refs_adopt (rom_call_t *call, romi_object_t *object);
// rom_call_keep_ref () for another holder than the called object: a Pipe end keeps what its peer's Send
// puts into its inbox.
rom_status_t romi_refs_keep_for (rom_call_t *call, romi_object_t *holder, const Rom__ObjectRef *ref);
// Fill `ref` for `object` as a reply of this server names it.
void romi_refs_fill (const romi_hosting_t *hosting, const romi_object_t *object, Rom__ObjectRef *ref);

#endif
