/*
 * config.c - refagent.conf, read with inih and checked against one table.
 *
 * Every setting is a row of `settings[]` below: section, key, type, default
 * and where it lands in struct config (the Redis config.c pattern).  The
 * loader, `refagent check` and the defaults all come from that table, so a
 * key cannot be half-supported.
 *
 * inih does not hand line numbers to the handler in Debian's build, so the
 * file is fed through a reader that counts lines; every fault is printed as
 * "file:line: problem" and loading goes on to find the rest.
 */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "template.h"
#include "util.h"

enum set_type {
	T_STRING,   /* free text */
	T_PATH,     /* resolved against the config's directory */
	T_ADDRESS,  /* one mail address, lower-cased */
	T_ADDRLIST, /* comma-separated addresses */
	T_DOMAINS,  /* comma-separated domains, lower-cased */
	T_INT,
	T_LONG,
	T_BOOL,
	T_HOURS,    /* 09:00-17:00 into open_min, close_min */
	T_DAYS,     /* mon-fri, or mon,tue,... into days_mask */
	T_TIMEZONE, /* a zone of the tz database, or UTC */
	T_REWARD,   /* "250" (fixed) or "10%" (of the won value) */
	T_MONEY,    /* a non-negative amount, into a double */
	T_CHOICE,   /* one word of the list in .def ("first|last"), into an
	               int or enum: its position; the first word is the default */
	T_COLOUR,   /* #rgb or #rrggbb */
	T_URL,      /* an http(s) URL without spaces or quotes */
	T_DATABASE, /* a SQLite file (a T_PATH), or a PostgreSQL URL or
	               connection string (kept as it is) */
	T_BUSINESS, /* a business key: [a-z0-9-], 1 to 40 */
	T_DURATION, /* "30s", "2m", "90": seconds from .min to .max */
};

struct setting {
	const char *section;
	const char *key;
	enum set_type type;
	const char *def; /* default as text, NULL: none */
	size_t off;      /* offset in struct config */
	long min, max;   /* T_INT range */
};

#define OFF(f) offsetof(struct config, f)

/* The keys of a mail server section, [imap] and [smtp] alike: the fields of
 * its struct server_config, member m of struct config.  The words of
 * security and auth are in the order of enum security and enum auth_mech. */
_Static_assert(SEC_TLS == 0 && SEC_STARTTLS == 1 && SEC_NONE == 2 &&
                       sizeof(enum security) == sizeof(int),
               "security words out of step with enum security");
_Static_assert(AUTH_PASSWORD == 0 && AUTH_XOAUTH2 == 1 && AUTH_OAUTHBEARER == 2 &&
                       sizeof(enum auth_mech) == sizeof(int),
               "auth words out of step with enum auth_mech");

/* clang-format off */
#define SERVER_SETTINGS(sec, m)                                                             \
	{sec, "server", T_STRING, NULL, OFF(m.server), 0, 0},                               \
	{sec, "port", T_INT, "0", OFF(m.port), 0, 65535},                                   \
	{sec, "security", T_CHOICE, "tls|starttls|none", OFF(m.security), 0, 0},           \
	{sec, "allow_insecure", T_BOOL, "no", OFF(m.allow_insecure), 0, 0},                 \
	{sec, "user", T_STRING, NULL, OFF(m.user), 0, 0},                                   \
	{sec, "password_file", T_PATH, NULL, OFF(m.password_file), 0, 0},                   \
	{sec, "ca_file", T_PATH, NULL, OFF(m.ca_file), 0, 0},                               \
	{sec, "timeout", T_INT, "30", OFF(m.timeout), 1, 600},                              \
	{sec, "auth", T_CHOICE, "password|xoauth2|oauthbearer", OFF(m.auth), 0, 0},         \
	{sec, "oauth2_token_command", T_STRING, NULL, OFF(m.oauth2_token_command), 0, 0},   \
	{sec, "oauth2_token_url", T_STRING, NULL, OFF(m.oauth2_token_url), 0, 0},           \
	{sec, "oauth2_client_id", T_STRING, NULL, OFF(m.oauth2_client_id), 0, 0},           \
	{sec, "oauth2_client_secret_file", T_PATH, NULL, OFF(m.oauth2_client_secret_file),  \
	 0, 0},                                                                             \
	{sec, "oauth2_refresh_token_file", T_PATH, NULL, OFF(m.oauth2_refresh_token_file),  \
	 0, 0}
/* clang-format on */

