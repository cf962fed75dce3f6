// status.c: the texts of errors: rom_status_t's static ones, the "type#id.Method" that begins every detail,
// and the type-name hash carried in call headers.
#include "rom_private.h"

#include <stdio.h>

const char *
rom_strerror (rom_status_t status)
{
    switch (status) {
    case ROM_OK: return "ok";
    case ROM_APP_ERROR: return "application error";
    case ROM_NO_OBJECT: return "no such object";
    case ROM_NO_METHOD: return "no such method";
    case ROM_BAD_REQUEST: return "bad request";
    case ROM_TIMEOUT: return "timed out";
    case ROM_UNAVAILABLE: return "server unavailable";
    case ROM_DENIED: return "access denied";
    case ROM_EMPTY: return "empty";
    case ROM_FULL: return "full";
    case ROM_CLOSED: return "closed";
    case ROM_EXISTS: return "already exists";
    case ROM_NO_TYPE: return "no such type";
    case ROM_WRONG_TYPE: return "wrong type";
    case ROM_TOO_LARGE: return "message too large";
    case ROM_INVALID: return "invalid argument";
    case ROM_NOMEM: return "out of memory";
    case ROM_BROKEN: return "broken";
    case ROM_INTERNAL: return "internal error";
    case ROM_DEFERRED: return "deferred";
    case ROM_NOT_FOUND: return "not found";
    case ROM_OUT_OF_RANGE: return "out of range";
    case ROM_SESSION_LOST: return "session lost";
    case ROM_CHANGED: return "changed during iteration";
    }
    return "unknown status";
}

uint32_t
rom_type_hash (const char *name)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *) name; *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return h ? h : 1u;
}

int
romi_describe (char *buf, size_t size, const char *type, uint64_t id, const char *method)
{
    if (!type)
        type = "?";
    if (method)
        return snprintf (buf, size, "%s#%llu.%s", type, (unsigned long long) id, method);
    return snprintf (buf, size, "%s#%llu", type, (unsigned long long) id);
}
