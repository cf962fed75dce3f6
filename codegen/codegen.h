// codegen.h: what protoc-gen-rom's modules share. The plugin runs in four steps, one file each:
//   main.c         read protoc's CodeGeneratorRequest from stdin, write the CodeGeneratorResponse to stdout
//   plugin.c       the request's bytes to the response's: every file to generate, or the error
//   model.c        turn one .proto's descriptors into a small model of services and methods (C names, types)
//   check.c        refuse what cannot work (streaming, names that break protoc-c's or our output)
//   emit_*.c       the templates: x.rom.h (emit_header.c) and x.rom.c (emit_source.c); a declared state's
//                  typed operations ((rom.state)) for both in emit_state.c
// names.c holds protobuf-c's name mangling, reproduced exactly: our output names protoc-c's types.
#ifndef ROM_CODEGEN_H
#define ROM_CODEGEN_H

// strdup, strtok_r: POSIX.1-2008 (the build is -std=c11 without extensions).
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "google/protobuf/compiler/plugin.pb-c.h"
#include "google/protobuf/descriptor.pb-c.h"

typedef Google__Protobuf__FileDescriptorProto gen_file_proto_t;
typedef Google__Protobuf__Compiler__CodeGeneratorRequest gen_request_t;

// --- plugin.c: the whole plugin, bytes to bytes -------------------------------------------------------
// Unpack a serialized CodeGeneratorRequest and answer it: the packed CodeGeneratorResponse (its files, or
// its error) in *out (the caller frees it), its size in *out_len. -1 when `data` is not a request.
int gen_plugin_run (const uint8_t *data, size_t len, uint8_t **out, size_t *out_len);

// --- buf.c: a growable text buffer ---------------------------------------------------------------------
// Out of memory is fatal in a short-lived plugin: the append functions abort with a message rather than
// thread an error through every template line.
typedef struct {
    char *data; // NUL-terminated
    size_t len;
    size_t cap;
} gen_buf_t;

