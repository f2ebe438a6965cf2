/*
 * util.c - allocation, string buffers and small string helpers.
 *
 * Out of memory ends the process with one line (it is the one failure
 * nothing here can recover from); everything else reports errors.
 */
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		fatal("out of memory (%zu bytes)", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		fatal("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		fatal("out of memory (%zu bytes)", n);
	return p;
}

void *xgrow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap;

	if (need <= c)
		return p;
	if (c < 8)
		c = 8;
	while (c < need) {
		if (c > SIZE_MAX / 2 / size)
			fatal("out of memory (array of %zu)", need);
		c *= 2;
	}
	*cap = c;
	return xrealloc(p, c * size);
}

char *xstrdup(const char *s)
{
	return s ? xstrndup(s, strlen(s)) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
	char *p;
	size_t len;

	if (s == NULL)
		return NULL;
	len = strnlen(s, n);
	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("out of memory (formatting \"%s\")", fmt);
	return s;
}

char *xvasprintf_max(size_t max, const char *fmt, va_list ap)
{
	char *s = xmalloc(max);

	if (vsnprintf(s, max, fmt, ap) < 0)
		s[0] = '\0';
	return xrealloc(s, strlen(s) + 1);
}

void buf_add(struct buf *b, const char *s, size_t n)
{
	b->s = xgrow(b->s, &b->cap, b->len + n + 1, 1);
	if (n)
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void buf_adds(struct buf *b, const char *s)
{
	if (s)
		buf_add(b, s, strlen(s));
}

void buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("bad format string \"%s\"", fmt);
	b->s = xgrow(b->s, &b->cap, b->len + (size_t)n + 1, 1);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *buf_steal(struct buf *b)
{
	char *s = b->s ? b->s : xstrdup("");

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void free_each(void *const *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i]);
}

const char *html_entity(char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		return NULL;
	}
}

void buf_free(struct buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

char *str_lower(char *s)
{
	for (char *p = s; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

char *str_trim(char *s)
{
	char *start = s, *end;

	if (s == NULL)
		return NULL;
	while (is_space(*start))
		start++;
	end = start + strlen(start);
	while (end > start && is_space(end[-1]))
		end--;
	memmove(s, start, (size_t)(end - start));
	s[end - start] = '\0';
	return s;
}

/* c lowered as strcasecmp lowers it: the agent never sets a locale, so
 * in "C" only A..Z have another case. */
static int ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

int str_ieq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	/* Most calls (a header's name against the one a rule or a lookup
	 * asks for) differ in the first letter: settled without the call. */
	if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b))
		return 0;
	return strcasecmp(a, b) == 0;
}

int str_istarts(const char *s, const char *prefix)
{
	return s && prefix && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

int str_blank(const char *s)
{
	if (s == NULL)
		return 1;
	for (; *s; s++)
		if (!is_space(*s))
			return 0;
	return 1;
}

const char *addr_domain(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;

	return at ? at + 1 : "";
}

static int addr_local_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '\'';
}

static int addr_domain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-';
}

const char *addr_find(const char *s, size_t len, size_t *n_r)
{
	const char *end = s + len;

	for (const char *at = s; at < end && (at = memchr(at, '@', (size_t)(end - at))) != NULL;
	     at++) {
		const char *a = at, *b = at + 1, *dot;

		while (a > s && addr_local_char((unsigned char)a[-1]))
			a--;
		while (a < at && (*a == '.' || *a == '\''))
			a++; /* 'jane@x.test' keeps its quotes out */
		while (b < end && addr_domain_char((unsigned char)*b))
			b++;
		while (b > at + 1 && (b[-1] == '.' || b[-1] == '-'))
			b--; /* the full stop that ends a sentence */
		dot = b > at + 1 ? memrchr(at + 1, '.', (size_t)(b - at - 1)) : NULL;
		if (a == at || dot == NULL || dot == at + 1 || b - dot < 3)
			continue;
		*n_r = (size_t)(b - a);
		return a;
	}
	return NULL;
}

int domain_in_list(const char *domain, const char *list)
{
	size_t dlen;
	const char *p = list;

	if (domain == NULL || *domain == '\0' || list == NULL)
		return 0;
	dlen = strlen(domain);
	while (*p) {
		const char *start;
		size_t n;

		while (*p == ',' || is_space(*p))
			p++;
		start = p;
		while (*p && *p != ',' && !is_space(*p))
			p++;
		n = (size_t)(p - start);
		if (n == 0)
			continue;
		if (dlen == n && strncasecmp(domain, start, n) == 0)
			return 1;
		/* sub-domain: "forms.biz.test" ends in ".biz.test" */
		if (dlen > n && domain[dlen - n - 1] == '.' &&
		    strncasecmp(domain + dlen - n, start, n) == 0)
			return 1;
	}
	return 0;
}

