// check.c: refuse, before protoc-c or a C compiler would fail later and less clearly, every service that
// cannot work. protoc writes no file at all when one plugin fails, so a refusal here keeps the build from
// ever seeing broken C. Each message is "file:line: what: why; what to change", as protoc's own errors.
//
// A declared state ((rom.state)) adds its own: a oneof or Any field, generated names that meet, (rom.init)
// beside it (s_check_state).
//
// Reproduced with protoc-c 1.4.1 (DESIGN.md, "Generator pitfalls"): it turns each rpc into a member of
// Pkg__Svc_Service and a function pkg__svc__<lower>, and escapes no keyword there.
#include "codegen.h"

#include <stdlib.h>
#include <string.h>

// FileDescriptorProto.message_type = 4; DescriptorProto.field = 2, .nested_type = 3.
#define PATH_MESSAGE 4
#define PATH_FIELD 2
#define PATH_NESTED 3
#define PATH_MAX_DEPTH 32

static void s_add (gen_buf_t *errors, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
static void
s_add (gen_buf_t *errors, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    gen_buf_vprintf (errors, fmt, ap);
    va_end (ap);
    gen_buf_printf (errors, "\n");
}

static int
s_line_of_path (const gen_file_proto_t *file, const int32_t *path, size_t n_path)
{
    if (!file->source_code_info)
        return 0;
    for (size_t i = 0; i < file->source_code_info->n_location; i++) {
        const Google__Protobuf__SourceCodeInfo__Location *loc = file->source_code_info->location[i];
        if (loc->n_path == n_path && memcmp (loc->path, path, n_path * sizeof *path) == 0)
            return loc->n_span ? loc->span[0] + 1 : 0;
    }
    return 0;
}

static bool
s_starts_with (const char *s, const char *prefix)
{
    return strncmp (s, prefix, strlen (prefix)) == 0;
}

static void
s_check_method (const gen_file_t *file, const gen_service_t *svc, size_t m, gen_buf_t *errors)
{
    const gen_method_t *method = &svc->methods[m];
    const char *f = file->name;
    if (method->client_streaming || method->server_streaming)
        s_add (errors,
               "%s:%d: rpc %s.%s: streaming rpcs are not supported (protoc-c would treat it as unary); "
               "make it unary, and stream through a rom Queue or Pipe",
               f, method->line, svc->name, method->name);
    if (gen_is_c_keyword (method->lower))
        s_add (errors,
               "%s:%d: rpc %s.%s: protoc-c names its C member and function \"%s\", a C keyword, so its "
               "output cannot compile; rename the rpc (e.g. %sCall)",
               f, method->line, svc->name, method->name, method->lower, method->name);
    static const char *const taken[][2] = {
        {"base", "the ProtobufCService member every protoc-c service struct starts with"},
        {"init", "protoc-c's own initializer of the service"},
        {"descriptor", "protoc-c's own service descriptor"},
    };
    for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++)
        if (strcmp (method->lower, taken[i][0]) == 0)
            s_add (errors,
                   "%s:%d: rpc %s.%s: protoc-c's C name \"%s__%s\" clashes with %s; rename the rpc "
                   "(e.g. %s%s)",
                   f, method->line, svc->name, method->name, svc->lower, method->lower, taken[i][1],
                   method->name, strcmp (taken[i][0], "init") == 0 ? "Setup" : "Info");
    if (s_starts_with (method->lower, "rom_"))
        s_add (errors,
               "%s:%d: rpc %s.%s: C names starting with \"rom_\" are rom's (%s__rom_create, ...); rename "
               "the rpc",
               f, method->line, svc->name, method->name, svc->lower);
    for (size_t o = 0; o < svc->n_methods; o++) {
        if (o == m)
            continue;
        const gen_method_t *other = &svc->methods[o];
        if (o < m && strcmp (other->lower, method->lower) == 0)
            s_add (errors,
                   "%s:%d: rpc %s.%s: protoc-c gives it the same C name \"%s\" as rpc %s (line %d); "
                   "rename one of them",
                   f, method->line, svc->name, method->name, method->lower, other->name, other->line);
        static const char *const suffixes[] = {"_async", "_oneway"};
        for (size_t i = 0; i < 2; i++) {
            size_t len = strlen (method->lower);
            if (strncmp (other->lower, method->lower, len) == 0
                && strcmp (other->lower + len, suffixes[i]) == 0)
                s_add (errors,
                       "%s:%d: rpc %s.%s: its C name \"%s\" is what rom generates for the %s form of rpc %s "
                       "(%s_proxy__%s); rename one of them",
                       f, other->line, svc->name, other->name, other->lower, suffixes[i] + 1, method->name,
                       svc->lower, other->lower);
        }
    }
}

