/*
 * The environment: an in-memory array, initially empty (the kernel command
 * line carries arguments only). setenv/putenv/unsetenv manage it with
 * malloc; `environ` always points at a NULL-terminated array. Strings that
 * setenv allocated are freed when replaced or removed; putenv strings
 * belong to the caller. If a program assigns `environ` itself, the next
 * change copies that array first.
 */
#include "internal.h"
#include <stdlib.h>
#include <string.h>

static char *empty_env[1] = { NULL };
char **environ = empty_env;
static char **owned;          /* the array we allocated, if environ is ours */
static unsigned char *mine;   /* mine[i]: environ[i] was allocated by setenv */
static size_t count, cap;

static long find(const char *name, size_t len)
{
    for (size_t i = 0; environ[i]; i++)
        if (strncmp(environ[i], name, len) == 0 && environ[i][len] == '=')
            return (long)i;
    return -1;
}

static int valid_name(const char *name)
{
    return name && *name && !strchr(name, '=');
}

char *getenv(const char *name)
{
    size_t len = strlen(name);
    long i = find(name, len);
    return i < 0 ? NULL : environ[i] + len + 1;
}

char *secure_getenv(const char *name) { return getenv(name); }

static int grow_to(size_t ncap)
{
    char **a = malloc(ncap * sizeof *a);
    unsigned char *m = malloc(ncap);
    if (!a || !m) {
        free(a);
        free(m);
        return -1;
    }
    size_t n = 0;
    while (environ[n])
        n++;
    memcpy(a, environ, (n + 1) * sizeof *a);
    memset(m, 0, ncap);
    if (environ == owned)
        memcpy(m, mine, n);
    free(owned);
    free(mine);
    owned = environ = a;
    mine = m;
    count = n;
    cap = ncap;
    return 0;
}

/* Makes environ an array we own with room for one more entry. */
static int reserve(void)
{
    if (environ != owned) {
        size_t n = 0;
        while (environ[n])
            n++;
        return grow_to(n + 8);
    }
    return count + 2 > cap ? grow_to(cap * 2) : 0;
}

static int put_entry(char *entry, size_t namelen, int allocated)
{
    if (reserve() < 0)
        return -1;
    long i = find(entry, namelen);
    if (i >= 0) {
        if (mine[i])
            free(environ[i]);
    } else {
        i = (long)count++;
        environ[count] = NULL;
    }
    environ[i] = entry;
    mine[i] = (unsigned char)allocated;
    return 0;
}

int setenv(const char *name, const char *value, int overwrite)
{
    if (!valid_name(name))
        MINLIBC_FAIL(EINVAL, -1);
    size_t nl = strlen(name), vl = strlen(value);
    if (!overwrite && find(name, nl) >= 0)
        return 0;
    char *e = malloc(nl + vl + 2);
    if (!e)
        return -1;
    memcpy(e, name, nl);
    e[nl] = '=';
    memcpy(e + nl + 1, value, vl + 1);
    if (put_entry(e, nl, 1) < 0) {
        free(e);
        return -1;
    }
    return 0;
}

int putenv(char *s)
{
    char *eq = strchr(s, '=');
    if (!eq)
        return unsetenv(s);
    return put_entry(s, (size_t)(eq - s), 0);
}

int unsetenv(const char *name)
{
    if (!valid_name(name))
        MINLIBC_FAIL(EINVAL, -1);
    if (reserve() < 0)
        return -1;
    size_t len = strlen(name);
    long i;
    while ((i = find(name, len)) >= 0) {
        if (mine[i])
            free(environ[i]);
        size_t tail = count - (size_t)i;   /* entries after i, plus the NULL */
        memmove(&environ[i], &environ[i + 1], tail * sizeof *environ);
        memmove(&mine[i], &mine[i + 1], tail - 1);
        count--;
    }
    return 0;
}

int clearenv(void)
{
    if (environ == owned)
        for (size_t i = 0; i < count; i++)
            if (mine[i])
                free(environ[i]);
    free(owned);
    free(mine);
    owned = NULL;
    mine = NULL;
    environ = empty_env;
    count = cap = 0;
    return 0;
}