int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL)
		return -1;
	while (is_space(*s))
		s++;
	if (*s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	while (is_space(*end))
		end++;
	if (*end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

char *time_iso(int64_t t, char out[static 32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "%lld", (long long)t);
	return out;
}

char *time_day(int64_t t, char out[static 32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	/* %e pads the day with a space: "1 December", not " 1 December" */
	if (localtime_r(&tt, &tm) == NULL || strftime(out, 32, "%e %B %Y", &tm) == 0)
		out[0] = '\0';
	return out[0] == ' ' ? memmove(out, out + 1, strlen(out)) : out;
}

int file_read(const char *path, size_t max, char **data, size_t *len)
{
	struct buf b = {0};
	int fd;
	struct stat st;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		errno = EISDIR;
		return -1;
	}
	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		if ((uint64_t)st.st_size > max) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
		b.s = xgrow(b.s, &b.cap, (size_t)st.st_size + 1, 1);
	}
	for (;;) {
		ssize_t n;

		/* sized by fstat, a file is read without growing; one that
		 * grows, or a pipe, takes 64 KiB more at a time */
		if (b.cap < b.len + 2)
			b.s = xgrow(b.s, &b.cap, b.len + 65536, 1);
		n = read(fd, b.s + b.len, b.cap - b.len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			buf_free(&b);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
		if (b.len > max) {
			close(fd);
			buf_free(&b);
			errno = EFBIG;
			return -1;
		}
	}
	close(fd);
	b.s[b.len] = '\0';
	*len = b.len;
	*data = b.s;
	return 0;
}

uint64_t hash_fnv1a(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed ? seed : 14695981039346656037ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

uint64_t random_u64(void)
{
	static __thread uint64_t pool[32];
	static __thread size_t left;

	if (left == 0) {
		if (getrandom(pool, sizeof(pool), 0) != (ssize_t)sizeof(pool)) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			return hash_fnv1a(&ts, sizeof(ts), (uint64_t)clock()) ^
			       (uint64_t)ts.tv_nsec;
		}
		left = ARRAY_SIZE(pool);
	}
	return pool[--left];
}

/* RFC 3629 section 4: the second byte's range depends on the first, which
 * is what excludes overlong forms (E0 80..9F, F0 80..8F), surrogates
 * (ED A0..BF) and code points past U+10FFFF (F4 90..BF); C0, C1 and F5..FF
 * never start a sequence. */
size_t utf8_seq(const char *s, size_t avail)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		n = 2;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		n = 3;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		n = 4;
	else
		return 0;
	if (avail < n)
		return 0;
	if (p[0] == 0xE0)
		lo = 0xA0;
	else if (p[0] == 0xED)
		hi = 0x9F;
	else if (p[0] == 0xF0)
		lo = 0x90;
	else if (p[0] == 0xF4)
		hi = 0x8F;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

int utf8_valid(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t n;

		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8_seq(s + i, len - i);
		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}

char *utf8_cut(const char *s, size_t len, size_t max)
{
	if (len > max) {
		len = max;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	return xstrndup(s, len);
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int dir_files(const char *dir, const char *suffix, char ***paths_r, size_t *n_r)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	char **paths = NULL;
	size_t n = 0, cap = 0, dlen = strlen(dir), slen = strlen(suffix);
	const char *sep = dlen > 0 && dir[dlen - 1] == '/' ? "" : "/";

	*paths_r = NULL;
	*n_r = 0;
	if (dp == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL) {
		size_t l = strlen(de->d_name);
		struct stat st;
		char *full;

		if (de->d_name[0] == '.' || l <= slen || strcmp(de->d_name + l - slen, suffix) != 0)
			continue;
		full = xasprintf("%s%s%s", dir, sep, de->d_name);
		if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(full);
			continue;
		}
		paths = xgrow(paths, &cap, n + 1, sizeof(*paths));
		paths[n++] = full;
	}
	closedir(dp);
	if (n > 1)
		qsort(paths, n, sizeof(*paths), path_cmp);
	*paths_r = paths;
	*n_r = n;
	return 0;
}

size_t str_distance(const char *a, size_t al, const char *b, size_t max, size_t limit)
{
	size_t bl = strlen(b);
	size_t row[65];

	if (max > 64)
		max = 64;
	/* the distance is at least the difference in length */
	if (al > max || bl > max || (al > bl ? al - bl : bl - al) > limit)
		return (size_t)-1;
	for (size_t j = 0; j <= bl; j++)
		row[j] = j;
	for (size_t i = 1; i <= al; i++) {
		size_t diag = row[0], least = i;

		row[0] = i;
		for (size_t j = 1; j <= bl; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
			if (best < least)
				least = best;
		}
		/* no later row has a cell below this row's least: a name
		 * too far off is given up after a few letters, not all */
		if (least > limit)
			return (size_t)-1;
	}
	return row[bl] <= limit ? row[bl] : (size_t)-1;
}

int host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char h[64];
	size_t n = host ? strlen(host) : 0;

	if (n >= 2 && n < sizeof(h) && host[0] == '[' && host[n - 1] == ']') {
		memcpy(h, host + 1, n - 2);
		h[n - 2] = '\0';
		host = h;
	}
	if (host == NULL)
		return 0;
	if (str_ieq(host, "localhost"))
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) != 1)
		return 0;
	return IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
}
