// model.c: one .proto file's services as the templates need them: C names of every type (from the file
// that defines it, since its package and (pb_c_file).c_package decide the name), rpc comments and lines from
// SourceCodeInfo, and rom's service options, which reach a plugin as unknown fields of ServiceOptions
// (protobuf-c has no extensions): (rom.init) = 50871, (rom.pool) = 50872, (pb_c_file) = 1019 on files.
#include "codegen.h"

#include <stdlib.h>
#include <string.h>

#define ROM_OPTION_INIT 50871u
#define ROM_OPTION_POOL 50872u
#define ROM_OPTION_STATE 50873u
#define PB_C_FILE_OPTION 1019u
#define PB_C_FILE_C_PACKAGE 6u
// Paths in SourceCodeInfo: FileDescriptorProto.service = 6, ServiceDescriptorProto.method = 2.
#define PATH_SERVICE 6
#define PATH_METHOD 2

// Read a base-128 varint; returns the bytes used, 0 when malformed or truncated.
static size_t
s_varint (const uint8_t *data, size_t len, uint64_t *value)
{
    uint64_t v = 0;
    for (size_t i = 0; i < len && i < 10; i++) {
        v |= (uint64_t) (data[i] & 0x7f) << (7 * i);
        if (!(data[i] & 0x80)) {
            *value = v;
            return i + 1;
        }
    }
    return 0;
}

// The payload of a length-delimited unknown field. protobuf-c 1.4.1 keeps the varint length prefix in
// `data`; strip it when it is there, so a later version that drops it still reads right.
static void
s_payload (const ProtobufCMessageUnknownField *field, const uint8_t **data, size_t *len)
{
    uint64_t n = 0;
    size_t used = s_varint (field->data, field->len, &n);
    if (used && used + n == field->len) {
        *data = field->data + used;
        *len = (size_t) n;
    } else {
        *data = field->data;
        *len = field->len;
    }
}

static const ProtobufCMessageUnknownField *
s_unknown (const ProtobufCMessage *msg, uint32_t tag)
{
    if (!msg)
        return NULL;
    const ProtobufCMessageUnknownField *found = NULL;
    for (unsigned i = 0; i < msg->n_unknown_fields; i++)
        if (msg->unknown_fields[i].tag == tag)
            found = &msg->unknown_fields[i]; // the last one wins, as in protobuf
    return found;
}

char *
gen_file_c_package (const gen_file_proto_t *file)
{
    const ProtobufCMessageUnknownField *opt = s_unknown ((const ProtobufCMessage *) file->options,
                                                         PB_C_FILE_OPTION);
    if (!opt || opt->wire_type != PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED)
        return NULL;
    const uint8_t *data;
    size_t len;
    s_payload (opt, &data, &len);
    // Walk ProtobufCFileOptions' fields for c_package (6, a string).
    char *c_package = NULL;
    size_t pos = 0;
    while (pos < len) {
        uint64_t key = 0, n = 0;
        size_t used = s_varint (data + pos, len - pos, &key);
        if (!used)
            break;
        pos += used;
        unsigned wire = (unsigned) (key & 7);
        if (wire == 0) {
            used = s_varint (data + pos, len - pos, &n);
            if (!used)
                break;
            pos += used;
        } else if (wire == 2) {
            used = s_varint (data + pos, len - pos, &n);
            if (!used || n > len - pos - used)
                break;
            pos += used;
            if ((key >> 3) == PB_C_FILE_C_PACKAGE) {
                free (c_package);
                c_package = gen_xasprintf ("%.*s", (int) n, (const char *) data + pos);
            }
            pos += (size_t) n;
        } else if (wire == 1)
            pos += 8;
        else if (wire == 5)
            pos += 4;
        else
            break;
    }
    return c_package;
}

// --- the message index: every message of the request, nested ones too, with its defining file ----------

typedef struct {
    char *full_name; // "pkg.Outer.Inner"
    const gen_file_proto_t *file;
    const Google__Protobuf__DescriptorProto *msg;     // a message, or
    const Google__Protobuf__EnumDescriptorProto *enm; // an enum (msg NULL)
} s_entry_t;

typedef struct {
    s_entry_t *entries;
    size_t n, cap;
} s_index_t;

static void
s_index_push (s_index_t *index, s_entry_t entry)
{
    if (index->n == index->cap) {
        index->cap = index->cap ? index->cap * 2 : 64;
        s_entry_t *entries = realloc (index->entries, index->cap * sizeof *entries);
        if (!entries)
            abort ();
        index->entries = entries;
    }
    index->entries[index->n++] = entry;
}

