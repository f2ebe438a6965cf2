/*
 * import_cell.c - reading the cells of a spreadsheet row: what a header
 * means, and statuses, dates, amounts and addresses as people type them
 * into sheets (see import.h).
 *
 * Sheets are written by hand, by forms (Google Forms' "Timestamp") and by
 * CRM exports (HubSpot's "Lead Status", Salesforce's "Stage"), each in its
 * own words; the tables below hold those words, and a new one is a line.
 * What a cell cannot mean for sure is refused rather than guessed:
 * 02/03/2026 is read only once the file (or --dates) says which comes
 * first, and "TBD" is not an amount.
 */
#include "import_p.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util.h"

/* ---- words ---- */

/* Lower case ASCII, apostrophes dropped, anything in parentheses dropped
 * ("Deal value ($)"), every other run of non-alphanumerics one space,
 * trimmed: "E-mail" and "e mail" read alike. */
static void normalise(const char *s, char *out, size_t size)
{
	size_t n = 0;
	int depth = 0, space = 0;

	for (; s && *s && n + 1 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		if (depth > 0 || c == ')' || c == '\'')
			continue;
		if (isalnum(c) || c >= 0x80) {
			if (space && n > 0)
				out[n++] = ' ';
			space = 0;
			if (n + 1 < size)
				out[n++] = (char)tolower(c);
		} else {
			space = 1;
		}
	}
	out[n] = '\0';
}

struct word {
	const char *word; /* normalised */
	int value;
};

static int word_find(const struct word *t, size_t n, const char *s, int *value_r)
{
	char w[96];

	normalise(s, w, sizeof(w));
	for (size_t i = 0; i < n; i++)
		if (strcmp(w, t[i].word) == 0) {
			*value_r = t[i].value;
			return 1;
		}
	return 0;
}

/* ---- fields and headers ---- */

static const char *const field_names[FIELD_COUNT] = {
        [FIELD_DATE] = "date",
        [FIELD_REFERRER] = "referrer",
        [FIELD_REFERRER_EMAIL] = "referrer-email",
        [FIELD_REFERRER_PHONE] = "referrer-phone",
        [FIELD_LEAD] = "lead",
        [FIELD_FIRST_NAME] = "first-name",
        [FIELD_LAST_NAME] = "last-name",
        [FIELD_EMAIL] = "email",
        [FIELD_PHONE] = "phone",
        [FIELD_COMPANY] = "company",
        [FIELD_STATUS] = "status",
        [FIELD_VALUE] = "value",
        [FIELD_NOTES] = "notes",
        [FIELD_NEED] = "need",
        [FIELD_BUDGET] = "budget",
        [FIELD_TIMELINE] = "timeline",
        [FIELD_REP] = "rep",
        [FIELD_REP_EMAIL] = "rep-email",
        [FIELD_SUBJECT] = "subject",
        [FIELD_FIRST_CONTACT] = "first-contact",
        [FIELD_UPDATED] = "updated",
        [FIELD_SKIP] = "skip",
};

const char *import_field_name(enum import_field f)
{
	return (unsigned)f < FIELD_COUNT ? field_names[f] : "?";
}

int import_field_parse(const char *name, enum import_field *f_r)
{
	for (int i = 0; name && i < FIELD_COUNT; i++)
		if (str_ieq(name, field_names[i])) {
			*f_r = (enum import_field)i;
			return 1;
		}
	return 0;
}

const char *import_field_list(void)
{
	static char list[320];

	if (list[0] == '\0')
		for (int i = 0; i < FIELD_COUNT; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			         i ? ", " : "", field_names[i]);
	return list;
}

/* Header names, normalised, from hand-made sheets, Google Forms, Excel
 * templates and CRM exports (HubSpot, Salesforce, Pipedrive, Airtable),
 * and the ones `list --csv` writes. */
