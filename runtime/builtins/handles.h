// handles.h: private to librom. The checks every one-line helper of the built-in types (rom_shared.h,
// rom_sync.h) makes first: the handle types are casts that let any pointer through, so misuse is refused
// (ROM_INVALID, with the helper's name in rom_client_errmsg (NULL)) before anything is followed (issue 12).
#ifndef ROM_HANDLES_H
#define ROM_HANDLES_H

#include "rom_private.h"

// NULL, a pointer that is no live proxy (a client, a destroyed handle), or a proxy of another type than
// `type` or `alt` (either may be NULL; `type` NULL: any type). True when refused.
bool romi_helper_bad_handle (const char *fn, const void *handle, const rom_type_t *type, const rom_type_t *alt);
// A pointer the helper must write through (or read from) is NULL. True when refused.
bool romi_helper_null_arg (const char *fn, const void *p, const char *what);
// The client of a rom_*_new () is NULL or no client handle. True when refused.
bool romi_helper_bad_client (const char *fn, const rom_client_t *client);

#endif