static void
s_index_enum (s_index_t *index, const char *scope, const Google__Protobuf__EnumDescriptorProto *enm,
              const gen_file_proto_t *file)
{
    char *full = scope[0] ? gen_xasprintf ("%s.%s", scope, enm->name) : gen_xstrdup (enm->name);
    s_index_push (index, (s_entry_t) {.full_name = full, .file = file, .enm = enm});
}

static void
s_index_add (s_index_t *index, const char *scope, Google__Protobuf__DescriptorProto *msg,
             const gen_file_proto_t *file)
{
    char *full = scope[0] ? gen_xasprintf ("%s.%s", scope, msg->name) : gen_xstrdup (msg->name);
    s_index_push (index, (s_entry_t) {.full_name = full, .file = file, .msg = msg});
    for (size_t i = 0; i < msg->n_nested_type; i++)
        s_index_add (index, full, msg->nested_type[i], file);
    for (size_t i = 0; i < msg->n_enum_type; i++)
        s_index_enum (index, full, msg->enum_type[i], file);
}

static void
s_index_build (s_index_t *index, const gen_request_t *request)
{
    memset (index, 0, sizeof *index);
    for (size_t f = 0; f < request->n_proto_file; f++) {
        const gen_file_proto_t *file = request->proto_file[f];
        for (size_t m = 0; m < file->n_message_type; m++)
            s_index_add (index, file->package ? file->package : "", file->message_type[m], file);
        for (size_t e = 0; e < file->n_enum_type; e++)
            s_index_enum (index, file->package ? file->package : "", file->enum_type[e], file);
    }
}

static void
s_index_fini (s_index_t *index)
{
    for (size_t i = 0; i < index->n; i++)
        free (index->entries[i].full_name);
    free (index->entries);
}

// A message (enums = false) or an enum (true) by full name.
static const s_entry_t *
s_index_lookup (const s_index_t *index, const char *full_name, bool enums)
{
    if (*full_name == '.')
        full_name++;
    for (size_t i = 0; i < index->n; i++)
        if (strcmp (index->entries[i].full_name, full_name) == 0 && (index->entries[i].enm != NULL) == enums)
            return &index->entries[i];
    return NULL;
}

static const s_entry_t *
s_index_find (const s_index_t *index, const char *full_name)
{
    return s_index_lookup (index, full_name, false);
}

static void
s_message_init (gen_message_t *msg, const s_entry_t *entry)
{
    const char *package = entry->file->package ? entry->file->package : "";
    char *c_package = gen_file_c_package (entry->file);
    msg->full_name = gen_xstrdup (entry->full_name);
    msg->c_type = gen_full_name_to_c (entry->full_name, package, c_package);
    msg->lower = gen_full_name_to_lower (entry->full_name, package, c_package);
    free (c_package);
    msg->has_required = false;
    for (size_t i = 0; i < entry->msg->n_field; i++)
        if (entry->msg->field[i]->label == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REQUIRED)
            msg->has_required = true;
}

static void
s_message_fini (gen_message_t *msg)
{
    free (msg->full_name);
    free (msg->c_type);
    free (msg->lower);
}

// --- comments and lines -----------------------------------------------------------------------------------

static const Google__Protobuf__SourceCodeInfo__Location *
s_location (const gen_file_proto_t *file, int service, int method)
{
    if (!file->source_code_info)
        return NULL;
    size_t want = method < 0 ? 2 : 4;
    for (size_t i = 0; i < file->source_code_info->n_location; i++) {
        const Google__Protobuf__SourceCodeInfo__Location *loc = file->source_code_info->location[i];
        if (loc->n_path != want || loc->path[0] != PATH_SERVICE || loc->path[1] != service)
            continue;
        if (method >= 0 && (loc->path[2] != PATH_METHOD || loc->path[3] != method))
            continue;
        return loc;
    }
    return NULL;
}

static void
s_comment_and_line (const gen_file_proto_t *file, int service, int method, const char **comment, int *line)
{
    const Google__Protobuf__SourceCodeInfo__Location *loc = s_location (file, service, method);
    *comment = loc && loc->leading_comments && loc->leading_comments[0] ? loc->leading_comments : NULL;
    *line = loc && loc->n_span > 0 ? loc->span[0] + 1 : 0;
}

