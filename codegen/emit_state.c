// emit_state.c: the typed operations of a declared state ((rom.state), issue 16) in x.rom.h and x.rom.c.
// Every function is a thin wrapper over rom_state.h: it fills a rom_state_op_t (the opcode, the field's
// path constant, the operands as rom_variant_t or a message) and hands it to rom_state_apply () (proxy
// functions) or rom_batch_add_op () (batch adders), then copies the result out in the field's C type.
// The same table of operations drives the header, the source and check.c's clash test
// (gen_state_suffixes ()), so a name that is generated is a name that is checked.
#include "codegen.h"

#include <stdlib.h>
#include <string.h>

// What an operation takes beyond the proxy, and what it gives back.
typedef enum {
    IN_NONE,
    IN_VAL,       // a value of the field (an item, a map value)
    IN_BY,        // a number in the widest C type of its kind: int64_t, uint64_t, double
    IN_CAS,       // expected, desired
    IN_INDEX,     // int64_t index
    IN_INDEX_VAL, // index, value
    IN_SLICE,     // int64_t start, int64_t stop
    IN_ITEMS,     // an array of values and its length
    IN_KEY,       // a map key
    IN_KEY_VAL,   // key, value
    IN_KEY_BY,    // key, by
} s_in_t;

typedef enum {
    OUT_NONE,
    OUT_VAL,     // *value: the field, the item, the map value
    OUT_NOW,     // *now: the value after the operation
    OUT_SWAPPED, // bool *swapped
    OUT_SIZE,    // size_t *len
    OUT_FOUND,   // bool *found
    OUT_LIST,    // the items: an array the caller frees, and its length
    OUT_KEYS,    // the keys: the same
} s_out_t;

typedef struct {
    const char *suffix;
    const char *code; // ROM_STATE_*
    s_in_t in;
    s_out_t out;
    const char *doc; // what it does, in Python's words; '@' stands for the field
} s_op_t;

static const s_op_t s_get = {"get", "ROM_STATE_GET", IN_NONE, OUT_VAL, "*value = @"};
static const s_op_t s_set = {"set", "ROM_STATE_SET", IN_VAL, OUT_NONE, "@ = value"};
static const s_op_t s_numbers[] = {
    {"add", "ROM_STATE_ADD", IN_BY, OUT_NOW, "@ += by; *now: the new value"},
    {"min", "ROM_STATE_MIN", IN_VAL, OUT_NOW, "@ = min (@, value); *now: the new value"},
    {"max", "ROM_STATE_MAX", IN_VAL, OUT_NOW, "@ = max (@, value); *now: the new value"},
    {"cas", "ROM_STATE_CAS", IN_CAS, OUT_SWAPPED,
     "if @ == expected: @ = desired; *swapped says whether it did"},
};
static const s_op_t s_toggle = {"toggle", "ROM_STATE_TOGGLE", IN_NONE, OUT_NOW,
                                "@ = not @; *now: the new value"};
static const s_op_t s_cas = {"cas", "ROM_STATE_CAS", IN_CAS, OUT_SWAPPED,
                             "if @ == expected: @ = desired; *swapped says whether it did"};