/* The whole configuration surface.  Keep README.md "Configuration" in step. */
static const struct setting settings[] = {
        {"agent", "address", T_ADDRESS, NULL, OFF(address), 0, 0},
        {"agent", "aliases", T_ADDRLIST, NULL, OFF(aliases), 0, 0},
        {"agent", "domains", T_DOMAINS, NULL, OFF(domains), 0, 0},
        {"agent", "database", T_DATABASE, "refagent.db", OFF(database), 0, 0},
        {"agent", "database_password_file", T_PATH, NULL, OFF(database_password_file), 0, 0},
        {"agent", "business", T_BUSINESS, NULL, OFF(business), 0, 0},
        {"agent", "lease", T_DURATION, "30s", OFF(lease), 3, 3600},
        {"agent", "name", T_STRING, NULL, OFF(name), 0, 0},
        {"agent", "filters", T_PATH, "filters", OFF(filters_dir), 0, 0},
        {"agent", "templates", T_PATH, "templates", OFF(templates_dir), 0, 0},
        {"agent", "max_leads", T_INT, "5", OFF(max_leads), 1, 1000},
        {"agent", "max_message_size", T_LONG, "26214400", OFF(max_message_size), 1024, 1L << 30},

        SERVER_SETTINGS("imap", imap),
        {"imap", "mailbox", T_STRING, "INBOX", OFF(imap_mailbox), 0, 0},
        {"imap", "poll_interval", T_INT, "60", OFF(poll_interval), 1, 86400},

        SERVER_SETTINGS("smtp", smtp),

        {"agent", "admin", T_ADDRESS, NULL, OFF(admin), 0, 0},
        {"agent", "phone", T_STRING, NULL, OFF(phone), 0, 0},
        {"agent", "website", T_STRING, NULL, OFF(website), 0, 0},
        {"agent", "colour", T_COLOUR, NULL, OFF(colour), 0, 0},
        {"agent", "logo_url", T_URL, NULL, OFF(logo_url), 0, 0},
        {"agent", "welcome_from", T_CHOICE, "agent|rep", OFF(welcome_from_rep), 0, 0},
        {"agent", "review", T_CHOICE, "now|daily", OFF(review_daily), 0, 0},

        {"schedule", "timezone", T_TIMEZONE, "UTC", OFF(timezone), 0, 0},
        {"schedule", "business_hours", T_HOURS, "09:00-17:00", OFF(open_min), 0, 0},
        {"schedule", "business_days", T_DAYS, "mon-fri", OFF(days_mask), 0, 0},
        {"schedule", "rep_deadline", T_INT, "1", OFF(rep_deadline), 1, 30},
        {"schedule", "rep_reminders", T_INT, "2", OFF(rep_reminders), 0, 10},
        {"schedule", "lead_nudge_after", T_INT, "3", OFF(nudge_after), 1, 60},
        {"schedule", "lead_nudges", T_INT, "2", OFF(nudges), 0, 10},
        {"schedule", "checkin_days", T_INT, "90", OFF(checkin_days), 0, 3650},
        {"schedule", "ask_client_days", T_INT, "30", OFF(ask_client_days), 0, 3650},
        {"schedule", "max_per_day", T_INT, "5", OFF(max_per_day), 1, 1000},
        {"schedule", "expire_days", T_INT, "60", OFF(expire_days), 0, 3650},
        {"schedule", "update_on_lost", T_BOOL, "no", OFF(update_on_lost), 0, 0},
        {"schedule", "weekly_summary", T_BOOL, "yes", OFF(weekly_summary), 0, 0},

        {"security", "authserv_id", T_STRING, NULL, OFF(authserv_id), 0, 0},

        {"rewards", "currency", T_STRING, "$", OFF(currency), 0, 0},
        {"rewards", "payout", T_STRING,
         "within 30 days; reply to this mail to tell us how you would like to receive it",
         OFF(payout), 0, 0},
        {"rewards", "client", T_REWARD, NULL, OFF(reward[0]), 0, 0},
        {"rewards", "partner", T_REWARD, NULL, OFF(reward[1]), 0, 0},
        {"rewards", "staff", T_REWARD, NULL, OFF(reward[2]), 0, 0},
        {"rewards", "client_cap", T_MONEY, "0", OFF(reward_cap[0]), 0, 0},
        {"rewards", "partner_cap", T_MONEY, "0", OFF(reward_cap[1]), 0, 0},
        {"rewards", "staff_cap", T_MONEY, "0", OFF(reward_cap[2]), 0, 0},
        {"rewards", "partners", T_STRING, NULL, OFF(partners), 0, 0},
        {"rewards", "credit", T_CHOICE, "first|last", OFF(credit_last), 0, 0},

        {"goals", "referrals_per_month", T_INT, "0", OFF(goal_referrals), 0, 1000000},
        {"goals", "won_per_month", T_INT, "0", OFF(goal_won), 0, 1000000},

        /* every other [reps] line is "email = Full Name" (add_rep) */
        {"reps", "digest", T_STRING, "no", OFF(rep_digest), 0, 0},
};

struct loader {
	struct config *cfg;
	const char *file;
	FILE *fp;
	int line; /* line being parsed */
	int errors;
	int seen[ARRAY_SIZE(settings)]; /* line where each setting was set */
	char *line_buf;
	size_t line_cap;
	size_t reps_cap;
	int syntax_line;      /* first line check_syntax() reported */
	char bad_section[64]; /* the unknown section reported last */
	int section_line;     /* line of the last [section] header */
};

static void fault(struct loader *l, int line, const char *fmt, ...) PRINTF_LIKE(3, 4);

static void fault(struct loader *l, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		fprintf(stderr, "%s:%d: %s\n", l->file, line, msg);
	else
		fprintf(stderr, "%s: %s\n", l->file, msg);
	l->errors++;
}

/* inih reports only its first syntax fault; find them all here. */
static void check_syntax(struct loader *l, const char *line)
{
	const char *p = line;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '\n' || *p == '\r' || *p == '#' || *p == ';')
		return;
	if (*p == '[' && strchr(p, ']') != NULL) {
		l->section_line = l->line;
		return;
	}
	if (*p != '[' && strpbrk(p, "=:") != NULL)
		return;
	fault(l, l->line, "syntax error (expected [section] or key = value)");
	if (l->syntax_line == 0)
		l->syntax_line = l->line;
}