// --- rom's service options --------------------------------------------------------------------------------

static int
s_service_options (gen_service_t *svc, const Google__Protobuf__ServiceDescriptorProto *proto)
{
    const ProtobufCMessage *options = (const ProtobufCMessage *) proto->options;
    const ProtobufCMessageUnknownField *init = s_unknown (options, ROM_OPTION_INIT);
    if (init && init->wire_type == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED) {
        const uint8_t *data;
        size_t len;
        s_payload (init, &data, &len);
        svc->init_option = gen_xasprintf ("%.*s", (int) len, (const char *) data);
    }
    const ProtobufCMessageUnknownField *state = s_unknown (options, ROM_OPTION_STATE);
    if (state && state->wire_type == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED) {
        const uint8_t *data;
        size_t len;
        s_payload (state, &data, &len);
        svc->state_option = gen_xasprintf ("%.*s", (int) len, (const char *) data);
    }
    const ProtobufCMessageUnknownField *pool = s_unknown (options, ROM_OPTION_POOL);
    if (pool && pool->wire_type == PROTOBUF_C_WIRE_TYPE_VARINT) {
        uint64_t v = 0;
        if (s_varint (pool->data, pool->len, &v))
            svc->pool = v != 0;
    }
    return 0;
}

// (rom.init) = "Msg" names a message relative to the file's package, or fully qualified ("pkg.Msg").
static const s_entry_t *
s_resolve_init (const s_index_t *index, const char *package, const char *name)
{
    if (name[0] == '.')
        return s_index_find (index, name);
    if (package[0]) {
        char *qualified = gen_xasprintf ("%s.%s", package, name);
        const s_entry_t *entry = s_index_find (index, qualified);
        free (qualified);
        if (entry)
            return entry;
    }
    return s_index_find (index, name);
}

// --- declared state ((rom.state)): the fields generated operations reach -----------------------------------

#define S_TYPE(x) GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_##x

static void
s_vtype_named (gen_vtype_t *vt, gen_kind_t kind, const s_entry_t *entry)
{
    vt->kind = kind;
    if (!entry) {
        vt->c_type = gen_xstrdup (kind == GEN_KIND_ENUM ? "int" : "ProtobufCMessage");
        return;
    }
    const char *package = entry->file->package ? entry->file->package : "";
    char *c_package = gen_file_c_package (entry->file);
    vt->c_type = gen_full_name_to_c (entry->full_name, package, c_package);
    if (kind == GEN_KIND_MESSAGE)
        vt->lower = gen_full_name_to_lower (entry->full_name, package, c_package);
    free (c_package);
}

static void
s_vtype_plain (gen_vtype_t *vt, gen_kind_t kind, const char *c_type)
{
    vt->kind = kind;
    vt->c_type = gen_xstrdup (c_type);
}

// The value type of a field that is not a map (a repeated one: of its items).
static void
s_vtype (gen_vtype_t *vt, const Google__Protobuf__FieldDescriptorProto *fp, const s_index_t *index,
         bool *is_any)
{
    memset (vt, 0, sizeof *vt);
    switch (fp->type) {
    case S_TYPE (INT64):
    case S_TYPE (SINT64):
    case S_TYPE (SFIXED64): s_vtype_plain (vt, GEN_KIND_INT, "int64_t"); break;
    case S_TYPE (INT32):
    case S_TYPE (SINT32):
    case S_TYPE (SFIXED32): s_vtype_plain (vt, GEN_KIND_INT, "int32_t"); break;
    case S_TYPE (UINT64):
    case S_TYPE (FIXED64): s_vtype_plain (vt, GEN_KIND_UINT, "uint64_t"); break;
    case S_TYPE (UINT32):
    case S_TYPE (FIXED32): s_vtype_plain (vt, GEN_KIND_UINT, "uint32_t"); break;
    case S_TYPE (DOUBLE): s_vtype_plain (vt, GEN_KIND_FLOAT, "double"); break;
    case S_TYPE (FLOAT): s_vtype_plain (vt, GEN_KIND_FLOAT, "float"); break;
    case S_TYPE (BOOL): s_vtype_plain (vt, GEN_KIND_BOOL, "bool"); break;
    case S_TYPE (STRING): s_vtype_plain (vt, GEN_KIND_STRING, "char *"); break;
    case S_TYPE (BYTES): s_vtype_plain (vt, GEN_KIND_BYTES, "uint8_t *"); break;
    case S_TYPE (ENUM):
        s_vtype_named (vt, GEN_KIND_ENUM, fp->type_name ? s_index_lookup (index, fp->type_name, true) : NULL);
        break;
    default: // message, group
        s_vtype_named (vt, GEN_KIND_MESSAGE, fp->type_name ? s_index_find (index, fp->type_name) : NULL);
        if (fp->type_name && strcmp (fp->type_name, ".google.protobuf.Any") == 0)
            *is_any = true;
        break;
    }
}