static const s_op_t s_append = {"append", "ROM_STATE_APPEND", IN_VAL, OUT_NONE, "@ += value"};
static const s_op_t s_len = {"len", "ROM_STATE_LEN", IN_NONE, OUT_SIZE, "*len = len (@)"};
static const s_op_t s_repeated[] = {
    {"get", "ROM_STATE_GET", IN_NONE, OUT_LIST, "*items = @[:]"},
    {"append", "ROM_STATE_APPEND", IN_VAL, OUT_NONE, "@.append (value)"},
    {"extend", "ROM_STATE_EXTEND", IN_ITEMS, OUT_NONE, "@.extend (items)"},
    {"set", "ROM_STATE_SET", IN_ITEMS, OUT_NONE, "@[:] = items (all checked before any is stored)"},
    {"len", "ROM_STATE_LEN", IN_NONE, OUT_SIZE, "*len = len (@)"},
    {"at", "ROM_STATE_AT", IN_INDEX, OUT_VAL,
     "*value = @[index] (negative: from the end; past the end: ROM_OUT_OF_RANGE)"},
    {"set_at", "ROM_STATE_SET_AT", IN_INDEX_VAL, OUT_NONE, "@[index] = value"},
    {"remove_at", "ROM_STATE_REMOVE_AT", IN_INDEX, OUT_VAL, "*value = @.pop (index)"},
    {"clear", "ROM_STATE_CLEAR", IN_NONE, OUT_NONE, "@.clear ()"},
    {"slice", "ROM_STATE_SLICE", IN_SLICE, OUT_LIST, "*items = @[start:stop] (stop INT64_MAX: to the end)"},
};
static const s_op_t s_map[] = {
    {"put", "ROM_STATE_PUT", IN_KEY_VAL, OUT_NONE, "@[key] = value"},
    {"get", "ROM_STATE_MAP_GET", IN_KEY, OUT_VAL, "*value = @[key]; ROM_NOT_FOUND when missing (KeyError)"},
    {"del", "ROM_STATE_DEL", IN_KEY, OUT_NONE, "del @[key]; ROM_NOT_FOUND when missing"},
    {"incr", "ROM_STATE_INCR", IN_KEY_BY, OUT_NOW,
     "@[key] += by (a missing key counts from 0); *now: the new value"},
    {"len", "ROM_STATE_LEN", IN_NONE, OUT_SIZE, "*len = len (@)"},
    {"keys", "ROM_STATE_KEYS", IN_NONE, OUT_KEYS, "*items = list (@), in the map's order"},
    {"contains", "ROM_STATE_CONTAINS", IN_KEY, OUT_FOUND, "*found = key in @"},
    {"clear", "ROM_STATE_CLEAR", IN_NONE, OUT_NONE, "@.clear ()"},
};

static bool
s_is_number (gen_kind_t kind)
{
    return kind == GEN_KIND_INT || kind == GEN_KIND_UINT || kind == GEN_KIND_FLOAT;
}

// The operations of `field`, in the order they are emitted. Returns how many (at most 12).
static size_t
s_ops (const gen_field_t *field, const s_op_t **ops)
{
    size_t n = 0;
    gen_kind_t kind = field->value.kind;
    if (field->map) {
        for (size_t i = 0; i < sizeof s_map / sizeof s_map[0]; i++)
            if (strcmp (s_map[i].suffix, "incr") != 0 || s_is_number (kind))
                ops[n++] = &s_map[i];
        return n;
    }
    if (field->repeated) {
        for (size_t i = 0; i < sizeof s_repeated / sizeof s_repeated[0]; i++)
            if (s_repeated[i].in != IN_ITEMS || kind != GEN_KIND_MESSAGE) // message items: one at a time
                ops[n++] = &s_repeated[i];
        return n;
    }
    ops[n++] = &s_get;
    ops[n++] = &s_set;
    if (s_is_number (kind))
        for (size_t i = 0; i < sizeof s_numbers / sizeof s_numbers[0]; i++)
            ops[n++] = &s_numbers[i];
    if (kind == GEN_KIND_BOOL)
        ops[n++] = &s_toggle;
    if (kind == GEN_KIND_STRING || kind == GEN_KIND_BYTES) {
        ops[n++] = &s_append;
        ops[n++] = &s_len;
    }
    if (kind == GEN_KIND_BOOL || kind == GEN_KIND_ENUM || kind == GEN_KIND_STRING)
        ops[n++] = &s_cas;
    return n;
}

size_t
gen_state_suffixes (const gen_field_t *field, const char **suffixes)
{
    const s_op_t *ops[16];
    size_t n = s_ops (field, ops);
    for (size_t i = 0; i < n; i++)
        suffixes[i] = ops[i]->suffix;
    return n;
}

// --- C text of operands and results ------------------------------------------------------------------------