/* inih's reader: one line per call, counted.  Lines longer than inih's
 * buffer are a fault rather than a silent split. */
static char *reader(char *str, int num, void *stream)
{
	struct loader *l = stream;
	ssize_t n = getline(&l->line_buf, &l->line_cap, l->fp);

	if (n < 0)
		return NULL;
	l->line++;
	if (n >= num) {
		fault(l, l->line, "line too long (at most %d characters)", num - 2);
		n = num - 1;
	}
	memcpy(str, l->line_buf, (size_t)n);
	str[n] = '\0';
	check_syntax(l, str);
	return str;
}

static char *resolve_path(const struct config *cfg, const char *value)
{
	if (value[0] == '/' || cfg->dir == NULL)
		return xstrdup(value);
	return xasprintf("%s/%s", cfg->dir, value);
}

/* A plausible addr-spec: local@domain, no spaces or angle brackets.  Full
 * RFC 5322 parsing is GMime's job on mail; here it guards typos. */
static int valid_address(const char *s)
{
	const char *at = strchr(s, '@');

	if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@'))
		return 0;
	for (const char *p = s; *p; p++)
		if (*p <= ' ' || *p == '<' || *p == '>' || *p == ',' || *p == ';' || *p == '"')
			return 0;
	return strchr(at + 1, '.') != NULL || str_ieq(at + 1, "localhost");
}

/* "90" (seconds), "30m", "2h", "1d". */
static int parse_duration(const char *v, long *secs)
{
	char num[32];
	size_t n = strspn(v, "0123456789");
	long x, mult = 1;

	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, v, n);
	num[n] = '\0';
	if (parse_long(num, 0, 100000000L, &x) != 0)
		return -1;
	if (v[n] == '\0' || strcmp(v + n, "s") == 0)
		mult = 1;
	else if (strcmp(v + n, "m") == 0)
		mult = 60;
	else if (strcmp(v + n, "h") == 0)
		mult = 3600;
	else if (strcmp(v + n, "d") == 0)
		mult = 86400;
	else
		return -1;
	if (x > 3650L * 86400 / mult)
		return -1;
	*secs = x * mult;
	return 0;
}

/* "mon-fri", "mon,tue,thu", "sat-sun" -> bit mask (bit 0 Sunday). */
static int parse_days(const char *v)
{
	static const char *const names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
	int mask = 0;
	const char *p = v;

	while (*p) {
		int a = -1, b;

		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		for (int i = 0; i < 7; i++)
			if (strncasecmp(p, names[i], 3) == 0)
				a = i;
		if (a < 0)
			return -1;
		p += 3;
		b = a;
		if (*p == '-') {
			b = -1;
			for (int i = 0; i < 7; i++)
				if (strncasecmp(p + 1, names[i], 3) == 0)
					b = i;
			if (b < 0)
				return -1;
			p += 4;
		}
		for (int i = a;; i = (i + 1) % 7) {
			mask |= 1 << i;
			if (i == b)
				break;
		}
		if (*p != '\0' && *p != ',' && *p != ' ')
			return -1;
	}
	return mask;
}