static const struct word headers[] = {
        {"date", FIELD_DATE},
        {"referral date", FIELD_DATE},
        {"date referred", FIELD_DATE},
        {"referred on", FIELD_DATE},
        {"intro date", FIELD_DATE},
        {"date added", FIELD_DATE},
        {"created", FIELD_DATE},
        {"created at", FIELD_DATE},
        {"created date", FIELD_DATE},
        {"create date", FIELD_DATE},
        {"date created", FIELD_DATE},
        {"submitted", FIELD_DATE},
        {"submitted at", FIELD_DATE},
        {"timestamp", FIELD_DATE},
        {"referred by", FIELD_REFERRER},
        {"referrer", FIELD_REFERRER},
        {"referrer name", FIELD_REFERRER},
        {"referrers name", FIELD_REFERRER},
        {"referred by name", FIELD_REFERRER},
        {"introduced by", FIELD_REFERRER},
        {"referring client", FIELD_REFERRER},
        {"referral source", FIELD_REFERRER},
        {"your name", FIELD_REFERRER},
        {"referrer email", FIELD_REFERRER_EMAIL},
        {"referrer e mail", FIELD_REFERRER_EMAIL},
        {"referrers email", FIELD_REFERRER_EMAIL},
        {"referrer email address", FIELD_REFERRER_EMAIL},
        {"referred by email", FIELD_REFERRER_EMAIL},
        {"your email", FIELD_REFERRER_EMAIL},
        {"your email address", FIELD_REFERRER_EMAIL},
        {"referrer phone", FIELD_REFERRER_PHONE},
        {"referrers phone", FIELD_REFERRER_PHONE},
        {"client", FIELD_LEAD},
        {"client name", FIELD_LEAD},
        {"lead", FIELD_LEAD},
        {"lead name", FIELD_LEAD},
        {"name", FIELD_LEAD},
        {"full name", FIELD_LEAD},
        {"contact", FIELD_LEAD},
        {"contact name", FIELD_LEAD},
        {"customer", FIELD_LEAD},
        {"customer name", FIELD_LEAD},
        {"prospect", FIELD_LEAD},
        {"referral", FIELD_LEAD},
        {"referral name", FIELD_LEAD},
        {"referred person", FIELD_LEAD},
        {"friends name", FIELD_LEAD},
        {"deal name", FIELD_LEAD},
        {"first name", FIELD_FIRST_NAME},
        {"firstname", FIELD_FIRST_NAME},
        {"given name", FIELD_FIRST_NAME},
        {"last name", FIELD_LAST_NAME},
        {"lastname", FIELD_LAST_NAME},
        {"surname", FIELD_LAST_NAME},
        {"family name", FIELD_LAST_NAME},
        {"email", FIELD_EMAIL},
        {"e mail", FIELD_EMAIL},
        {"email address", FIELD_EMAIL},
        {"client email", FIELD_EMAIL},
        {"lead email", FIELD_EMAIL},
        {"contact email", FIELD_EMAIL},
        {"customer email", FIELD_EMAIL},
        {"referral email", FIELD_EMAIL},
        {"friends email", FIELD_EMAIL},
        {"phone", FIELD_PHONE},
        {"phone number", FIELD_PHONE},
        {"client phone", FIELD_PHONE},
        {"lead phone", FIELD_PHONE},
        {"contact phone", FIELD_PHONE},
        {"mobile", FIELD_PHONE},
        {"mobile phone", FIELD_PHONE},
        {"mobile phone number", FIELD_PHONE},
        {"telephone", FIELD_PHONE},
        {"tel", FIELD_PHONE},
        {"cell", FIELD_PHONE},
        {"company", FIELD_COMPANY},
        {"company name", FIELD_COMPANY},
        {"client company", FIELD_COMPANY},
        {"lead company", FIELD_COMPANY},
        {"organisation", FIELD_COMPANY},
        {"organization", FIELD_COMPANY},
        {"business", FIELD_COMPANY},
        {"account name", FIELD_COMPANY},
        {"status", FIELD_STATUS},
        {"stage", FIELD_STATUS},
        {"deal stage", FIELD_STATUS},
        {"lead status", FIELD_STATUS},
        {"pipeline stage", FIELD_STATUS},
        {"outcome", FIELD_STATUS},
        {"result", FIELD_STATUS},
        {"value", FIELD_VALUE},
        {"deal value", FIELD_VALUE},
        {"amount", FIELD_VALUE},
        {"deal amount", FIELD_VALUE},
        {"deal size", FIELD_VALUE},
        {"revenue", FIELD_VALUE},
        {"contract value", FIELD_VALUE},
        {"notes", FIELD_NOTES},
        {"note", FIELD_NOTES},
        {"comments", FIELD_NOTES},
        {"comment", FIELD_NOTES},
        {"details", FIELD_NOTES},
        {"description", FIELD_NOTES},
        {"context", FIELD_NOTES},
        {"need", FIELD_NEED},
        {"service", FIELD_NEED},
        {"interested in", FIELD_NEED},
        {"looking for", FIELD_NEED},
        {"budget", FIELD_BUDGET},
        {"timeline", FIELD_TIMELINE},
        {"timeframe", FIELD_TIMELINE},
        {"rep", FIELD_REP},
        {"sales rep", FIELD_REP},
        {"owner", FIELD_REP},
        {"assigned to", FIELD_REP},
        {"account owner", FIELD_REP},
        {"deal owner", FIELD_REP},
        {"contact owner", FIELD_REP},
        {"lead owner", FIELD_REP},
        {"rep email", FIELD_REP_EMAIL},
        {"owner email", FIELD_REP_EMAIL},
        {"subject", FIELD_SUBJECT},
        {"first contact", FIELD_FIRST_CONTACT},
        {"first contacted", FIELD_FIRST_CONTACT},
        {"first contact date", FIELD_FIRST_CONTACT},
        {"contacted on", FIELD_FIRST_CONTACT},
        {"updated", FIELD_UPDATED},
        {"updated at", FIELD_UPDATED},
        {"last updated", FIELD_UPDATED},
        {"last modified", FIELD_UPDATED},
        {"last modified date", FIELD_UPDATED},
        {"close date", FIELD_UPDATED},
        {"closed", FIELD_UPDATED},
        {"closed at", FIELD_UPDATED},
        {"date closed", FIELD_UPDATED},
        /* known, and deliberately not imported */
        {"id", FIELD_SKIP},
        {"record id", FIELD_SKIP},
        {"row", FIELD_SKIP},
};