static const char *
s_wide (const gen_vtype_t *vt)
{
    return vt->kind == GEN_KIND_INT ? "int64_t" : vt->kind == GEN_KIND_UINT ? "uint64_t" : "double";
}

// ", <type> name" for a value going in.
static void
s_param_in (gen_buf_t *out, const gen_vtype_t *vt, const char *name)
{
    switch (vt->kind) {
    case GEN_KIND_STRING: gen_buf_printf (out, ", const char *%s", name); break;
    case GEN_KIND_BYTES: gen_buf_printf (out, ", const uint8_t *%s, size_t %s_size", name, name); break;
    case GEN_KIND_MESSAGE: gen_buf_printf (out, ", const %s *%s", vt->c_type, name); break;
    default: gen_buf_printf (out, ", %s %s", vt->c_type, name); break;
    }
}

// ", <type> *name" for a value coming out.
static void
s_param_out (gen_buf_t *out, const gen_vtype_t *vt, const char *name)
{
    switch (vt->kind) {
    case GEN_KIND_STRING: gen_buf_printf (out, ", char **%s", name); break;
    case GEN_KIND_BYTES: gen_buf_printf (out, ", uint8_t **%s, size_t *%s_size", name, name); break;
    case GEN_KIND_MESSAGE: gen_buf_printf (out, ", %s **%s", vt->c_type, name); break;
    default: gen_buf_printf (out, ", %s *%s", vt->c_type, name); break;
    }
}

// The C type of one item of an array going in (IN_ITEMS) or coming out (OUT_LIST, OUT_KEYS).
static void
s_param_items (gen_buf_t *out, const gen_vtype_t *vt, bool in)
{
    switch (vt->kind) {
    case GEN_KIND_STRING:
        gen_buf_printf (out, in ? ", const char *const *items, size_t n_items"
                                : ", char ***items, size_t *n_items");
        break;
    case GEN_KIND_BYTES:
        gen_buf_printf (out, in ? ", const ProtobufCBinaryData *items, size_t n_items"
                                : ", ProtobufCBinaryData **items, size_t *n_items");
        break;
    case GEN_KIND_MESSAGE: gen_buf_printf (out, ", %s ***items, size_t *n_items", vt->c_type); break;
    default:
        gen_buf_printf (out, in ? ", const %s *items, size_t n_items" : ", %s **items, size_t *n_items",
                        vt->c_type);
        break;
    }
}

// The rom_variant_t of a value named `name` (an expression).
static void
s_variant (gen_buf_t *out, const gen_vtype_t *vt, const char *name)
{
    switch (vt->kind) {
    case GEN_KIND_INT:
    case GEN_KIND_ENUM: gen_buf_printf (out, "ROM_INT ((int64_t) %s)", name); break;
    case GEN_KIND_UINT: gen_buf_printf (out, "ROM_UINT ((uint64_t) %s)", name); break;
    case GEN_KIND_FLOAT: gen_buf_printf (out, "ROM_DOUBLE ((double) %s)", name); break;
    case GEN_KIND_BOOL: gen_buf_printf (out, "ROM_BOOL (%s)", name); break;
    case GEN_KIND_STRING: gen_buf_printf (out, "ROM_STR (%s)", name); break;
    case GEN_KIND_BYTES: gen_buf_printf (out, "ROM_BYTES (%s, %s_size)", name, name); break;
    case GEN_KIND_MESSAGE: gen_buf_printf (out, "ROM_NONE"); break;
    }
}

// `    op.<member> = <value>;` (a message value goes to op.message).
static void
s_set_operand (gen_buf_t *out, const gen_vtype_t *vt, const char *member, const char *name)
{
    if (vt->kind == GEN_KIND_MESSAGE) {
        gen_buf_printf (out, "    op.message = (const ProtobufCMessage *) %s;\n", name);
        return;
    }
    gen_buf_printf (out, "    op.%s = ", member);
    s_variant (out, vt, name);
    gen_buf_printf (out, ";\n");
}