/* UTC, or a zone file of the tz database (package tzdata). */
static int valid_timezone(const char *tz)
{
	char path[512];
	struct stat st;

	if (str_ieq(tz, "UTC") || str_ieq(tz, "GMT"))
		return 1;
	if (tz[0] == '\0' || tz[0] == '/' || strstr(tz, "..") || strlen(tz) > 200)
		return 0;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The position of word v (any case) in "a|b|c", or -1. */
static int choice_index(const char *choices, const char *v)
{
	size_t vl = strlen(v);
	int k = 0;

	for (const char *p = choices; *p; k++) {
		size_t n = strcspn(p, "|");

		if (n == vl && strncasecmp(p, v, n) == 0)
			return k;
		p += n + (p[n] == '|');
	}
	return -1;
}

/* "a|b|c" as "a, b or c", for a fault (static). */
static const char *choice_words(const char *choices)
{
	static char out[200];
	size_t o = 0, words = 1;

	for (const char *p = choices; *p; p++)
		words += *p == '|';
	for (const char *p = choices; *p && o < sizeof(out) - 1; words--) {
		size_t n = strcspn(p, "|");

		o += (size_t)snprintf(out + o, sizeof(out) - o, "%.*s%s", (int)n, p,
		                      words > 2    ? ", "
		                      : words == 2 ? " or "
		                                   : "");
		p += n + (p[n] == '|');
	}
	return out;
}

/* yes, true, on, 1 (sets *on_r to 1) or no, false, off, 0 (to 0): 1; else 0. */
static int bool_word(const char *v, int *on_r)
{
	if (str_ieq(v, "yes") || str_ieq(v, "true") || str_ieq(v, "on") || str_ieq(v, "1"))
		*on_r = 1;
	else if (str_ieq(v, "no") || str_ieq(v, "false") || str_ieq(v, "off") || str_ieq(v, "0"))
		*on_r = 0;
	else
		return 0;
	return 1;
}

/* The settings whose field is a string the loader allocated. */
static int holds_string(enum set_type t)
{
	switch (t) {
	case T_STRING:
	case T_PATH:
	case T_DATABASE:
	case T_BUSINESS:
	case T_ADDRESS:
	case T_DOMAINS:
	case T_TIMEZONE:
	case T_REWARD:
	case T_COLOUR:
	case T_URL:
		return 1;
	default:
		return 0;
	}
}

static int set_value(struct loader *l, const struct setting *s, const char *value)
{
	void *dst = (char *)l->cfg + s->off;
	char *v = str_trim(xstrdup(value));
	int ok = 1;

	switch (s->type) {
	case T_STRING:
		break;
	case T_PATH:
	case T_DATABASE:
		/* a database on a server is named by its connection string */
		if (s->type == T_PATH || !store_is_server(v)) {
			char *path = v[0] ? resolve_path(l->cfg, v) : NULL;

			free(v);
			v = path;
		}
		break;
	case T_BUSINESS:
		if (!store_business_valid(v)) {
			fault(l, l->line,
			      "%s: '%s' is not a business key (1 to %d of a-z, 0-9 and -)", s->key,
			      v, STORE_BUSINESS_MAX);
			ok = 0;
		}
		break;
	case T_DURATION: {
		long secs;

		if (parse_duration(v, &secs) != 0 || secs < s->min || secs > s->max) {
			fault(l, l->line,
			      "%s: '%s' is not a duration from %lds to %lds (e.g. 30s, 2m)", s->key,
			      v, s->min, s->max);
			ok = 0;
			break;
		}
		*(int *)dst = (int)secs;
		break;
	}
	case T_ADDRESS:
		str_lower(v);
		if (!valid_address(v)) {
			fault(l, l->line, "%s: '%s' is not a mail address", s->key, v);
			ok = 0;
		}
		break;
	case T_ADDRLIST: {
		char *save = NULL;
		char **list = NULL;
		size_t n = 0, cap = 0;

		str_lower(v);
		for (char *t = strtok_r(v, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
			if (!valid_address(t)) {
				fault(l, l->line, "%s: '%s' is not a mail address", s->key, t);
				ok = 0;
				continue;
			}
			list = xgrow(list, &cap, n + 1, sizeof(*list));
			list[n++] = xstrdup(t);
		}
		free_strings(l->cfg->aliases, l->cfg->naliases);
		l->cfg->aliases = list;
		l->cfg->naliases = n;
		break;
	}
	case T_DOMAINS:
		str_lower(v);
		for (char *p = v; *p; p++)
			if (!(*p == ',' || *p == ' ' || *p == '.' || *p == '-' ||
			      (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))) {
				fault(l, l->line, "%s: '%s' is not a list of domains", s->key, v);
				ok = 0;
				break;
			}
		break;
	case T_INT:
	case T_LONG: {
		long n;

		if (parse_long(v, s->min, s->max, &n) != 0) {
			fault(l, l->line, "%s: '%s' is not a number from %ld to %ld", s->key, v,
			      s->min, s->max);
			ok = 0;
			break;
		}
		if (s->type == T_LONG)
			*(long *)dst = n;
		else
			*(int *)dst = (int)n;
		break;
	}
	case T_BOOL:
		if (!bool_word(v, (int *)dst)) {
			fault(l, l->line, "%s: '%s' is not yes or no", s->key, v);
			ok = 0;
		}
		break;
	case T_HOURS: {
		int h1, m1, h2, m2, n = 0;

		if (sscanf(v, "%d:%d-%d:%d%n", &h1, &m1, &h2, &m2, &n) != 4 || v[n] != '\0' ||
		    h1 < 0 || h1 > 24 || m1 < 0 || m1 > 59 || h2 < 0 || h2 > 24 || m2 < 0 ||
		    m2 > 59 || h1 * 60 + m1 >= h2 * 60 + m2 || h2 * 60 + m2 > 24 * 60) {
			fault(l, l->line, "%s: '%s' is not HH:MM-HH:MM (e.g. 09:00-17:00)", s->key,
			      v);
			ok = 0;
			break;
		}
		l->cfg->open_min = h1 * 60 + m1;
		l->cfg->close_min = h2 * 60 + m2;
		break;
	}
	case T_DAYS: {
		int mask = parse_days(v);

		if (mask <= 0) {
			fault(l, l->line,
			      "%s: '%s' is not a list of days (e.g. mon-fri, or mon,wed,fri)",
			      s->key, v);
			ok = 0;
			break;
		}
		*(int *)dst = mask;
		break;
	}
	case T_REWARD:
	case T_MONEY: {
		char *end = NULL;
		double x = strtod(v, &end);

		if (end == v || x < 0 || x > 1e12 ||
		    !((*end == '\0') ||
		      (s->type == T_REWARD && end[0] == '%' && end[1] == '\0' && x <= 100))) {
			fault(l, l->line, "%s: '%s' is not %s", s->key, v,
			      s->type == T_REWARD ? "an amount (250) or a percentage (10%)"
			                          : "an amount");
			ok = 0;
			break;
		}
		if (s->type == T_MONEY)
			*(double *)dst = x;
		break;
	}
	case T_COLOUR: {
		size_t n = strlen(v);

		if (v[0] != '#' || (n != 4 && n != 7) ||
		    strspn(v + 1, "0123456789abcdefABCDEF") != n - 1) {
			fault(l, l->line, "%s: '%s' is not a colour such as #1a7f5a", s->key, v);
			ok = 0;
		}
		break;
	}
	case T_URL:
		if ((!str_istarts(v, "https://") && !str_istarts(v, "http://")) ||
		    strpbrk(v, " \t\"'<>") != NULL) {
			fault(l, l->line, "%s: '%s' is not an http(s) URL", s->key, v);
			ok = 0;
		}
		break;
	case T_CHOICE: {
		/* the default is the list itself: its first word */
		int k = value == s->def ? 0 : choice_index(s->def, v);

		if (k < 0) {
			fault(l, l->line, "%s: '%s' is not %s", s->key, v, choice_words(s->def));
			ok = 0;
			break;
		}
		*(int *)dst = k;
		break;
	}
	case T_TIMEZONE:
		if (!valid_timezone(v)) {
			fault(l, l->line,
			      "%s: unknown time zone '%s' (a name such as Europe/London "
			      "from the tz database, or UTC)",
			      s->key, v);
			ok = 0;
		}
		break;
	}
	if (ok && holds_string(s->type)) {
		free(*(char **)dst);
		*(char **)dst = v; /* the setting keeps the checked text */
		return 0;
	}
	free(v);
	return ok ? 0 : -1;
}

static int add_rep(struct loader *l, const char *email, const char *name)
{
	struct config *cfg = l->cfg;
	char *e = str_lower(str_trim(xstrdup(email)));

	if (!valid_address(e)) {
		fault(l, l->line,
		      "[reps] '%s' is not a mail address (lines are: email = Full Name)", e);
		free(e);
		return -1;
	}
	for (size_t i = 0; i < cfg->nreps; i++)
		if (strcmp(cfg->reps[i].email, e) == 0) {
			fault(l, l->line, "[reps] %s is listed twice", e);
			free(e);
			return -1;
		}
	cfg->reps = xgrow(cfg->reps, &l->reps_cap, cfg->nreps + 1, sizeof(*cfg->reps));
	cfg->reps[cfg->nreps].email = e;
	cfg->reps[cfg->nreps].name = str_trim(xstrdup(name));
	cfg->reps[cfg->nreps].digest = 0; /* resolve_digest, once the file is read */
	cfg->nreps++;
	return 0;
}

static int is_setting(const char *section, const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(settings); i++)
		if (strcmp(settings[i].section, section) == 0 && strcmp(settings[i].key, key) == 0)
			return 1;
	return 0;
}

static int known_section(const char *section)
{
	if (strcmp(section, "reps") == 0)
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(settings); i++)
		if (strcmp(settings[i].section, section) == 0)
			return 1;
	return 0;
}

