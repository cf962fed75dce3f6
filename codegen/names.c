// names.c: protobuf-c's naming rules, reproduced from protoc-c 1.4.1 (c_helpers.cc) so that the names our
// templates write are exactly those protoc-c declares: Demo__Count, demo__count__descriptor, and the
// service members that our refusals must predict. tests/unit/test_names.c pins each rule.
#include "codegen.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

char *
gen_camel_to_lower (const char *name)
{
    gen_buf_t buf;
    gen_buf_init (&buf);
    bool was_upper = true; // no '_' before a leading capital
    for (const char *p = name; *p; p++) {
        bool is_upper = isupper ((unsigned char) *p) != 0;
        if (is_upper && !was_upper)
            gen_buf_printf (&buf, "_");
        gen_buf_printf (&buf, "%c", is_upper ? tolower ((unsigned char) *p) : *p);
        was_upper = is_upper;
    }
    return gen_buf_take (&buf);
}

char *
gen_to_camel (const char *name)
{
    gen_buf_t buf;
    gen_buf_init (&buf);
    bool next_upper = true;
    for (const char *p = name; *p; p++) {
        if (*p == '_')
            next_upper = true;
        else {
            gen_buf_printf (&buf, "%c", next_upper ? toupper ((unsigned char) *p) : *p);
            next_upper = false;
        }
    }
    return gen_buf_take (&buf);
}

char *
gen_to_upper (const char *lower)
{
    char *upper = gen_xstrdup (lower);
    for (char *p = upper; *p; p++)
        *p = (char) toupper ((unsigned char) *p);
    return upper;
}

// protoc-c's OverrideFullName: (pb_c_file).c_package replaces the package part of the name.
static char *
s_override (const char *full_name, const char *package, const char *c_package)
{
    if (*full_name == '.')
        full_name++;
    if (!c_package)
        return gen_xstrdup (full_name);
    size_t plen = package ? strlen (package) : 0;
    const char *rest = strlen (full_name) >= plen ? full_name + plen : full_name;
    return gen_xasprintf ("%s%s%s", c_package, plen == 0 ? "." : "", rest);
}

// How one piece of a name is spelled (lower or upper case, mangled); the result is malloc'ed.
typedef char *s_convert_fn (const char *);

// Split on '.', skip empty pieces, convert each, join with "__".
static char *
s_join (const char *full_name, const char *package, const char *c_package, s_convert_fn *convert)
{
    char *name = s_override (full_name, package, c_package);
    gen_buf_t buf;
    gen_buf_init (&buf);
    char *save = NULL;
    for (char *piece = strtok_r (name, ".", &save); piece; piece = strtok_r (NULL, ".", &save)) {
        char *converted = convert (piece);
        gen_buf_printf (&buf, "%s%s", buf.len ? "__" : "", converted);
        free (converted);
    }
    free (name);
    return gen_buf_take (&buf);
}

char *
gen_full_name_to_c (const char *full_name, const char *package, const char *c_package)
{
    return s_join (full_name, package, c_package, gen_to_camel);
}

char *
gen_full_name_to_lower (const char *full_name, const char *package, const char *c_package)
{
    return s_join (full_name, package, c_package, gen_camel_to_lower);
}

char *
gen_strip_proto (const char *file_name)
{
    size_t len = strlen (file_name);
    static const char *const suffixes[] = {".protodevel", ".proto"};
    for (size_t i = 0; i < 2; i++) {
        size_t slen = strlen (suffixes[i]);
        if (len >= slen && strcmp (file_name + len - slen, suffixes[i]) == 0)
            return gen_xasprintf ("%.*s", (int) (len - slen), file_name);
    }
    return gen_xstrdup (file_name);
}

char *
gen_file_identifier (const char *file_name)
{
    gen_buf_t buf;
    gen_buf_init (&buf);
    for (const char *p = file_name; *p; p++) {
        if (isalnum ((unsigned char) *p))
            gen_buf_printf (&buf, "%c", *p);
        else
            gen_buf_printf (&buf, "_%x", (unsigned) (unsigned char) *p);
    }
    return gen_buf_take (&buf);
}

bool
gen_is_c_keyword (const char *word)
{
    static const char *const keywords[] = {
        "auto",       "break",     "case",           "char",
        "const",      "continue",  "default",        "do",
        "double",     "else",      "enum",           "extern",
        "float",      "for",       "goto",           "if",
        "inline",     "int",       "long",           "register",
        "restrict",   "return",    "short",          "signed",
        "sizeof",     "static",    "struct",         "switch",
        "typedef",    "union",     "unsigned",       "void",
        "volatile",   "while",     "_Alignas",       "_Alignof",
        "_Atomic",    "_Bool",     "_Complex",       "_Generic",
        "_Imaginary", "_Noreturn", "_Static_assert", "_Thread_local",
    };
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (strcmp (word, keywords[i]) == 0)
            return true;
    return false;
}

uint32_t
gen_type_hash (const char *name)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *) name; *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return h ? h : 1u;
}