// Statements that move a scalar result `v` (a rom_variant_t lvalue) into *name; what they take is set to
// NULL in `v` so that rom_state_result_clear () leaves it.
static void
s_take (gen_buf_t *out, const gen_vtype_t *vt, const char *indent, const char *dst, const char *v)
{
    switch (vt->kind) {
    case GEN_KIND_INT:
    case GEN_KIND_ENUM: gen_buf_printf (out, "%s%s = (%s) %s.i;\n", indent, dst, vt->c_type, v); break;
    case GEN_KIND_UINT: gen_buf_printf (out, "%s%s = (%s) %s.u;\n", indent, dst, vt->c_type, v); break;
    case GEN_KIND_FLOAT: gen_buf_printf (out, "%s%s = (%s) %s.d;\n", indent, dst, vt->c_type, v); break;
    case GEN_KIND_BOOL: gen_buf_printf (out, "%s%s = %s.b;\n", indent, dst, v); break;
    case GEN_KIND_STRING:
        gen_buf_printf (out, "%s%s = %s.str;\n%s%s.str = NULL;\n", indent, dst, v, indent, v);
        break;
    case GEN_KIND_BYTES: // an item of a list: ProtobufCBinaryData
        gen_buf_printf (out, "%s%s.data = %s.data;\n%s%s.len = %s.size;\n%s%s.data = NULL;\n", indent, dst, v,
                        indent, dst, v, indent, v);
        break;
    case GEN_KIND_MESSAGE: // an item of a list: packed
        gen_buf_printf (
            out, "%s%s = (%s *) protobuf_c_message_unpack (&%s__descriptor, NULL, %s.size, %s.data);\n",
            indent, dst, vt->c_type, vt->lower, v, v);
        break;
    }
}

// The result of a one-value operation into `name` (and name_size for bytes).
static void
s_take_value (gen_buf_t *out, const gen_vtype_t *vt, const char *name)
{
    if (vt->kind == GEN_KIND_MESSAGE) {
        gen_buf_printf (out,
                        "    if (status == ROM_OK && %s) {\n"
                        "        *%s = (%s *) r.message;\n"
                        "        r.message = NULL;\n"
                        "    }\n",
                        name, name, vt->c_type);
        return;
    }
    if (vt->kind == GEN_KIND_BYTES) {
        gen_buf_printf (out,
                        "    if (status == ROM_OK && %s_size)\n"
                        "        *%s_size = r.value.size;\n"
                        "    if (status == ROM_OK && %s) {\n"
                        "        *%s = r.value.data;\n"
                        "        r.value.data = NULL;\n"
                        "    }\n",
                        name, name, name, name);
        return;
    }
    char *dst = gen_xasprintf ("*%s", name);
    gen_buf_printf (out, "    if (status == ROM_OK && %s) {\n", name);
    s_take (out, vt, "        ", dst, "r.value");
    gen_buf_printf (out, "    }\n");
    free (dst);
}

// The items of a result into a new array *items.
static void
s_take_items (gen_buf_t *out, const gen_vtype_t *vt)
{
    const char *item = vt->kind == GEN_KIND_STRING    ? "char *"
                       : vt->kind == GEN_KIND_BYTES   ? "ProtobufCBinaryData"
                       : vt->kind == GEN_KIND_MESSAGE ? NULL
                                                      : vt->c_type;
    char *message_item = vt->kind == GEN_KIND_MESSAGE ? gen_xasprintf ("%s *", vt->c_type) : NULL;
    const char *type = item ? item : message_item;
    gen_buf_printf (out,
                    "    if (status == ROM_OK && items) {\n"
                    "        %s%s*array = calloc (r.n_items ? r.n_items : 1, sizeof *array);\n"
                    "        if (!array)\n"
                    "            status = ROM_NOMEM;\n"
                    "        for (size_t i = 0; array && i < r.n_items; i++) {\n",
                    type, type[strlen (type) - 1] == '*' ? "" : " ");
    s_take (out, vt, "            ", "array[i]", "r.items[i]");
    gen_buf_printf (out, "        }\n"
                         "        *items = array;\n"
                         "        if (n_items)\n"
                         "            *n_items = array ? r.n_items : 0;\n"
                         "    }\n");
    free (message_item);
}