// A field named "base" collides with the ProtobufCMessage member protoc-c puts first in every message,
// unless (pb_c_msg).base_field_name renames that member (any message option is taken as that case: a plugin
// cannot read protobuf-c's options without parsing them, and protoc-c will say so if it is not).
static void
s_check_message (const gen_file_t *file, const Google__Protobuf__DescriptorProto *msg, const char *scope,
                 int32_t *path, size_t n_path, gen_buf_t *errors)
{
    char *full = scope[0] ? gen_xasprintf ("%s.%s", scope, msg->name) : gen_xstrdup (msg->name);
    for (size_t i = 0; i < msg->n_field && !msg->options; i++)
        if (strcmp (msg->field[i]->name, "base") == 0) {
            path[n_path] = PATH_FIELD;
            path[n_path + 1] = (int32_t) i;
            s_add (errors,
                   "%s:%d: message %s: field \"base\" clashes with the ProtobufCMessage member protoc-c "
                   "names base in every message struct; rename the field",
                   file->name, s_line_of_path (file->proto, path, n_path + 2), full);
        }
    if (n_path + 4 <= PATH_MAX_DEPTH)
        for (size_t i = 0; i < msg->n_nested_type; i++) {
            path[n_path] = PATH_NESTED;
            path[n_path + 1] = (int32_t) i;
            s_check_message (file, msg->nested_type[i], full, path, n_path + 2, errors);
        }
    free (full);
}

// rom's names per service that sit beside protoc-c's in its lower/upper-case space: the proxy functions
// pkg__svc_proxy__<rpc> and the method indexes PKG__SVC_METHOD__<RPC>. A message, enum or service whose
// protoc-c lower-case name is pkg__svc_proxy (or _method) has protoc-c names under the same prefix
// (__init, __descriptor, enum values), so it is refused whatever its members are called. The count
// PKG__SVC_N_METHODS needs no check: protoc-c's type names have no single '_', its other names end in
// "__<something>" after the type's name.
// A state type ((rom.state)) has three more: pkg__svc_batch__* (batch adders) and the path constants
// PKG__SVC_PATH__* / PKG__SVC_DEPTH__*.
static const char *const s_reserved[][2] = {
    {"proxy", "proxy functions"},     {"method", "method index enum"}, {"batch", "typed batch adders"},
    {"path", "state path constants"}, {"depth", "state path depths"},
};
#define S_RESERVED_PLAIN 2 // the first two are every service's

typedef struct {
    const gen_file_t *file;
    const gen_service_t *svc;
    const gen_file_proto_t *other; // the file the type is in
    const char *package;
    char *c_package;
    gen_buf_t *errors;
} s_clash_t;