/* The known section closest to an unknown one ([shedule] -> schedule). */
static const char *section_hint(const char *section)
{
	const char *best = NULL;
	size_t bestd = 3;

	for (size_t i = 0; i < ARRAY_SIZE(settings); i++) {
		size_t d =
		        str_distance(section, strlen(section), settings[i].section, 32, bestd - 1);

		if (d < bestd) {
			bestd = d;
			best = settings[i].section;
		}
	}
	return best;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct loader *l = user;

	/* a rep is an address; a [reps] key of settings[] is none */
	if (strcmp(section, "reps") == 0 && (strchr(name, '@') || !is_setting(section, name))) {
		add_rep(l, name, value);
		return 1;
	}
	if (strcmp(section, "schedule") == 0 && strncmp(name, "delay.", 6) == 0) {
		enum mail_kind k;

		if (mail_parse(name + 6, &k)) {
			long secs;
			char *v = str_trim(xstrdup(value));

			if (parse_duration(v, &secs) != 0)
				fault(l, l->line,
				      "%s: '%s' is not a duration (e.g. 0, 90, 30m, 2h, 1d)", name,
				      v);
			else
				l->cfg->delays[k] = secs;
			free(v);
			return 1;
		}
		fault(l, l->line, "%s: no mail is called '%s'", name, name + 6);
		return 1;
	}
	if (!known_section(section)) {
		/* a misspelt section is one fault, not one per key in it */
		if (strcmp(l->bad_section, section) != 0) {
			const char *hint = section_hint(section);

			snprintf(l->bad_section, sizeof(l->bad_section), "%s", section);
			if (hint)
				fault(l, l->section_line,
				      "unknown section [%s] (did you mean [%s]?)", section, hint);
			else
				fault(l, l->section_line, "unknown section [%s]", section);
		}
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(settings); i++) {
		const struct setting *s = &settings[i];

		if (strcmp(s->section, section) != 0 || strcmp(s->key, name) != 0)
			continue;
		if (l->seen[i])
			fault(l, l->line, "[%s] %s is set twice (first on line %d)", section, name,
			      l->seen[i]);
		l->seen[i] = l->line;
		set_value(l, s, value);
		return 1;
	}
	if (strstr(name, "password") && strcmp(name, "password_file") != 0)
		fault(l, l->line, "[%s] %s: passwords do not go in the config; use password_file",
		      section, name);
	else if (strncmp(name, "oauth2_", 7) == 0 &&
	         (strstr(name, "secret") || strstr(name, "token")))
		fault(l, l->line,
		      "[%s] %s: OAuth2 secrets and tokens do not go in the config; use "
		      "oauth2_client_secret_file, oauth2_refresh_token_file or "
		      "oauth2_token_command",
		      section, name);
	else
		fault(l, l->line, "unknown setting '%s' in [%s]", name, section);
	return 1; /* keep going: report every fault */
}