// --- one operation: its parameters, its body ---------------------------------------------------------------

typedef struct {
    const gen_service_t *svc;
    const gen_field_t *field; // NULL: the whole state
    const s_op_t *op;
    bool batch; // pkg__svc_batch__* (no results, a step) rather than pkg__svc_proxy__*
} s_fn_t;

static void
s_params (gen_buf_t *out, const s_fn_t *fn)
{
    const gen_field_t *f = fn->field;
    const gen_vtype_t *vt = &f->value;
    switch (fn->op->in) {
    case IN_NONE: break;
    case IN_VAL: s_param_in (out, vt, "value"); break;
    case IN_BY: gen_buf_printf (out, ", %s by", s_wide (vt)); break;
    case IN_CAS:
        s_param_in (out, vt, "expected");
        s_param_in (out, vt, "desired");
        break;
    case IN_INDEX: gen_buf_printf (out, ", int64_t index"); break;
    case IN_INDEX_VAL:
        gen_buf_printf (out, ", int64_t index");
        s_param_in (out, vt, "value");
        break;
    case IN_SLICE: gen_buf_printf (out, ", int64_t start, int64_t stop"); break;
    case IN_ITEMS: s_param_items (out, vt, true); break;
    case IN_KEY: s_param_in (out, &f->key, "key"); break;
    case IN_KEY_VAL:
        s_param_in (out, &f->key, "key");
        s_param_in (out, vt, "value");
        break;
    case IN_KEY_BY:
        s_param_in (out, &f->key, "key");
        gen_buf_printf (out, ", %s by", s_wide (vt));
        break;
    }
    if (fn->batch) {
        gen_buf_printf (out, ", size_t *step");
        return;
    }
    switch (fn->op->out) {
    case OUT_NONE: break;
    case OUT_VAL: s_param_out (out, vt, "value"); break;
    case OUT_NOW: s_param_out (out, vt, "now"); break;
    case OUT_SWAPPED: gen_buf_printf (out, ", bool *swapped"); break;
    case OUT_SIZE: gen_buf_printf (out, ", size_t *len"); break;
    case OUT_FOUND: gen_buf_printf (out, ", bool *found"); break;
    case OUT_LIST: s_param_items (out, vt, false); break;
    case OUT_KEYS: s_param_items (out, &f->key, false); break;
    }
}

static void
s_operands (gen_buf_t *out, const s_fn_t *fn)
{
    const gen_field_t *f = fn->field;
    const gen_vtype_t *vt = &f->value;
    switch (fn->op->in) {
    case IN_NONE: break;
    case IN_VAL: s_set_operand (out, vt, "value", "value"); break;
    case IN_BY:
        gen_buf_printf (out, "    op.value = %s (by);\n",
                        vt->kind == GEN_KIND_INT    ? "ROM_INT"
                        : vt->kind == GEN_KIND_UINT ? "ROM_UINT"
                                                    : "ROM_DOUBLE");
        break;
    case IN_CAS:
        s_set_operand (out, vt, "value", "expected");
        s_set_operand (out, vt, "value2", "desired");
        break;
    case IN_INDEX: gen_buf_printf (out, "    op.index = index;\n"); break;
    case IN_INDEX_VAL:
        gen_buf_printf (out, "    op.index = index;\n");
        s_set_operand (out, vt, "value", "value");
        break;
    case IN_SLICE: gen_buf_printf (out, "    op.index = start;\n    op.stop = stop;\n"); break;
    case IN_ITEMS:
        gen_buf_printf (out, "    rom_variant_t *v = calloc (n_items ? n_items : 1, sizeof *v);\n"
                             "    if (!v)\n"
                             "        return ROM_NOMEM;\n"
                             "    for (size_t i = 0; i < n_items; i++)\n"
                             "        v[i] = ");
        if (vt->kind == GEN_KIND_BYTES)
            gen_buf_printf (out, "ROM_BYTES (items[i].data, items[i].len)");
        else
            s_variant (out, vt, "items[i]");
        gen_buf_printf (out, ";\n    op.items = v;\n    op.n_items = n_items;\n");
        break;
    case IN_KEY: s_set_operand (out, &f->key, "key", "key"); break;
    case IN_KEY_VAL:
        s_set_operand (out, &f->key, "key", "key");
        s_set_operand (out, vt, "value", "value");
        break;
    case IN_KEY_BY:
        s_set_operand (out, &f->key, "key", "key");
        gen_buf_printf (out, "    op.value = %s (by);\n",
                        vt->kind == GEN_KIND_INT    ? "ROM_INT"
                        : vt->kind == GEN_KIND_UINT ? "ROM_UINT"
                                                    : "ROM_DOUBLE");
        break;
    }
}