int import_header(const char *header, enum import_field *f_r)
{
	int f;

	if (!word_find(headers, ARRAY_SIZE(headers), header, &f))
		return 0;
	*f_r = (enum import_field)f;
	return 1;
}

/* ---- statuses ---- */

/* A sheet's words for the statuses of kinds.h (whose own names are
 * found by status_parse), from hand-made sheets and CRM pipelines. */
static const struct word status_words[] = {
        {"open", STATUS_NEW},
        {"referred", STATUS_NEW},
        {"received", STATUS_NEW},
        {"to contact", STATUS_NEW},
        {"not contacted", STATUS_NEW},
        {"attempted to contact", STATUS_NEW},
        {"lead in", STATUS_NEW},
        {"prospecting", STATUS_NEW},
        {"in progress", STATUS_CONTACTED},
        {"in touch", STATUS_CONTACTED},
        {"called", STATUS_CONTACTED},
        {"reached out", STATUS_CONTACTED},
        {"connected", STATUS_CONTACTED},
        {"contact made", STATUS_CONTACTED},
        {"working", STATUS_CONTACTED},
        {"meeting", STATUS_QUALIFIED},
        {"meeting booked", STATUS_QUALIFIED},
        {"meeting scheduled", STATUS_QUALIFIED},
        {"demo scheduled", STATUS_QUALIFIED},
        {"appointment set", STATUS_QUALIFIED},
        {"qualification", STATUS_QUALIFIED},
        {"needs analysis", STATUS_QUALIFIED},
        {"proposal sent", STATUS_PROPOSAL},
        {"proposal made", STATUS_PROPOSAL},
        {"quote", STATUS_PROPOSAL},
        {"quote sent", STATUS_PROPOSAL},
        {"quoted", STATUS_PROPOSAL},
        {"estimate sent", STATUS_PROPOSAL},
        {"proposal price quote", STATUS_PROPOSAL},
        {"value proposition", STATUS_PROPOSAL},
        {"negotiation", STATUS_PROPOSAL},
        {"negotiation review", STATUS_PROPOSAL},
        {"negotiations started", STATUS_PROPOSAL},
        {"open deal", STATUS_PROPOSAL},
        {"closed won", STATUS_WON},
        {"closed", STATUS_WON},
        {"signed", STATUS_WON},
        {"sold", STATUS_WON},
        {"hired", STATUS_WON},
        {"customer", STATUS_WON},
        {"converted", STATUS_WON},
        {"closed lost", STATUS_LOST},
        {"dead", STATUS_LOST},
        {"no deal", STATUS_LOST},
        {"declined", STATUS_LOST},
        {"bad timing", STATUS_LOST},
        {"went elsewhere", STATUS_LOST},
        {"not a fit", STATUS_REJECTED},
        {"no fit", STATUS_REJECTED},
        {"unqualified", STATUS_REJECTED},
        {"disqualified", STATUS_REJECTED},
        {"spam", STATUS_REJECTED},
        {"invalid", STATUS_REJECTED},
        {"on hold", STATUS_HELD},
        {"stale", STATUS_EXPIRED},
        {"no response", STATUS_EXPIRED},
};