static int line_of(const struct loader *l, const char *section, const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(settings); i++)
		if (strcmp(settings[i].section, section) == 0 && strcmp(settings[i].key, key) == 0)
			return l->seen[i];
	return 0;
}

/* The host of an http(s) URL is loopback ("http://127.0.0.1:8080/token"). */
static int url_host_is_loopback(const char *url)
{
	const char *h = strstr(url, "://"), *end;
	char host[256];
	size_t n;

	if (h == NULL)
		return 0;
	h += 3;
	if (memchr(h, '@', strcspn(h, "/?#")) != NULL) /* user@host */
		return 0;
	if (*h == '[') { /* an IPv6 literal */
		h++;
		end = strchr(h, ']');
	} else {
		end = h + strcspn(h, ":/?#");
	}
	if (end == NULL)
		return 0;
	n = (size_t)(end - h);
	if (n == 0 || n >= sizeof(host))
		return 0;
	memcpy(host, h, n);
	host[n] = '\0';
	return host_is_loopback(host);
}

/* The OAuth2 settings of one server: one complete token source, no
 * password, and the token endpoint over https (plain http is for a test
 * endpoint on loopback only: the answer carries the access token). */
static void check_oauth(struct loader *l, const char *section, const struct server_config *s)
{
	const char *mech = config_auth_name(s->auth);
	int flow = s->oauth2_token_url || s->oauth2_client_id || s->oauth2_client_secret_file ||
	           s->oauth2_refresh_token_file;
	int at = line_of(l, section, "auth");

	if (s->auth == AUTH_PASSWORD) {
		static const char *const keys[] = {"oauth2_token_command", "oauth2_token_url",
		                                   "oauth2_client_id", "oauth2_client_secret_file",
		                                   "oauth2_refresh_token_file"};

		for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
			if (line_of(l, section, keys[i]))
				fault(l, line_of(l, section, keys[i]),
				      "[%s] %s is set but auth = password (set auth = xoauth2 "
				      "or oauthbearer to sign in with OAuth2)",
				      section, keys[i]);
		return;
	}
	if (s->user == NULL)
		fault(l, at, "[%s] auth = %s needs user (the mailbox's address)", section, mech);
	if (s->password_file != NULL)
		fault(l, line_of(l, section, "password_file"),
		      "[%s] password_file is set but auth = %s signs in with a token, not a "
		      "password; remove password_file",
		      section, mech);
	if (s->oauth2_token_command != NULL && flow) {
		fault(l, line_of(l, section, "oauth2_token_command"),
		      "[%s] oauth2_token_command and the refresh flow (oauth2_token_url, "
		      "oauth2_client_id, ...) are both set; keep one",
		      section);
		return;
	}
	if (s->oauth2_token_command != NULL) {
		if (str_blank(s->oauth2_token_command))
			fault(l, line_of(l, section, "oauth2_token_command"),
			      "[%s] oauth2_token_command is empty", section);
		return;
	}
	if (!flow) {
		fault(l, at,
		      "[%s] auth = %s needs oauth2_token_command, or oauth2_token_url, "
		      "oauth2_client_id and oauth2_refresh_token_file",
		      section, mech);
		return;
	}
	if (s->oauth2_token_url == NULL)
		fault(l, at, "[%s] auth = %s: oauth2_token_url is not set", section, mech);
	else if (!str_istarts(s->oauth2_token_url, "https://") &&
	         !(str_istarts(s->oauth2_token_url, "http://") &&
	           url_host_is_loopback(s->oauth2_token_url)))
		fault(l, line_of(l, section, "oauth2_token_url"),
		      "[%s] oauth2_token_url '%s' is not an https:// URL (http:// is accepted "
		      "only for a loopback address)",
		      section, s->oauth2_token_url);
	if (s->oauth2_client_id == NULL)
		fault(l, at, "[%s] auth = %s: oauth2_client_id is not set", section, mech);
	if (s->oauth2_refresh_token_file == NULL)
		fault(l, at, "[%s] auth = %s: oauth2_refresh_token_file is not set", section, mech);
}

static void check_server(struct loader *l, const char *section, struct server_config *s)
{
	if (s->server == NULL)
		return;
	if (s->security == SEC_NONE && !s->allow_insecure && !host_is_loopback(s->server))
		fault(l, line_of(l, section, "security"),
		      "[%s] security = none sends the %s in clear text to %s; it is "
		      "accepted only for a loopback server or with allow_insecure = yes",
		      section, s->auth == AUTH_PASSWORD ? "password" : "access token", s->server);
	if (s->auth == AUTH_PASSWORD && s->user != NULL && s->password_file == NULL)
		fault(l, line_of(l, section, "user"), "[%s] user is set but password_file is not",
		      section);
	/* a password nobody logs in with: the server would refuse every
	 * attempt as a temporary failure, for ever */
	if (s->password_file != NULL && s->user == NULL)
		fault(l, line_of(l, section, "password_file"),
		      "[%s] password_file is set but user is not", section);
	check_oauth(l, section, s);
	if (s->port == 0) {
		if (strcmp(section, "imap") == 0)
			s->port = s->security == SEC_TLS ? 993 : 143;
		else
			s->port = s->security == SEC_TLS ? 465 : 587;
	}
}