static void
s_vtype_fini (gen_vtype_t *vt)
{
    free (vt->c_type);
    free (vt->lower);
}

static const Google__Protobuf__FieldDescriptorProto *
s_field_number (const Google__Protobuf__DescriptorProto *msg, int number)
{
    for (size_t i = 0; i < msg->n_field; i++)
        if (msg->field[i]->number == number)
            return msg->field[i];
    return NULL;
}

static void
s_field_push (gen_service_t *svc, size_t *cap, const gen_field_t *field)
{
    if (svc->n_fields == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        gen_field_t *fields = realloc (svc->fields, *cap * sizeof *fields);
        if (!fields)
            abort ();
        svc->fields = fields;
    }
    svc->fields[svc->n_fields++] = *field;
}

// The fields of `msg` (the state, or the field `parent` of it), each followed by its own fields down to
// GEN_STATE_DEPTH.
static void
s_state_fields (gen_service_t *svc, const Google__Protobuf__DescriptorProto *msg, const s_index_t *index,
                size_t parent, size_t *cap)
{
    for (size_t i = 0; i < msg->n_field; i++) {
        const Google__Protobuf__FieldDescriptorProto *fp = msg->field[i];
        const gen_field_t *up = parent == SIZE_MAX ? NULL : &svc->fields[parent];
        gen_field_t f;
        memset (&f, 0, sizeof f);
        f.name = up ? gen_xasprintf ("%s_%s", up->name, fp->name) : gen_xstrdup (fp->name);
        f.dotted = up ? gen_xasprintf ("%s.%s", up->dotted, fp->name) : gen_xstrdup (fp->name);
        f.upper = gen_to_upper (f.name);
        if (up)
            memcpy (f.path, up->path, up->depth * sizeof *f.path);
        f.depth = up ? up->depth + 1 : 1;
        f.path[f.depth - 1] = (uint32_t) fp->number;
        f.repeated = fp->label == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED;
        f.in_oneof = fp->has_oneof_index && !(fp->has_proto3_optional && fp->proto3_optional);
        const s_entry_t *entry = fp->type == S_TYPE (MESSAGE) && fp->type_name
                                     ? s_index_find (index, fp->type_name)
                                     : NULL;
        const Google__Protobuf__FieldDescriptorProto *key = NULL, *value = NULL;
        if (f.repeated && entry && entry->msg->options && entry->msg->options->map_entry) {
            key = s_field_number (entry->msg, 1);
            value = s_field_number (entry->msg, 2);
        }
        if (key && value) {
            f.map = true;
            s_vtype (&f.key, key, index, &f.is_any);
            s_vtype (&f.value, value, index, &f.is_any);
        } else
            s_vtype (&f.value, fp, index, &f.is_any);
        f.has_children = !f.repeated && entry && !f.is_any && !f.in_oneof && f.depth < GEN_STATE_DEPTH;
        s_field_push (svc, cap, &f);
        if (f.has_children)
            s_state_fields (svc, entry->msg, index, svc->n_fields - 1, cap);
    }
}