static void
s_results (gen_buf_t *out, const s_fn_t *fn)
{
    const gen_field_t *f = fn->field;
    switch (fn->op->out) {
    case OUT_NONE: break;
    case OUT_VAL: s_take_value (out, &f->value, "value"); break;
    case OUT_NOW: s_take_value (out, &f->value, "now"); break;
    case OUT_SWAPPED:
        gen_buf_printf (out, "    if (status == ROM_OK && swapped)\n        *swapped = r.flag;\n");
        break;
    case OUT_SIZE:
        gen_buf_printf (out, "    if (status == ROM_OK && len)\n        *len = (size_t) r.size;\n");
        break;
    case OUT_FOUND:
        gen_buf_printf (out, "    if (status == ROM_OK && found)\n        *found = r.flag;\n");
        break;
    case OUT_LIST: s_take_items (out, &f->value); break;
    case OUT_KEYS: s_take_items (out, &f->key); break;
    }
}

// A comment line above a declaration: what the function does.
static void
s_doc (gen_buf_t *out, const s_fn_t *fn)
{
    const gen_field_t *f = fn->field;
    if (fn->batch) {
        gen_buf_printf (out, "// %s_proxy__%s_%s as the next step of `batch` (*step: its index).\n",
                        fn->svc->lower, f->name, fn->op->suffix);
        return;
    }
    gen_buf_printf (out, "// ");
    for (const char *p = fn->op->doc; *p; p++)
        if (*p == '@')
            gen_buf_printf (out, "%s", f->dotted);
        else
            gen_buf_printf (out, "%c", *p);
    switch (fn->op->out) {
    case OUT_VAL:
    case OUT_NOW:
    case OUT_LIST:
    case OUT_KEYS:
        if (fn->op->out == OUT_LIST || fn->op->out == OUT_KEYS)
            gen_buf_printf (out, "; *items is a new array the caller frees (and each string, bytes' data or\n"
                                 "// message in it: free (), __free_unpacked ())");
        else if (f->value.kind == GEN_KIND_STRING || f->value.kind == GEN_KIND_BYTES)
            gen_buf_printf (out, "; the caller frees the result with free ()");
        else if (f->value.kind == GEN_KIND_MESSAGE)
            gen_buf_printf (out, "; the caller frees the result with %s__free_unpacked ()", f->value.lower);
        break;
    default: break;
    }
    gen_buf_printf (out, ".\n");
}