int import_status(const char *word, enum status *s_r)
{
	char w[96];
	int s;

	normalise(word, w, sizeof(w));
	if (status_parse(w, s_r))
		return 1;
	if (!word_find(status_words, ARRAY_SIZE(status_words), word, &s))
		return 0;
	*s_r = (enum status)s;
	return 1;
}

/* ---- dates ---- */

static const char *const months[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};

/* 1..12 for a month's name or its first three letters ("Sept" too). */
static int month_of(const char *w)
{
	size_t n = strlen(w);

	for (int i = 0; i < 12; i++) {
		static const char *const full[12] = {
		        "january", "february", "march",     "april",   "may",      "june",
		        "july",    "august",   "september", "october", "november", "december"};

		if (n == 3 ? strcmp(w, months[i]) == 0
		           : n >= 3 && strncmp(full[i], w, n) == 0 &&
		                     (n == strlen(full[i]) || (i == 8 && n == 4)))
			return i + 1;
	}
	return 0;
}

/* Words a date may carry that say nothing: weekdays, "2nd", "of". */
static int filler(const char *w)
{
	static const char *const words[] = {
	        "mon",    "tue", "tues",   "wed",     "thu",       "thur",     "thurs",  "fri",
	        "sat",    "sun", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
	        "sunday", "st",  "nd",     "rd",      "th",        "of"};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strcmp(w, words[i]) == 0)
			return 1;
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

struct when {
	int y, m, d, hh, mm, ss;
	int has_time;
	int has_zone;
	int zone; /* seconds east of UTC */
};

/* The time of day in s, cut out of it (replaced by spaces): H:MM, H:MM:SS,
 * with a fraction, "AM"/"PM", a zone (Z, +01:00, +0100, UTC, GMT).
 * Returns 0 (w->has_time 0 when none), -1 when it is broken. */
static int cut_time(char *s, struct when *w)
{
	char *c = strchr(s, ':'), *p, *start;
	long v;

	if (c == NULL)
		return 0;
	start = c;
	while (start > s && isdigit((unsigned char)start[-1]) && c - start < 2)
		start--;
	if (start == c || !isdigit((unsigned char)c[1]) || !isdigit((unsigned char)c[2]))
		return -1;
	w->hh = (int)strtol(start, NULL, 10);
	w->mm = (c[1] - '0') * 10 + (c[2] - '0');
	p = c + 3;
	if (*p == ':' && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2])) {
		w->ss = (p[1] - '0') * 10 + (p[2] - '0');
		p += 3;
		if (*p == '.' || *p == ',')
			for (p++; isdigit((unsigned char)*p);)
				p++;
	}
	while (*p == ' ')
		p++;
	if (str_istarts(p, "am") || str_istarts(p, "a.m.") || str_istarts(p, "pm") ||
	    str_istarts(p, "p.m.")) {
		int pm = tolower((unsigned char)*p) == 'p';

		if (w->hh < 1 || w->hh > 12)
			return -1;
		w->hh = w->hh % 12 + (pm ? 12 : 0);
		p += p[1] == '.' ? 4 : 2;
	}
	while (*p == ' ')
		p++;
	if (*p == 'Z' || *p == 'z') {
		w->has_zone = 1;
		p++;
	} else if (str_istarts(p, "utc") || str_istarts(p, "gmt")) {
		w->has_zone = 1;
		p += 3;
	}
	if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2])) {
		int sign = *p == '-' ? -1 : 1, h = (p[1] - '0') * 10 + (p[2] - '0'), m = 0;

		p += 3;
		if (*p == ':')
			p++;
		if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1])) {
			m = (p[0] - '0') * 10 + (p[1] - '0');
			p += 2;
		}
		w->has_zone = 1;
		w->zone = sign * (h * 3600 + m * 60);
	}
	v = w->hh;
	if (v > 23 || w->mm > 59 || w->ss > 60)
		return -1;
	/* "2026-03-02T14:30": the T goes with the time */
	if (start > s && (start[-1] == 'T' || start[-1] == 't'))
		start--;
	memset(start, ' ', (size_t)(p - start));
	w->has_time = 1;
	return 0;
}

