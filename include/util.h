/*
 * util.h - small helpers every module uses: allocation that never returns
 * NULL (out of memory is fatal: the one failure nothing can recover from),
 * a growable string buffer, the few string operations mail handling needs
 * over and over, and the one UTF-8 validator.
 *
 * Nothing here touches an outside library.
 */
#ifndef REFAGENT_UTIL_H
#define REFAGENT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN          __attribute__((noreturn))
#else
#define PRINTF_LIKE(f, a)
#define NORETURN
#endif

/* Allocation: abort with a message on failure, never return NULL.
 * xstrdup(NULL) and xstrndup(NULL, n) return NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows an array to hold at least need items of size; *cap is updated. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string. */
char *xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* The same of a va_list, cut to at most max - 1 bytes as vsnprintf into a
 * buffer of max bytes would cut it (a line kept with a bound). */
char *xvasprintf_max(size_t max, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);

/* Frees the n strings of v, then v itself (an array of xstrdup'ed strings
 * such as the one dir_files() returns). */
void free_strings(char **v, size_t n);
/* Frees each of n pointers: the owned members of a struct being cleared,
 * listed once with FREE_ALL(v->a, v->b, v->c). */
void free_each(void *const *p, size_t n);
#define FREE_ALL(...)                                                                              \
	free_each((void *const[]){__VA_ARGS__},                                                    \
	          sizeof((void *const[]){__VA_ARGS__}) / sizeof(void *))

/* A growable NUL-terminated buffer.  Zero-initialise ({0}) before use. */
struct buf {
	char *s;    /* always NUL-terminated once anything was added */
	size_t len; /* bytes used, without the NUL */
	size_t cap;
};
void buf_add(struct buf *b, const char *s, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Returns the string (caller owns it) and resets the buffer; never NULL. */
char *buf_steal(struct buf *b);
void buf_free(struct buf *b);

/* ASCII lower-casing in place; returns s.  Mail addresses are compared
 * case-insensitively in their ASCII form (see store.h). */
char *str_lower(char *s);
/* Trims ASCII white space at both ends in place; returns s. */
char *str_trim(char *s);
/* Case-insensitive ASCII comparisons. */
int str_ieq(const char *a, const char *b);
int str_istarts(const char *s, const char *prefix);
/* Non-zero when s is NULL or only white space. */
int str_blank(const char *s);

/* Levenshtein distance between a[0..al) and b (for "did you mean"), or
 * (size_t)-1 when either is longer than max (at most 64) or the distance
 * is over limit. */
size_t str_distance(const char *a, size_t al, const char *b, size_t max, size_t limit);

/* The domain part of an address (after the last '@'), or "" when none. */
const char *addr_domain(const char *addr);
/* The first thing in s[0..len) shaped like an address (local@domain.tld,
 * ASCII; a trailing full stop is not part of it): returns where it starts
 * and sets *n_r, or returns NULL. */
const char *addr_find(const char *s, size_t len, size_t *n_r);
/* Non-zero when domain equals one of the comma/space separated domains in
 * list, or is a sub-domain of one of them (forms.biz.test is in biz.test). */
int domain_in_list(const char *domain, const char *list);

/* Non-zero when host names this machine's loopback: "localhost",
 * 127.0.0.0/8, ::1 or ::ffff:127.x.y.z, an IPv6 literal also in brackets
 * ("[::1]", as URLs write it).  By name only: nothing is resolved. */
int host_is_loopback(const char *host);

/* Parses a decimal integer in [min, max]; returns 0 ok, -1 when s is not
 * such a number (no atoi: trailing junk and overflow are errors). */
int parse_long(const char *s, long min, long max, long *out);

/* Formats t (Unix seconds, UTC) as ISO 8601 "2026-11-30T15:58:46Z" into
 * out (at least 21 bytes).  Returns out. */
char *time_iso(int64_t t, char out[static 32]);
/* Formats t as people read a date in the local time zone (the [schedule]
 * timezone, see schedule_init), "1 December 2026", into out; "" when it
 * cannot.  Returns out. */
char *time_day(int64_t t, char out[static 32]);

/* Reads a whole file.  Returns 0 and sets *data (caller frees) and *len,
 * or -1 with errno set.  max caps the size read (-1 with EFBIG past it). */
int file_read(const char *path, size_t max, char **data, size_t *len);

/* The regular files of dir whose names end in suffix ("" for any), hidden
 * ones (".name") skipped, sorted by name, as paths "dir/name" (no double
 * slash).  Returns 0 and sets *paths_r (caller frees each path and the
 * array; NULL when empty) and *n_r, or -1 with errno when dir cannot be
 * read. */
int dir_files(const char *dir, const char *suffix, char ***paths_r, size_t *n_r);

/* The HTML entity that stands for c in text or an attribute value
 * ("&amp;" for &; also < > " '), or NULL when c stands for itself. */
const char *html_entity(char c);

/* UTF-8 as RFC 3629 section 4 defines it, the one validator of the
 * program: utf8_seq returns the length (1 to 4) of the valid sequence at s,
 * reading at most avail bytes (avail > 0), or 0 when the bytes there are
 * not UTF-8 (a stray continuation byte, a sequence cut short, an overlong
 * form, a surrogate U+D800..U+DFFF, a code point past U+10FFFF).  A NUL
 * byte is ASCII: a length of 1. */
size_t utf8_seq(const char *s, size_t avail);
/* Non-zero when all len bytes of s are valid UTF-8 (see utf8_seq). */
int utf8_valid(const char *s, size_t len);
/* A copy of at most max bytes of s[0..len), cut back to a UTF-8
 * character start. */
char *utf8_cut(const char *s, size_t len, size_t max);

/* Hex SHA-256 is not needed: a 64-bit FNV-1a is enough for the stable
 * header hash that stands in for a missing Message-ID (see intake.c). */
uint64_t hash_fnv1a(const void *data, size_t n, uint64_t seed);

/* 64 random bits from the kernel (getrandom), taken 32 values at a time
 * per thread: a bulk import makes a Message-ID for every job, and one
 * system call each cost more than the rest of the job's row.  Falls back
 * to a clock hash when getrandom fails. */
uint64_t random_u64(void);

#endif
