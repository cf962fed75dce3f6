// buf.c: a growable text buffer for the templates, and allocation that aborts on failure (a plugin that
// cannot allocate can only fail the run, and protoc reports a dead plugin clearly).
#include "codegen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_out_of_memory (void)
{
    fputs ("protoc-gen-rom: out of memory\n", stderr);
    abort ();
}

void *
gen_xalloc (size_t size)
{
    void *p = calloc (1, size ? size : 1);
    if (!p)
        s_out_of_memory ();
    return p;
}

char *
gen_xstrdup (const char *s)
{
    char *copy = strdup (s ? s : "");
    if (!copy)
        s_out_of_memory ();
    return copy;
}

char *
gen_xasprintf (const char *fmt, ...)
{
    gen_buf_t buf;
    gen_buf_init (&buf);
    va_list ap;
    va_start (ap, fmt);
    gen_buf_vprintf (&buf, fmt, ap);
    va_end (ap);
    return gen_buf_take (&buf);
}

void
gen_buf_init (gen_buf_t *self)
{
    self->data = NULL;
    self->len = 0;
    self->cap = 0;
}

void
gen_buf_fini (gen_buf_t *self)
{
    free (self->data);
    gen_buf_init (self);
}

void
gen_buf_vprintf (gen_buf_t *self, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy (copy, ap);
    int n = vsnprintf (NULL, 0, fmt, copy);
    va_end (copy);
    if (n < 0)
        s_out_of_memory ();
    size_t need = self->len + (size_t) n + 1;
    if (need > self->cap) {
        size_t cap = self->cap ? self->cap : 256;
        while (cap < need)
            cap *= 2;
        char *data = realloc (self->data, cap);
        if (!data)
            s_out_of_memory ();
        self->data = data;
        self->cap = cap;
    }
    vsnprintf (self->data + self->len, self->cap - self->len, fmt, ap);
    self->len += (size_t) n;
}

void
gen_buf_printf (gen_buf_t *self, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    gen_buf_vprintf (self, fmt, ap);
    va_end (ap);
}

char *
gen_buf_take (gen_buf_t *self)
{
    char *text = self->data ? self->data : gen_xstrdup ("");
    gen_buf_init (self);
    return text;
}