/* [agent] filters and templates, when the config does not set them: the
 * folder of that name beside the config (a checkout, or an admin's own
 * copy), else the one `make install` put in REFAGENT_DATADIR. */
static void default_folder(struct loader *l, const char *key, char **dir)
{
#ifdef REFAGENT_DATADIR
	struct stat st;
	char *installed;

	if (line_of(l, "agent", key) != 0 || (*dir && stat(*dir, &st) == 0))
		return;
	installed = xasprintf("%s/%s", REFAGENT_DATADIR, key);
	if (stat(installed, &st) == 0 && S_ISDIR(st.st_mode)) {
		free(*dir);
		*dir = installed;
		return;
	}
	free(installed);
#else
	(void)l, (void)key, (void)dir;
#endif
}

/* [reps] digest: yes (every rep), no, or the addresses of the reps who
 * want one.  Read after the whole file, since the reps may come after the
 * line. */
static void resolve_digest(struct loader *l)
{
	struct config *cfg = l->cfg;
	const char *v = cfg->rep_digest ? cfg->rep_digest : "no";
	char *list, *save = NULL;
	int on;

	if (bool_word(v, &on)) {
		for (size_t i = 0; i < cfg->nreps; i++)
			cfg->reps[i].digest = on;
		return;
	}
	list = str_lower(xstrdup(v));
	for (char *t = strtok_r(list, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
		size_t i;

		for (i = 0; i < cfg->nreps && strcmp(cfg->reps[i].email, t) != 0; i++)
			;
		if (i < cfg->nreps)
			cfg->reps[i].digest = 1;
		else
			fault(l, line_of(l, "reps", "digest"),
			      "[reps] digest: '%s' is not yes, no or a rep listed in [reps]", t);
	}
	free(list);
}

static void check_config(struct loader *l)
{
	struct config *cfg = l->cfg;

	default_folder(l, "filters", &cfg->filters_dir);
	default_folder(l, "templates", &cfg->templates_dir);

	if (cfg->address == NULL)
		fault(l, 0, "[agent] address (the referral address) is not set");
	if (cfg->domains == NULL && cfg->address != NULL)
		cfg->domains = xstrdup(addr_domain(cfg->address));
	if (cfg->name == NULL)
		cfg->name = xstrdup(cfg->domains && *cfg->domains ? cfg->domains : "refagent");
	cfg->business_set = cfg->business != NULL;
	if (cfg->business == NULL)
		cfg->business = config_business_of(cfg->address);
	if (cfg->database_password_file && !store_is_server(cfg->database))
		fault(l, line_of(l, "agent", "database_password_file"),
		      "[agent] database_password_file is set but database is a SQLite file, which "
		      "takes no password");
	check_server(l, "imap", &cfg->imap);
	check_server(l, "smtp", &cfg->smtp);
	for (size_t i = 0; i < cfg->nreps; i++)
		if (cfg->address && strcmp(cfg->reps[i].email, cfg->address) == 0)
			fault(l, 0, "[reps] %s is the referral address itself", cfg->address);
	resolve_digest(l);
}

char *config_business_of(const char *address)
{
	const char *d = address ? addr_domain(address) : NULL;
	char key[STORE_BUSINESS_MAX + 1];
	size_t n = 0;

	for (; d && *d && n < STORE_BUSINESS_MAX; d++) {
		char c = *d >= 'A' && *d <= 'Z' ? (char)(*d - 'A' + 'a') : *d;

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			key[n++] = c;
		else if (n > 0 && key[n - 1] != '-')
			key[n++] = '-';
	}
	while (n > 0 && key[n - 1] == '-')
		n--;
	key[n] = '\0';
	return xstrdup(n ? key : "default");
}

const char *config_default_path(void)
{
	const char *env = getenv("REFAGENT_CONFIG");

	return env && *env ? env : "refagent.conf";
}

/* Reads the config path from fp (closed here). */
static int load_stream(const char *path, FILE *fp, struct config **cfg_r)
{
	struct loader l = {0};
	struct config *cfg;
	const char *slash;
	int rc;

	l.file = path;
	l.fp = fp;
	cfg = xcalloc(1, sizeof(*cfg));
	l.cfg = cfg;
	cfg->path = xstrdup(path);
	slash = strrchr(path, '/');
	cfg->dir = slash ? xstrndup(path, (size_t)(slash - path + (slash == path))) : NULL;

	/* defaults first, through the same setter as the file */
	for (size_t i = 0; i < ARRAY_SIZE(settings); i++)
		if (settings[i].def)
			set_value(&l, &settings[i], settings[i].def);

	rc = ini_parse_stream(reader, &l, handler, &l);
	if (rc > 0 && rc != l.syntax_line) /* a fault inih found and we did not */
		fault(&l, rc, "syntax error (expected [section] or key = value)");
	else if (rc < 0)
		fault(&l, 0, "cannot parse the config");
	fclose(l.fp);
	free(l.line_buf);
	check_config(&l);
	if (l.errors) {
		config_free(cfg);
		return -1;
	}
	*cfg_r = cfg;
	return 0;
}

int config_load(const char *path, struct config **cfg_r)
{
	FILE *fp = fopen(path, "re");
	struct stat st;

	if (fp == NULL) {
		fprintf(stderr, "%s: cannot read the config: %s\n", path, strerror(errno));
		return -1;
	}
	/* fopen opens a folder; reading it fails only later, and quietly */
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr,
		        "%s: cannot read the config: it is a folder (give the config file)\n",
		        path);
		fclose(fp);
		return -1;
	}
	return load_stream(path, fp, cfg_r);
}

