/* UTF-8 encoding and strict decoding shared by iconv and the wide
 * character functions. */
#ifndef MINLIBC_UTF8_H
#define MINLIBC_UTF8_H
#include <stddef.h>
#include <stdint.h>

#define UTF8_INVALID ((size_t)-1)
#define UTF8_INCOMPLETE ((size_t)-2)

/* Decodes one character from s[0..n). Returns bytes used, UTF8_INVALID
 * for a malformed sequence (overlong, surrogate, > U+10FFFF, bad byte) or
 * UTF8_INCOMPLETE if s is a valid prefix cut short. */
size_t __minlibc_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Encodes cp into out (4 bytes room); returns bytes, or UTF8_INVALID for
 * surrogates and values above U+10FFFF. */
size_t __minlibc_utf8_encode(uint32_t cp, unsigned char *out);
#endif