static void
s_clash_one (s_clash_t *self, const char *kind, const char *scope, const char *name)
{
    char *full = scope[0] ? gen_xasprintf ("%s.%s", scope, name) : gen_xstrdup (name);
    char *lower = gen_full_name_to_lower (full, self->package, self->c_package);
    size_t n_reserved = self->svc->has_state ? sizeof s_reserved / sizeof s_reserved[0] : S_RESERVED_PLAIN;
    for (size_t i = 0; i < n_reserved; i++) {
        char *taken = gen_xasprintf ("%s_%s", self->svc->lower, s_reserved[i][0]);
        if (strcmp (lower, taken) == 0)
            s_add (self->errors,
                   "%s:%d: service %s: %s %s (in %s) shares the C prefix %s_%s__ with this service's %s; "
                   "rename the %s",
                   self->file->name, self->svc->line, self->svc->name, kind, full, self->other->name,
                   self->svc->lower, s_reserved[i][0], s_reserved[i][1], kind);
        free (taken);
    }
    free (lower);
    free (full);
}

static void
s_clash_message (s_clash_t *self, const Google__Protobuf__DescriptorProto *msg, const char *scope, int depth)
{
    s_clash_one (self, "message", scope, msg->name);
    if (depth == PATH_MAX_DEPTH)
        return;
    char *full = scope[0] ? gen_xasprintf ("%s.%s", scope, msg->name) : gen_xstrdup (msg->name);
    for (size_t i = 0; i < msg->n_enum_type; i++)
        s_clash_one (self, "enum", full, msg->enum_type[i]->name);
    for (size_t i = 0; i < msg->n_nested_type; i++)
        s_clash_message (self, msg->nested_type[i], full, depth + 1);
    free (full);
}

// Every type of every file in the request against `svc`'s reserved prefixes.
static void
s_check_clashes (const gen_file_t *file, const gen_service_t *svc, const gen_request_t *request,
                 gen_buf_t *errors)
{
    for (size_t f = 0; f < request->n_proto_file; f++) {
        const gen_file_proto_t *other = request->proto_file[f];
        s_clash_t clash = {
            .file = file,
            .svc = svc,
            .other = other,
            .package = other->package ? other->package : "",
            .c_package = gen_file_c_package (other),
            .errors = errors,
        };
        for (size_t i = 0; i < other->n_message_type; i++)
            s_clash_message (&clash, other->message_type[i], clash.package, 0);
        for (size_t i = 0; i < other->n_enum_type; i++)
            s_clash_one (&clash, "enum", clash.package, other->enum_type[i]->name);
        for (size_t i = 0; i < other->n_service; i++)
            s_clash_one (&clash, "service", clash.package, other->service[i]->name);
        free (clash.c_package);
    }
}

// --- declared state ((rom.state)) --------------------------------------------------------------------------

typedef struct {
    char *name;       // what follows pkg__svc_proxy__ (and pkg__svc_batch__)
    const char *what; // "field hits", "rpc HitsAdd"
    char *owned_what;
} s_name_t;

static void
s_name_add (s_name_t **names, size_t *n, size_t *cap, char *name, char *what)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        s_name_t *bigger = realloc (*names, *cap * sizeof *bigger);
        if (!bigger)
            abort ();
        *names = bigger;
    }
    (*names)[(*n)++] = (s_name_t) {.name = name, .what = what, .owned_what = what};
}