int config_load_text(const char *path, const char *text, size_t len, struct config **cfg_r)
{
	/* a copy: fmemopen wants a buffer it could write, and one byte at
	 * least */
	char *copy = xmalloc(len + 1);
	FILE *fp;
	int rc;

	if (len)
		memcpy(copy, text, len);
	copy[len] = '\0';
	fp = fmemopen(copy, len, "r");
	if (fp == NULL)
		fatal("out of memory (config text)");
	rc = load_stream(path, fp, cfg_r);
	free(copy);
	return rc;
}

void config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(settings); i++)
		if (holds_string(settings[i].type))
			free(*(char **)((char *)cfg + settings[i].off));
	free(cfg->path);
	free(cfg->dir);
	free_strings(cfg->aliases, cfg->naliases);
	for (size_t i = 0; i < cfg->nreps; i++) {
		free(cfg->reps[i].email);
		free(cfg->reps[i].name);
	}
	free(cfg->reps);
	free(cfg);
}

int config_read_secret(const char *path, const char *what, char **secret_r, char **error_r)
{
	struct stat st;
	char *data = NULL;
	size_t len = 0;

	if (stat(path, &st) != 0) {
		*error_r = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		*error_r = xasprintf("%s: readable by group or others; chmod 600 it", path);
		return -1;
	}
	if (file_read(path, 16384, &data, &len) != 0) {
		*error_r = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	data[strcspn(data, "\r\n")] = '\0';
	if (data[0] == '\0') {
		explicit_bzero(data, len);
		free(data);
		*error_r = xasprintf("%s: empty %s", path, what);
		return -1;
	}
	/* the rest of the file (other lines) goes nowhere */
	if (strlen(data) < len)
		explicit_bzero(data + strlen(data), len - strlen(data));
	*secret_r = data;
	return 0;
}

int config_read_password(const struct server_config *s, char **pw_r, char **error_r)
{
	if (s->password_file == NULL) {
		*error_r = xstrdup("no password_file is set");
		return -1;
	}
	return config_read_secret(s->password_file, "password", pw_r, error_r);
}

const char *config_auth_name(enum auth_mech a)
{
	switch (a) {
	case AUTH_XOAUTH2:
		return "xoauth2";
	case AUTH_OAUTHBEARER:
		return "oauthbearer";
	default:
		return "password";
	}
}

/* local@domain equals base, or is base's plus-address local+tag@domain. */
static int same_or_plus(const char *email, const char *base)
{
	const char *at = strrchr(base, '@');
	size_t local;

	if (strcmp(email, base) == 0)
		return 1;
	if (at == NULL)
		return 0;
	local = (size_t)(at - base);
	return strncmp(email, base, local) == 0 && email[local] == '+' &&
	       strcmp(strrchr(email, '@') ? strrchr(email, '@') : "", at) == 0;
}

int config_is_agent(const struct config *cfg, const char *email)
{
	if (email == NULL)
		return 0;
	if (cfg->address && same_or_plus(email, cfg->address))
		return 1;
	for (size_t i = 0; i < cfg->naliases; i++)
		if (same_or_plus(email, cfg->aliases[i]))
			return 1;
	return 0;
}

int config_is_business(const struct config *cfg, const char *email)
{
	return email && domain_in_list(addr_domain(email), cfg->domains);
}

const struct rep *config_find_rep(const struct config *cfg, const char *email)
{
	if (email == NULL)
		return NULL;
	for (size_t i = 0; i < cfg->nreps; i++)
		if (str_ieq(cfg->reps[i].email, email))
			return &cfg->reps[i];
	return NULL;
}

int config_check_secrets(const struct config *cfg)
{
	const struct {
		const char *what;
		const char *path;
	} files[] = {{"[imap] password_file", cfg->imap.password_file},
	             {"[smtp] password_file", cfg->smtp.password_file},
	             {"[agent] database_password_file", cfg->database_password_file}};
	int bad = 0;

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char *pw = NULL, *err = NULL;

		if (files[i].path == NULL)
			continue;
		/* A file that is not there yet is a warning: systemd's
		 * LoadCredential= puts it in place only while the service runs. */
		if (access(files[i].path, F_OK) != 0 && errno == ENOENT) {
			fprintf(stderr,
			        "%s: warning: %s %s does not exist here (fine when the service's "
			        "LoadCredential= provides it)\n",
			        cfg->path, files[i].what, files[i].path);
			continue;
		}
		if (config_read_secret(files[i].path, "password", &pw, &err) != 0) {
			fprintf(stderr, "%s: %s: %s\n", cfg->path, files[i].what, err);
			free(err);
			bad++;
			continue;
		}
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
	return bad;
}