struct tokens {
	long num[4];
	int digits[4];
	size_t nnum;
	int month; /* from a month's name, 0: none */
	char sep;  /* what separated the first two numbers */
};

/* Splits the date part of s into numbers and a month's name; -1 on a word
 * that belongs in no date. */
static int tokenize(const char *s, struct tokens *t)
{
	memset(t, 0, sizeof(*t));
	for (const char *p = s; *p;) {
		if (isdigit((unsigned char)*p)) {
			const char *e = p;

			while (isdigit((unsigned char)*e))
				e++;
			if (t->nnum == 4 || e - p > 4)
				return -1;
			t->digits[t->nnum] = (int)(e - p);
			t->num[t->nnum++] = strtol(p, NULL, 10);
			if (t->nnum == 1 && *e && strchr("/.-", *e))
				t->sep = *e;
			p = e;
		} else if (isalpha((unsigned char)*p)) {
			char w[16];
			size_t n = 0;

			for (; isalpha((unsigned char)*p); p++)
				if (n + 1 < sizeof(w))
					w[n++] = (char)tolower((unsigned char)*p);
			w[n] = '\0';
			if (month_of(w) && !t->month)
				t->month = month_of(w);
			else if (!filler(w))
				return -1;
		} else if (strchr(" /.-,", *p)) {
			p++;
		} else {
			return -1;
		}
	}
	return 0;
}

static int full_year(long y, int digits)
{
	if (digits == 2)
		return (int)(y < 70 ? 2000 + y : 1900 + y);
	return (int)y;
}

/* Year, month and day from the tokens: 0, -1 none, 1 needs an order. */
static int ymd(const struct tokens *t, enum import_dates order, struct when *w)
{
	if (t->month && t->nnum == 2) {
		/* 2 March 2026, March 2, 2026, 2-Mar-26: the year has four
		 * digits, or comes last */
		int yi = t->digits[0] == 4 ? 0 : 1;

		w->y = full_year(t->num[yi], t->digits[yi]);
		w->m = t->month;
		w->d = (int)t->num[1 - yi];
		return 0;
	}
	if (t->month || t->nnum != 3)
		return -1;
	if (t->digits[0] == 4) {
		w->y = (int)t->num[0];
		w->m = (int)t->num[1];
		w->d = (int)t->num[2];
		return 0;
	}
	if (t->digits[2] != 4 && t->digits[2] != 2)
		return -1;
	w->y = full_year(t->num[2], t->digits[2]);
	/* 02.03.2026 is day first wherever dots are written */
	if (t->sep == '.')
		order = DATES_DAY_FIRST;
	if (order == DATES_AUTO) {
		if (t->num[0] > 12)
			order = DATES_DAY_FIRST;
		else if (t->num[1] > 12)
			order = DATES_MONTH_FIRST;
		else if (t->num[0] == t->num[1])
			order = DATES_DAY_FIRST;
		else
			return 1;
	}
	w->d = (int)t->num[order == DATES_DAY_FIRST ? 0 : 1];
	w->m = (int)t->num[order == DATES_DAY_FIRST ? 1 : 0];
	return 0;
}

/* Excel counts days from 1899-12-30; 20000..80000 is 1954..2119. */
static int excel_serial(const char *s, struct when *w)
{
	long n;
	int64_t days;
	time_t t;
	struct tm tm;

	if (strlen(s) != 5 || parse_long(s, 20000, 80000, &n) != 0)
		return -1;
	days = n + days_from_civil(1899, 12, 30);
	t = (time_t)(days * 86400);
	gmtime_r(&t, &tm);
	w->y = tm.tm_year + 1900;
	w->m = tm.tm_mon + 1;
	w->d = tm.tm_mday;
	return 0;
}