int
gen_file_build (gen_file_t *self, const gen_request_t *request, const gen_file_proto_t *file, char **error)
{
    memset (self, 0, sizeof *self);
    *error = NULL;
    self->proto = file;
    self->name = file->name;
    self->stem = gen_strip_proto (file->name);
    self->identifier = gen_file_identifier (file->name);
    self->package = file->package ? file->package : "";
    self->c_package = gen_file_c_package (file);
    self->n_services = file->n_service;
    self->services = gen_xalloc (file->n_service * sizeof *self->services);

    s_index_t index;
    s_index_build (&index, request);
    int rc = 0;
    for (size_t s = 0; s < file->n_service && rc == 0; s++) {
        const Google__Protobuf__ServiceDescriptorProto *proto = file->service[s];
        gen_service_t *svc = &self->services[s];
        svc->name = proto->name;
        svc->full_name = self->package[0] ? gen_xasprintf ("%s.%s", self->package, proto->name)
                                          : gen_xstrdup (proto->name);
        svc->c_type = gen_full_name_to_c (svc->full_name, self->package, self->c_package);
        svc->lower = gen_full_name_to_lower (svc->full_name, self->package, self->c_package);
        svc->upper = gen_to_upper (svc->lower);
        s_comment_and_line (file, (int) s, -1, &svc->comment, &svc->line);
        s_service_options (svc, proto);
        if (svc->init_option) {
            const s_entry_t *entry = s_resolve_init (&index, self->package, svc->init_option);
            if (!entry) {
                *error =
                    gen_xasprintf ("%s:%d: service %s: option (rom.init) = \"%s\" names no message known "
                                   "here; name a message of this file or of one it imports "
                                   "(relative to package \"%s\", or fully qualified)",
                                   self->name, svc->line, svc->name, svc->init_option, self->package);
                rc = -1;
                break;
            }
            s_message_init (&svc->init, entry);
            svc->has_init = true;
        }
        if (svc->state_option) {
            const s_entry_t *entry = s_resolve_init (&index, self->package, svc->state_option);
            if (!entry) {
                *error =
                    gen_xasprintf ("%s:%d: service %s: option (rom.state) = \"%s\" names no message known "
                                   "here; name a message of this file or of one it imports "
                                   "(relative to package \"%s\", or fully qualified)",
                                   self->name, svc->line, svc->name, svc->state_option, self->package);
                rc = -1;
                break;
            }
            s_message_init (&svc->state, entry);
            svc->has_state = true;
            // A state type's creation argument is its initial state (check.c refuses (rom.init) beside it).
            if (!svc->has_init) {
                s_message_init (&svc->init, entry);
                svc->has_init = true;
            }
            size_t cap = 0;
            s_state_fields (svc, entry->msg, &index, SIZE_MAX, &cap);
        }
        svc->n_methods = proto->n_method;
        svc->methods = gen_xalloc (proto->n_method * sizeof *svc->methods);
        for (size_t m = 0; m < proto->n_method; m++) {
            const Google__Protobuf__MethodDescriptorProto *mp = proto->method[m];
            gen_method_t *method = &svc->methods[m];
            method->name = mp->name;
            method->lower = gen_camel_to_lower (mp->name);
            method->upper = gen_to_upper (method->lower);
            method->client_streaming = mp->has_client_streaming && mp->client_streaming;
            method->server_streaming = mp->has_server_streaming && mp->server_streaming;
            s_comment_and_line (file, (int) s, (int) m, &method->comment, &method->line);
            const s_entry_t *in = s_index_find (&index, mp->input_type);
            const s_entry_t *out = s_index_find (&index, mp->output_type);
            if (!in || !out) {
                // protoc resolved these already; only a request without the imported file lands here.
                *error = gen_xasprintf ("%s:%d: rpc %s.%s: type %s is not in the request", self->name,
                                        method->line, svc->name, method->name,
                                        !in ? mp->input_type : mp->output_type);
                rc = -1;
                break;
            }
            s_message_init (&method->input, in);
            s_message_init (&method->output, out);
        }
    }
    s_index_fini (&index);
    return rc;
}

void
gen_file_fini (gen_file_t *self)
{
    for (size_t s = 0; s < self->n_services; s++) {
        gen_service_t *svc = &self->services[s];
        for (size_t m = 0; m < svc->n_methods; m++) {
            free (svc->methods[m].lower);
            free (svc->methods[m].upper);
            s_message_fini (&svc->methods[m].input);
            s_message_fini (&svc->methods[m].output);
        }
        free (svc->methods);
        free (svc->full_name);
        free (svc->c_type);
        free (svc->lower);
        free (svc->upper);
        free (svc->init_option);
        if (svc->has_init)
            s_message_fini (&svc->init);
        free (svc->state_option);
        if (svc->has_state)
            s_message_fini (&svc->state);
        for (size_t i = 0; i < svc->n_fields; i++) {
            gen_field_t *f = &svc->fields[i];
            free (f->name);
            free (f->upper);
            free (f->dotted);
            s_vtype_fini (&f->value);
            s_vtype_fini (&f->key);
        }
        free (svc->fields);
    }
    free (self->services);
    free (self->stem);
    free (self->identifier);
    free (self->c_package);
    memset (self, 0, sizeof *self);
}