static void
s_function (gen_buf_t *out, const s_fn_t *fn, bool header)
{
    const gen_service_t *svc = fn->svc;
    const gen_field_t *f = fn->field;
    if (header)
        s_doc (out, fn);
    if (fn->batch)
        gen_buf_printf (out, "rom_status_t%s%s_batch__%s_%s (rom_batch_t *batch", header ? " " : "\n",
                        svc->lower, f->name, fn->op->suffix);
    else
        gen_buf_printf (out, "rom_status_t%s%s_proxy__%s_%s (%s_Proxy *proxy", header ? " " : "\n",
                        svc->lower, f->name, fn->op->suffix, svc->c_type);
    s_params (out, fn);
    if (header) {
        gen_buf_printf (out, ");\n");
        return;
    }
    gen_buf_printf (out,
                    ")\n"
                    "{\n"
                    "    rom_state_op_t op = {.code = %s, .path = %s_PATH__%s, .depth = %s_DEPTH__%s};\n",
                    fn->op->code, svc->upper, f->upper, svc->upper, f->upper);
    s_operands (out, fn);
    bool items = fn->op->in == IN_ITEMS;
    if (fn->batch) {
        gen_buf_printf (out, "    rom_status_t status = rom_batch_add_op (batch, &op, step);\n");
    } else if (fn->op->out == OUT_NONE) {
        gen_buf_printf (out, "    rom_status_t status = s_%s__rom_apply (proxy, &op, NULL);\n", svc->lower);
    } else {
        gen_buf_printf (out,
                        "    rom_state_result_t r = {0};\n"
                        "    rom_status_t status = s_%s__rom_apply (proxy, &op, &r);\n",
                        svc->lower);
        s_results (out, fn);
        gen_buf_printf (out, "    rom_state_result_clear (&r);\n");
    }
    if (items)
        gen_buf_printf (out, "    free (v);\n");
    gen_buf_printf (out, "    return status;\n}\n\n");
}

// --- a service's state section -----------------------------------------------------------------------------

static void
s_paths (gen_buf_t *out, const gen_service_t *svc)
{
    gen_buf_printf (
        out,
        "// Paths of the state's fields (rom_state.h: field numbers from %s down), for rom_watch_new ()\n"
        "// and rom_batch_guard_equals (): rom_watch_new (base, %s_PATH__X, %s_DEPTH__X, 0, &watch).\n",
        svc->state.full_name, svc->upper, svc->upper);
    for (size_t i = 0; i < svc->n_fields; i++) {
        const gen_field_t *f = &svc->fields[i];
        gen_buf_printf (out, "#define %s_PATH__%s ((const uint32_t[]) {", svc->upper, f->upper);
        for (size_t d = 0; d < f->depth; d++)
            gen_buf_printf (out, "%s%u", d ? ", " : "", f->path[d]);
        gen_buf_printf (out, "}) // %s\n#define %s_DEPTH__%s %zuu\n", f->dotted, svc->upper, f->upper,
                        f->depth);
    }
    gen_buf_printf (out, "\n");
}

static void
s_whole (gen_buf_t *out, const gen_service_t *svc, bool header)
{
    const char *t = svc->c_type, *l = svc->lower, *m = svc->state.c_type;
    if (header) {
        gen_buf_printf (
            out,
            "// The whole state: a copy in *state (caller frees it with %s__free_unpacked ()), or replace it.\n"
            "rom_status_t %s_proxy__rom_state_get (%s_Proxy *proxy, %s **state);\n"
            "rom_status_t %s_proxy__rom_state_set (%s_Proxy *proxy, const %s *state);\n"
            "// A new empty batch on `proxy`'s object (rom_batch_new ()): fill it with the %s_batch__*\n"
            "// adders, rom_batch_guard_* (), run it with rom_batch_exec (); caller destroys it (rom_batch_destroy ()).\n"
            "rom_status_t %s__rom_batch_new (%s_Proxy *proxy, rom_batch_t **batch_p);\n\n",
            svc->state.lower, l, t, m, l, t, m, l, l, t);
        return;
    }
    gen_buf_printf (
        out,
        "static rom_status_t\n"
        "s_%s__rom_apply (%s_Proxy *proxy, const rom_state_op_t *op, rom_state_result_t *result)\n"
        "{\n",
        l, t);
    gen_buf_printf (
        out,
        "    rom_status_t status = rom_proxy_check ((const rom_proxy_t *) proxy, &%s__rom_type);\n"
        "    if (status != ROM_OK)\n"
        "        return status;\n"
        "    return rom_state_apply ((rom_proxy_t *) proxy, op, result);\n"
        "}\n\n",
        l);
    gen_buf_printf (
        out,
        "rom_status_t\n"
        "%s_proxy__rom_state_get (%s_Proxy *proxy, %s **state)\n"
        "{\n"
        "    rom_state_op_t op = {.code = ROM_STATE_GET};\n"
        "    rom_state_result_t r = {0};\n"
        "    rom_status_t status = s_%s__rom_apply (proxy, &op, &r);\n"
        "    if (status == ROM_OK && state) {\n"
        "        *state = (%s *) r.message;\n"
        "        r.message = NULL;\n"
        "    }\n"
        "    rom_state_result_clear (&r);\n"
        "    return status;\n"
        "}\n\n"
        "rom_status_t\n"
        "%s_proxy__rom_state_set (%s_Proxy *proxy, const %s *state)\n"
        "{\n"
        "    rom_state_op_t op = {.code = ROM_STATE_SET, .message = (const ProtobufCMessage *) state};\n"
        "    return s_%s__rom_apply (proxy, &op, NULL);\n"
        "}\n\n"
        "rom_status_t\n"
        "%s__rom_batch_new (%s_Proxy *proxy, rom_batch_t **batch_p)\n"
        "{\n"
        "    rom_status_t status = rom_proxy_check ((const rom_proxy_t *) proxy, &%s__rom_type);\n"
        "    if (status != ROM_OK)\n"
        "        return status;\n"
        "    return rom_batch_new ((rom_proxy_t *) proxy, batch_p);\n"
        "}\n\n",
        l, t, m, l, m, l, t, m, l, l, t, l);
}