// Every function name the state and the rpcs generate under pkg__svc_proxy__ (the batch adders use the
// same names under pkg__svc_batch__): two that meet are refused, naming both owners.
static void
s_check_state_names (const gen_file_t *file, const gen_service_t *svc, gen_buf_t *errors)
{
    s_name_t *names = NULL;
    size_t n = 0, cap = 0;
    s_name_add (&names, &n, &cap, gen_xstrdup ("rom_state_get"), gen_xstrdup ("the whole state"));
    s_name_add (&names, &n, &cap, gen_xstrdup ("rom_state_set"), gen_xstrdup ("the whole state"));
    for (size_t m = 0; m < svc->n_methods; m++) {
        static const char *const forms[] = {"%s", "%s_async", "%s_oneway"};
        for (size_t i = 0; i < 3; i++)
            s_name_add (&names, &n, &cap, gen_xasprintf (forms[i], svc->methods[m].lower),
                        gen_xasprintf ("rpc %s", svc->methods[m].name));
    }
    for (size_t i = 0; i < svc->n_fields; i++) {
        const char *suffixes[16];
        size_t k = gen_state_suffixes (&svc->fields[i], suffixes);
        for (size_t j = 0; j < k; j++)
            s_name_add (&names, &n, &cap, gen_xasprintf ("%s_%s", svc->fields[i].name, suffixes[j]),
                        gen_xasprintf ("field %s", svc->fields[i].dotted));
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp (names[i].name, names[j].name) == 0 && strcmp (names[i].what, names[j].what) != 0) {
                s_add (errors,
                       "%s:%d: service %s: %s and %s both generate %s_proxy__%s; rename the field or the rpc",
                       file->name, svc->line, svc->name, names[j].what, names[i].what, svc->lower,
                       names[i].name);
                break;
            }
    for (size_t i = 0; i < n; i++) {
        free (names[i].name);
        free (names[i].owned_what);
    }
    free (names);
    for (size_t i = 0; i < svc->n_fields; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp (svc->fields[i].upper, svc->fields[j].upper) == 0)
                s_add (
                    errors,
                    "%s:%d: service %s: fields %s and %s share the path constant %s_PATH__%s; rename one of them",
                    file->name, svc->line, svc->name, svc->fields[j].dotted, svc->fields[i].dotted,
                    svc->upper, svc->fields[i].upper);
}

static void
s_check_state (const gen_file_t *file, const gen_service_t *svc, gen_buf_t *errors)
{
    const char *f = file->name;
    if (svc->init_option && svc->state_option) {
        s_add (
            errors,
            "%s:%d: service %s: option (rom.init) cannot stand beside (rom.state): a state type's creation "
            "argument is its state message (%s__rom_create takes an initial %s); drop (rom.init)",
            f, svc->line, svc->name, svc->lower, svc->state_option);
        return;
    }
    if (!svc->has_state)
        return;
    for (size_t i = 0; i < svc->n_fields; i++) {
        const gen_field_t *field = &svc->fields[i];
        if (field->in_oneof)
            s_add (
                errors,
                "%s:%d: service %s: state field %s.%s is in a oneof, so its operations cannot be typed; make "
                "it a plain field (or hold the alternatives in a message field)",
                f, svc->line, svc->name, svc->state.full_name, field->dotted);
        if (field->is_any)
            s_add (
                errors,
                "%s:%d: service %s: state field %s.%s holds a google.protobuf.Any, so its operations cannot "
                "be typed; use a plain field of the message type it would hold",
                f, svc->line, svc->name, svc->state.full_name, field->dotted);
    }
    s_check_state_names (file, svc, errors);
}

int
gen_file_check (const gen_file_t *self, const gen_request_t *request, char **error)
{
    gen_buf_t errors;
    gen_buf_init (&errors);
    for (size_t s = 0; s < self->n_services; s++) {
        const gen_service_t *svc = &self->services[s];
        for (size_t m = 0; m < svc->n_methods; m++)
            s_check_method (self, svc, m, &errors);
        s_check_clashes (self, svc, request, &errors);
        s_check_state (self, svc, &errors);
    }
    int32_t path[PATH_MAX_DEPTH];
    const gen_file_proto_t *proto = self->proto;
    for (size_t m = 0; m < proto->n_message_type; m++) {
        path[0] = PATH_MESSAGE;
        path[1] = (int32_t) m;
        s_check_message (self, proto->message_type[m], self->package, path, 2, &errors);
    }
    if (errors.len == 0) {
        gen_buf_fini (&errors);
        *error = NULL;
        return 0;
    }
    if (errors.data[errors.len - 1] == '\n')
        errors.data[--errors.len] = '\0';
    *error = gen_buf_take (&errors);
    return -1;
}