void gen_buf_init (gen_buf_t *self);
void gen_buf_fini (gen_buf_t *self);
void gen_buf_printf (gen_buf_t *self, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
void gen_buf_vprintf (gen_buf_t *self, const char *fmt, va_list ap);
// Take the text out (caller owns it and must free it); the buffer is left empty.
char *gen_buf_take (gen_buf_t *self);
// malloc or abort.
void *gen_xalloc (size_t size);
char *gen_xstrdup (const char *s);
char *gen_xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

// --- names.c: protobuf-c's naming rules (protoc-c's c_helpers.cc), so our names meet its output -------
// Each returns a new string the caller must free.

// "GetHTTPThing" -> "get_httpthing": '_' before an upper-case letter that follows a non-upper one.
char *gen_camel_to_lower (const char *name);
// "bar_baz" -> "BarBaz".
char *gen_to_camel (const char *name);
// A lower-case C name in upper case ("demo__get_http" -> "DEMO__GET_HTTP"), as protoc-c derives its enum
// and macro names from the lower-case ones.
char *gen_to_upper (const char *lower);
// Full names ("foo.bar_baz.HTTPRequest", a leading '.' is ignored) under a file's package and optional
// (pb_c_file).c_package: C type "Foo__BarBaz__HTTPRequest", lower "foo__bar_baz__httprequest".
char *gen_full_name_to_c (const char *full_name, const char *package, const char *c_package);
char *gen_full_name_to_lower (const char *full_name, const char *package, const char *c_package);
// "dir/x.proto" -> "dir/x" (".proto" or ".protodevel" stripped).
char *gen_strip_proto (const char *file_name);
// "dir/x.proto" -> "dir_2fx_2eproto": an identifier, as protoc-c spells include guards.
char *gen_file_identifier (const char *file_name);
// True for C11 keywords and the identifiers protoc-c's output cannot take as a service member or function.
bool gen_is_c_keyword (const char *word);
// rom_type_hash () of the runtime (FNV-1a, never 0): computed here so the type table is a constant.
uint32_t gen_type_hash (const char *name);

// --- model.c: one .proto file as the templates see it -------------------------------------------------

typedef struct {
    char *full_name;   // "demo.Count" (no leading '.')
    char *c_type;      // "Demo__Count"
    char *lower;       // "demo__count": its descriptor is <lower>__descriptor
    bool has_required; // proto2 `required` fields: an empty message (a NULL `in`) is not a valid one
} gen_message_t;

typedef struct {
    const char *name; // as in the .proto: "Increment"
    char *lower;      // protoc-c's member name: "increment"
    char *upper;      // "INCREMENT": its index is <service upper>_METHOD__<upper>
    gen_message_t input;
    gen_message_t output;
    const char *comment; // leading comment from the .proto, or NULL
    int line;            // 1-based, 0 when unknown
    bool client_streaming;
    bool server_streaming;
} gen_method_t;

// Declared state ((rom.state), issue 16): the kind of a field's value as the generated operations type it.
typedef enum {
    GEN_KIND_INT,     // signed integers of every encoding: int32_t / int64_t, ROM_INT
    GEN_KIND_UINT,    // unsigned: uint32_t / uint64_t, ROM_UINT
    GEN_KIND_FLOAT,   // float, double: ROM_DOUBLE
    GEN_KIND_BOOL,    // bool
    GEN_KIND_ENUM,    // protoc-c's enum type, ROM_INT
    GEN_KIND_STRING,  // const char * in, char ** out
    GEN_KIND_BYTES,   // const uint8_t *, size_t in; uint8_t **, size_t * out
    GEN_KIND_MESSAGE, // const T * in, T ** out
} gen_kind_t;

typedef struct {
    gen_kind_t kind;
    char *c_type; // "int32_t", "Demo__Color", "Demo__Inner" (messages and enums: protoc-c's type)
    char *lower;  // messages: "demo__inner" (<lower>__descriptor); NULL otherwise
} gen_vtype_t;

// How deep generated operations reach into nested singular message fields: state.f (1) and state.m.f (2).
// A message field at the last level gets whole-field get/set only.
#define GEN_STATE_DEPTH 2

typedef struct {
    char *name;   // the C name in generated functions: "hits", "inner_a" (the path joined by '_')
    char *upper;  // "HITS", "INNER_A": PKG__SVC_PATH__INNER_A
    char *dotted; // "inner.a", for comments and errors
    uint32_t path[GEN_STATE_DEPTH];
    size_t depth;
    bool repeated;
    bool map;
    gen_vtype_t value; // the field's type, a repeated field's item, a map's value
    gen_vtype_t key;   // maps
    bool in_oneof;     // a real oneof (not proto3 `optional`): refused
    bool is_any;       // google.protobuf.Any (the field, an item or a map value): refused
    bool has_children; // a singular message at depth < GEN_STATE_DEPTH: its fields follow
} gen_field_t;

typedef struct {
    const char *name; // "Counter"
    char *full_name;  // "demo.Counter"
    char *c_type;     // "Demo__Counter" (protoc-c's Demo__Counter_Service is beside it)
    char *lower;      // "demo__counter"
    char *upper;      // "DEMO__COUNTER": the method index enum is DEMO__COUNTER_METHOD__*
    const char *comment;
    int line;
    bool has_init; // (rom.init) names a creation message
    gen_message_t init;
    char *init_option;  // the option's text as written, for error messages
    bool pool;          // (rom.pool)
    char *state_option; // (rom.state) as written, or NULL
    bool has_state;     // (rom.state) names a message: `state` and `fields` are set, and init = state
    gen_message_t state;
    size_t n_fields; // the fields generated operations reach, parents before their children
    gen_field_t *fields;
    size_t n_methods;
    gen_method_t *methods;
} gen_service_t;

typedef struct {
    const gen_file_proto_t *proto;
    const char *name;    // "dir/counter.proto"
    char *stem;          // "dir/counter"
    char *identifier;    // "dir_2fcounter_2eproto"
    const char *package; // "" when none
    char *c_package;     // (pb_c_file).c_package, or NULL
    size_t n_services;
    gen_service_t *services;
} gen_file_t;

// Build the model of `file` (one of request->proto_file). Type references are resolved against every file
// in the request. Returns 0, or -1 with a protoc-style message in *error (caller frees) when a type or an
// option cannot be resolved.
int gen_file_build (gen_file_t *self, const gen_request_t *request, const gen_file_proto_t *file,
                    char **error);
void gen_file_fini (gen_file_t *self);

// The (pb_c_file).c_package of a file, or NULL (caller frees).
char *gen_file_c_package (const gen_file_proto_t *file);

// --- check.c: what protoc-c or our output cannot compile is refused with file:line: message -----------

// Returns 0, or -1 with every problem found, one per line, in *error (caller frees).
int gen_file_check (const gen_file_t *self, const gen_request_t *request, char **error);

// --- emit_*.c: the templates --------------------------------------------------------------------------

// The text of x.rom.h and x.rom.c. Caller owns return value and must free it.
char *gen_emit_header (const gen_file_t *file);
// x.rom.c also embeds the serialized FileDescriptorProtos of x.proto and of every file it imports, found in
// `request` (rom_type_t.files, for Manager.Reflect).
char *gen_emit_source (const gen_file_t *file, const gen_request_t *request);

// emit_state.c: a (rom.state) service's typed operations, batch adders and path constants: declarations
// (header) or definitions into `out`.
void gen_emit_state (gen_buf_t *out, const gen_service_t *svc, bool header);
// The operation suffixes generated for `field` ("get", "add", ...; at most 16) into `suffixes`; returns how
// many. check.c tests the names they make for clashes.
size_t gen_state_suffixes (const gen_field_t *field, const char **suffixes);

#endif