static void
s_batch_calls (gen_buf_t *out, const gen_service_t *svc, bool header)
{
    for (size_t i = 0; i < svc->n_methods; i++) {
        const gen_method_t *m = &svc->methods[i];
        if (header)
            gen_buf_printf (
                out,
                "// rpc %s as the next step of `batch` (`in` packed at once; its reply: rom_batch_reply ()).\n"
                "rom_status_t %s_batch__%s (rom_batch_t *batch, const %s *in, size_t *step);\n",
                m->name, svc->lower, m->lower, m->input.c_type);
        else
            gen_buf_printf (
                out,
                "rom_status_t\n"
                "%s_batch__%s (rom_batch_t *batch, const %s *in, size_t *step)\n"
                "{\n"
                "    return rom_batch_add_call (batch, %s_METHOD__%s, (const ProtobufCMessage *) in, step);\n"
                "}\n\n",
                svc->lower, m->lower, m->input.c_type, svc->upper, m->upper);
    }
    if (header && svc->n_methods)
        gen_buf_printf (out, "\n");
}

void
gen_emit_state (gen_buf_t *out, const gen_service_t *svc, bool header)
{
    if (header)
        s_paths (out, svc);
    s_whole (out, svc, header);
    for (int batch = 0; batch < 2; batch++) {
        if (header && batch)
            gen_buf_printf (
                out,
                "// ---- %s: typed batch steps ----\n"
                "// Each appends its operation to `batch` (rom_batch_add_op ()); its result, after\n"
                "// rom_batch_exec (), is rom_batch_result (batch, *step, &result).\n\n",
                svc->full_name);
        else if (header)
            gen_buf_printf (
                out,
                "// ---- %s: typed operations on the state ----\n"
                "// Each is one atomic call on the server (rom_state_apply ()); every result pointer may\n"
                "// be NULL. A value that does not fit its field is ROM_OUT_OF_RANGE (the state is unchanged).\n\n",
                svc->full_name);
        for (size_t i = 0; i < svc->n_fields; i++) {
            const s_op_t *ops[16];
            size_t n = s_ops (&svc->fields[i], ops);
            for (size_t o = 0; o < n; o++) {
                s_fn_t fn = {.svc = svc, .field = &svc->fields[i], .op = ops[o], .batch = batch != 0};
                s_function (out, &fn, header);
            }
            if (header)
                gen_buf_printf (out, "\n");
        }
    }
    s_batch_calls (out, svc, header);
}