/* The moment w names: in its zone, else local time. */
static int64_t when_time(const struct when *w)
{
	struct tm tm = {0};

	if (w->has_zone)
		return (days_from_civil(w->y, w->m, w->d) * 86400 + w->hh * 3600 + w->mm * 60 +
		        w->ss) -
		       w->zone;
	tm.tm_year = w->y - 1900;
	tm.tm_mon = w->m - 1;
	tm.tm_mday = w->d;
	tm.tm_hour = w->hh;
	tm.tm_min = w->mm;
	tm.tm_sec = w->ss;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

int import_date(const char *s, enum import_dates order, int64_t *t_r, int *has_time_r)
{
	struct when w = {0};
	struct tokens t;
	char buf[80];
	int rc;

	snprintf(buf, sizeof(buf), "%s", s ? s : "");
	str_trim(buf);
	if (buf[0] == '\0' || strlen(s) >= sizeof(buf))
		return -1;
	if (excel_serial(buf, &w) != 0) {
		if (cut_time(buf, &w) != 0 || tokenize(buf, &t) != 0)
			return -1;
		rc = ymd(&t, order, &w);
		if (rc != 0)
			return rc;
	}
	if (w.y < 1970 || w.y > 2100 || w.m < 1 || w.m > 12 || w.d < 1 ||
	    w.d > days_in_month(w.y, w.m))
		return -1;
	*t_r = when_time(&w);
	if (has_time_r)
		*has_time_r = w.has_time;
	return 0;
}

/* ---- amounts ---- */

size_t import_currency_sign(const char *s)
{
	static const char *const signs[] = {"$", "\xe2\x82\xac" /* euro */, "\xc2\xa3" /* pound */,
	                                    "\xc2\xa5" /* yen */, "\xe2\x82\xb9" /* rupee */};

	for (size_t i = 0; i < ARRAY_SIZE(signs); i++)
		if (strncmp(s, signs[i], strlen(signs[i])) == 0)
			return strlen(signs[i]);
	return 0;
}

/* Bytes of a space that may group digits: a space, an apostrophe (Swiss
 * 12'000), a no-break or narrow no-break space (French 12 000). */
static size_t group_space(const char *s)
{
	if (*s == ' ' || *s == '\'')
		return 1;
	if (strncmp(s, "\xc2\xa0", 2) == 0)
		return 2;
	if (strncmp(s, "\xe2\x80\xaf", 3) == 0 || strncmp(s, "\xe2\x80\x89", 3) == 0)
		return 3;
	return 0;
}

/*
 * The digits and marks of the number into num ("12.000,50"), the
 * multiplier of a k or m after it; -1 on anything that is neither the
 * number, a currency sign or code (three letters) nor space.
 */
static int amount_parts(const char *s, char *num, size_t size, double *mult)
{
	size_t n = 0, k;
	int done = 0; /* the number has ended */

	*mult = 1;
	while (*s) {
		if (isdigit((unsigned char)*s) || ((*s == '.' || *s == ',') && n > 0)) {
			if (done || n + 1 >= size)
				return -1;
			num[n++] = *s++;
		} else if ((k = group_space(s)) && n > 0 && !done && isdigit((unsigned char)s[k])) {
			s += k; /* 12 000: a space between digits groups them */
		} else if ((*s == 'k' || *s == 'K' || *s == 'm' || *s == 'M') && n > 0 && !done &&
		           !isalpha((unsigned char)s[1])) {
			*mult = *s == 'm' || *s == 'M' ? 1e6 : 1e3;
			done = 1;
			s++;
		} else if ((k = import_currency_sign(s)) || (k = group_space(s))) {
			done = n > 0;
			s += k;
		} else if (isalpha((unsigned char)s[0]) && isalpha((unsigned char)s[1]) &&
		           isalpha((unsigned char)s[2]) && !isalpha((unsigned char)s[3])) {
			done = n > 0; /* USD, EUR */
			s += 3;
		} else {
			return -1;
		}
	}
	num[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* Every group after the first has three digits. */
static int groups_ok(const char *num, char mark)
{
	const char *p = strchr(num, mark);

	if (p == NULL || p == num || p - num > 3)
		return p == NULL;
	for (; p; p = strchr(p + 1, mark))
		if (strspn(p + 1, "0123456789") != 3)
			return 0;
	return 1;
}

int import_value(const char *s, double *v_r)
{
	char num[64], plain[64], *last_dot, *last_comma, dec = 0, grp = 0;
	double mult;
	size_t n = 0;

	if (s == NULL || amount_parts(s, num, sizeof(num), &mult) != 0)
		return -1;
	last_dot = strrchr(num, '.');
	last_comma = strrchr(num, ',');
	if (last_dot && last_comma) {
		dec = last_dot > last_comma ? '.' : ',';
		grp = dec == '.' ? ',' : '.';
	} else if (last_dot || last_comma) {
		char mark = last_dot ? '.' : ',';
		const char *first = strchr(num, mark), *last = last_dot ? last_dot : last_comma;

		/* 12,000 and 12.000 group thousands; 12,5 and 12.50 and 0.125
		 * have decimals; 1.234.567 groups */
		if (first != last || (strspn(last + 1, "0123456789") == 3 &&
		                      strlen(last + 1) == 3 && !(last - num == 1 && num[0] == '0')))
			grp = mark;
		else
			dec = mark;
	}
	if (grp && !groups_ok(num, grp))
		return -1;
	for (const char *p = num; *p && n + 1 < sizeof(plain); p++) {
		if (*p == grp)
			continue;
		plain[n++] = *p == dec ? '.' : *p;
	}
	plain[n] = '\0';
	if (strchr(plain, '.') && strchr(plain, '.') != strrchr(plain, '.'))
		return -1;
	*v_r = strtod(plain, NULL) * mult;
	return 0;
}

/* ---- people ---- */

/* A plain address: one @, a local part and a dotted domain, nothing a
 * header would need quoting for. */
static int address_ok(const char *a)
{
	const char *at = strchr(a, '@'), *dot;

	if (at == NULL || at == a || strchr(at + 1, '@') || strlen(a) > 254)
		return 0;
	for (const char *p = a; *p; p++)
		if ((unsigned char)*p <= ' ' || strchr("<>()[]\\,;:\"", *p))
			return 0;
	dot = strrchr(at, '.');
	return dot && dot > at + 1 && dot[1] != '\0';
}

int import_person(const char *cell, char **name_r, char **email_r)
{
	char *c = str_trim(xstrdup(cell ? cell : "")), *lt, *gt, *paren;
	char *name = NULL, *addr = NULL;

	*name_r = *email_r = NULL;
	if (strchr(c, '@') == NULL) {
		*name_r = *c ? xstrdup(c) : NULL;
		free(c);
		return 0;
	}
	lt = strchr(c, '<');
	gt = lt ? strchr(lt, '>') : NULL;
	paren = strchr(c, '(');
	if (lt && gt) {
		/* Bob Smith <bob@x.test>, "Smith, Bob" <bob@x.test> */
		*gt = *lt = '\0';
		addr = xstrdup(lt + 1);
		name = xstrdup(c);
	} else if (paren && strchr(paren, ')')) {
		/* bob@x.test (Bob Smith) */
		*strchr(paren, ')') = '\0';
		*paren = '\0';
		name = xstrdup(paren + 1);
		addr = xstrdup(c);
	} else {
		addr = xstrdup(c);
	}
	free(c);
	str_trim(addr);
	if (str_istarts(addr, "mailto:"))
		memmove(addr, addr + 7, strlen(addr + 7) + 1);
	if (name) {
		str_trim(name);
		if (name[0] == '"' && strlen(name) >= 2 && name[strlen(name) - 1] == '"') {
			name[strlen(name) - 1] = '\0';
			memmove(name, name + 1, strlen(name));
		}
	}
	if (!address_ok(addr)) {
		free(addr);
		free(name);
		return -1;
	}
	*email_r = str_lower(addr);
	*name_r = name && *name ? name : NULL;
	if (*name_r == NULL)
		free(name);
	return 0;
}
