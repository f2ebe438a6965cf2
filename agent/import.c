/*
 * import.c - `refagent import`: a spreadsheet's referrals into the store
 * (see import.h; the cells are read in import_cell.c).
 *
 * The run: read the file (sheet.h), find the header row (the first of the
 * first rows that names at least two columns import knows, so a title row
 * above it is fine), map the columns to fields (the header's words, then
 * --map), settle how dates are written (--dates, or the file's own dates:
 * one with a day over 12 decides), then turn each row into a referral in
 * one transaction.
 *
 * Decisions, and why:
 *  - Rows are history.  No mail is scheduled (the referrer of last March
 *    is not thanked today), no reward computed (a reward under today's
 *    [rewards] for a deal won last year may not be what was agreed, nor
 *    still owed: the value is kept, and a reward can be recorded by
 *    status when wanted), no rep assigned by round robin (only a rep the
 *    row names).  An open row is touched now, so expiry counts
 *    expire_days from the import rather than closing it at once.
 *  - The same row twice adds nothing: a row is known by a hash of its date
 *    cell, referrer and lead (imports), and a row exported by `list
 *    --csv` by its lead, referrer and exact time of creation.
 *  - People named only by name (no address) are matched by name, so
 *    "Sarah Lee" on forty rows is one referrer in the report.
 */
#include "import_p.h"

#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "config.h"
#include "lifecycle.h"
#include "log.h"
#include "progress.h"
#include "sheet.h"
#include "store.h"
#include "util.h"

/* The header is looked for among the first rows. */
#define HEADER_ROWS 10

/* ---- the columns ---- */

struct columns {
	size_t col[FIELD_COUNT]; /* 1-based column of each field, 0: none */
	const struct sheet_row *header;
	char skip[SHEET_MAX_CELLS + 1]; /* a --map said COLUMN=skip */
};

/* The cell of field f in row r ("" when the row has no such cell). */
static const char *cell(const struct columns *c, const struct sheet_row *r, enum import_field f)
{
	size_t k = c->col[f];

	return k && k <= r->ncells ? r->cells[k - 1] : "";
}

/* "column C (Date)" for field f. */
static const char *column_label(const struct columns *c, enum import_field f, char *buf,
                                size_t size)
{
	char letters[8];
	size_t k = c->col[f];
	const char *name = k <= c->header->ncells ? c->header->cells[k - 1] : "";

	snprintf(buf, size, "column %s (%s)", sheet_column_name(k, letters),
	         *name ? name : import_field_name(f));
	return buf;
}

/* How many cells of r name a field (by the header words). */
static int header_score(const struct sheet_row *r)
{
	enum import_field f;
	int n = 0;

	for (size_t i = 0; i < r->ncells; i++)
		n += import_header(r->cells[i], &f);
	return n;
}

/* The column a --map names: a header (any case), else a column letter. */
static size_t map_column(const struct sheet_row *h, const char *name)
{
	size_t k = 0;

	for (size_t i = 0; i < h->ncells; i++)
		if (str_ieq(str_trim(h->cells[i]), name))
			return i + 1;
	for (const char *p = name; *p; p++) {
		if (*p < 'A' || *p > 'Z' || k > 1000)
			return 0;
		k = k * 26 + (size_t)(*p - 'A' + 1);
	}
	return k;
}

/* Applies one --map COLUMN=FIELD: 0, or -1 (logged). */
static int apply_map(const char *path, struct columns *c, const char *map)
{
	const char *eq = strrchr(map, '=');
	char *column = xstrndup(map, eq ? (size_t)(eq - map) : 0);
	enum import_field f;
	size_t k;

	if (eq == NULL || !import_field_parse(eq + 1, &f)) {
		log_error("--map '%s': give COLUMN=FIELD, FIELD one of %s", map,
		          import_field_list());
		free(column);
		return -1;
	}
	k = map_column(c->header, str_trim(column));
	if (k == 0) {
		log_error("%s: --map '%s': row %u has no column '%s'", path, map, c->header->row,
		          column);
		free(column);
		return -1;
	}
	free(column);
	for (int i = 0; i < FIELD_COUNT; i++)
		if (c->col[i] == k)
			c->col[i] = 0;
	if (f != FIELD_SKIP)
		c->col[f] = k;
	else if (k <= SHEET_MAX_CELLS)
		c->skip[k] = 1;
	return 0;
}

/* Reports the header cells that feed no field. */
static void report_unused(const char *path, const struct columns *c)
{
	struct buf b = {0};
	char letters[8];

	for (size_t k = 1; k <= c->header->ncells; k++) {
		enum import_field f;
		int used = 0;

		for (int i = 0; i < FIELD_COUNT; i++)
			used |= c->col[i] == k;
		if (used || c->skip[k] || !*c->header->cells[k - 1] ||
		    (import_header(c->header->cells[k - 1], &f) && f == FIELD_SKIP))
			continue;
		buf_printf(&b, "%s%s (%s)", b.len ? ", " : "", sheet_column_name(k, letters),
		           c->header->cells[k - 1]);
	}
	if (b.len)
		log_info("%s: columns not imported: %s (see --map)", path, b.s);
	buf_free(&b);
}

/* Finds the header row and maps its columns: the index of the header
 * row, or -1 (logged). */
static long map_columns(const char *path, const struct sheet *s, const struct import_opts *o,
                        struct columns *c)
{
	long h = -1;

	memset(c, 0, sizeof(*c));
	for (size_t i = 0, seen = 0; i < s->nrows && seen < HEADER_ROWS && h < 0; i++) {
		if (s->rows[i].ncells == 0 || s->rows[i].error)
			continue;
		seen++;
		if (header_score(&s->rows[i]) >= 2 || (o->nmaps && seen == 1))
			h = (long)i;
	}
	if (h < 0) {
		log_error("%s: no header row: none of the first rows names the columns (Date, "
		          "Referred by, Client, Email, Status, ...); name them with --map",
		          path);
		return -1;
	}
	c->header = &s->rows[h];
	for (size_t k = c->header->ncells; k > 0; k--) {
		enum import_field f;

		/* the first column of a field wins */
		if (import_header(c->header->cells[k - 1], &f) && f != FIELD_SKIP)
			c->col[f] = k;
	}
	for (size_t i = 0; i < o->nmaps; i++)
		if (apply_map(path, c, o->maps[i]) != 0)
			return -1;
	if (!c->col[FIELD_LEAD] && !c->col[FIELD_EMAIL] && !c->col[FIELD_FIRST_NAME] &&
	    !c->col[FIELD_LAST_NAME]) {
		log_error(
		        "%s: row %u names no column for the lead (Client, Lead, Name, Email, ...); "
		        "name one with --map COLUMN=lead",
		        path, c->header->row);
		return -1;
	}
	report_unused(path, c);
	return h;
}

/* ---- how dates are written ---- */

static const enum import_field date_fields[] = {FIELD_DATE, FIELD_FIRST_CONTACT, FIELD_UPDATED};

/* The order the file's dates settle (DATES_AUTO when none does), or -1
 * (logged) when they contradict each other. */
static int file_date_order(const char *path, const struct sheet *s, long h, const struct columns *c)
{
	const struct sheet_row *by[2] = {NULL, NULL}; /* a row read day first, month first */
	int64_t t;

	for (size_t i = (size_t)h + 1; i < s->nrows; i++)
		for (size_t k = 0; k < ARRAY_SIZE(date_fields); k++) {
			const char *v = cell(c, &s->rows[i], date_fields[k]);
			int day = import_date(v, DATES_DAY_FIRST, &t, NULL) == 0;
			int month = import_date(v, DATES_MONTH_FIRST, &t, NULL) == 0;

			if (day != month && by[month] == NULL)
				by[month] = &s->rows[i];
		}
	if (by[0] && by[1]) {
		log_error("%s: the dates disagree: row %u has the day first, row %u the month; "
		          "give --dates day-first or --dates month-first",
		          path, by[0]->row, by[1]->row);
		return -1;
	}
	return by[0] ? DATES_DAY_FIRST : by[1] ? DATES_MONTH_FIRST : DATES_AUTO;
}

/* ---- one row ---- */

struct row {
	unsigned number;
	char *referrer_name, *referrer_email, *referrer_phone;
	char *lead_name, *lead_email, *phone, *company;
	const char *notes, *need, *budget, *timeline, *subject, *rep;
	char *rep_email;
	const char *date_cell; /* as written, for the row's key */
	int64_t created, first_contact, updated;
	int has_time;
	enum status status;
	const char *status_word; /* as written, for the event */
	int has_value;
	double value;
	char *error; /* why the row cannot be read */
};

static void row_clear(struct row *r)
{
	FREE_ALL(r->referrer_name, r->referrer_email, r->referrer_phone, r->lead_name,
	         r->lead_email, r->phone, r->company, r->rep_email, r->error);
	memset(r, 0, sizeof(*r));
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

/* Sets the row's error about field f. */
static void fail_at(struct row *r, const struct columns *c, enum import_field f, const char *fmt,
                    const char *value)
{
	char label[160];

	free(r->error);
	r->error =
	        xasprintf("%s: '%.80s' %s", column_label(c, f, label, sizeof(label)), value, fmt);
}

/* A date field: 0 (0 in *t when empty) or -1 with the row's error. */
static int read_date(struct row *r, const struct columns *c, const struct sheet_row *sr,
                     enum import_field f, enum import_dates order, int64_t *t, int *has_time)
{
	const char *v = cell(c, sr, f);
	int rc;

	*t = 0;
	if (*v == '\0')
		return 0;
	rc = import_date(v, order, t, has_time);
	if (rc == 1)
		fail_at(r, c, f,
		        "could be either day or month first, and no date of the file says "
		        "which: give --dates day-first or --dates month-first",
		        v);
	else if (rc < 0)
		fail_at(r, c, f, "is not a date", v);
	return rc == 0 ? 0 : -1;
}

/* A person field pair (a name column, an address column): 0 or -1. */
static int read_person(struct row *r, const struct columns *c, const struct sheet_row *sr,
                       enum import_field name_f, enum import_field email_f, char **name_r,
                       char **email_r)
{
	char *n1 = NULL, *e1 = NULL, *n2 = NULL, *e2 = NULL;

	if (import_person(cell(c, sr, name_f), &n1, &e1) != 0) {
		fail_at(r, c, name_f, "is not an address", cell(c, sr, name_f));
		return -1;
	}
	if (import_person(cell(c, sr, email_f), &n2, &e2) != 0 ||
	    (*cell(c, sr, email_f) && e2 == NULL)) {
		fail_at(r, c, email_f, "is not an address", cell(c, sr, email_f));
		free(n1);
		free(e1);
		free(n2);
		return -1;
	}
	*name_r = n1 ? n1 : n2;
	*email_r = e2 ? e2 : e1;
	if (n1 && n2)
		free(n2);
	if (e1 && e2)
		free(e1);
	return 0;
}

/* The lead's name from a name column, or first and last name columns. */
static void lead_name(struct row *r, const struct columns *c, const struct sheet_row *sr)
{
	const char *first = cell(c, sr, FIELD_FIRST_NAME), *last = cell(c, sr, FIELD_LAST_NAME);

	if (r->lead_name || (!*first && !*last))
		return;
	r->lead_name = xasprintf("%s%s%s", first, *first && *last ? " " : "", last);
}

/* The rep a row names: one of [reps] by name or address, else as written. */
static void read_rep(struct row *r, const struct config *cfg, const struct columns *c,
                     const struct sheet_row *sr)
{
	const char *name = nonempty(cell(c, sr, FIELD_REP));
	const char *email = nonempty(cell(c, sr, FIELD_REP_EMAIL));

	for (size_t i = 0; i < cfg->nreps; i++)
		if ((email && str_ieq(email, cfg->reps[i].email)) ||
		    (name &&
		     (str_ieq(name, cfg->reps[i].name) || str_ieq(name, cfg->reps[i].email)))) {
			r->rep = cfg->reps[i].name;
			r->rep_email = xstrdup(cfg->reps[i].email);
			return;
		}
	r->rep = name;
	if (email && strchr(email, '@'))
		r->rep_email = str_lower(xstrdup(email));
}

/* Reads sheet row sr into r: 0, or -1 with r->error. */
static int read_row(const struct config *cfg, const struct columns *c, const struct sheet_row *sr,
                    enum import_dates order, struct row *r)
{
	const char *v;

	r->number = sr->row;
	if (read_person(r, c, sr, FIELD_REFERRER, FIELD_REFERRER_EMAIL, &r->referrer_name,
	                &r->referrer_email) != 0 ||
	    read_person(r, c, sr, FIELD_LEAD, FIELD_EMAIL, &r->lead_name, &r->lead_email) != 0)
		return -1;
	lead_name(r, c, sr);
	if (r->lead_name == NULL && r->lead_email == NULL) {
		char label[160];

		r->error = xasprintf("%s: no lead (no name, no address)",
		                     column_label(c, c->col[FIELD_LEAD] ? FIELD_LEAD : FIELD_EMAIL,
		                                  label, sizeof(label)));
		return -1;
	}
	r->date_cell = cell(c, sr, FIELD_DATE);
	if (read_date(r, c, sr, FIELD_DATE, order, &r->created, &r->has_time) != 0 ||
	    read_date(r, c, sr, FIELD_FIRST_CONTACT, order, &r->first_contact, NULL) != 0 ||
	    read_date(r, c, sr, FIELD_UPDATED, order, &r->updated, NULL) != 0)
		return -1;
	v = cell(c, sr, FIELD_STATUS);
	r->status = STATUS_NEW;
	r->status_word = nonempty(v);
	if (*v && !import_status(v, &r->status)) {
		char why[320];

		snprintf(why, sizeof(why),
		         "is not a status (%s, or a sheet's word for one: refagent(1), import)",
		         status_list());
		fail_at(r, c, FIELD_STATUS, why, v);
		return -1;
	}
	v = cell(c, sr, FIELD_VALUE);
	if (*v && import_value(v, &r->value) != 0) {
		fail_at(r, c, FIELD_VALUE, "is not an amount", v);
		return -1;
	}
	r->has_value = *v != '\0';
	r->referrer_phone = xstrdup(nonempty(cell(c, sr, FIELD_REFERRER_PHONE)));
	r->phone = xstrdup(nonempty(cell(c, sr, FIELD_PHONE)));
	r->company = xstrdup(nonempty(cell(c, sr, FIELD_COMPANY)));
	r->notes = nonempty(cell(c, sr, FIELD_NOTES));
	r->need = nonempty(cell(c, sr, FIELD_NEED));
	r->budget = nonempty(cell(c, sr, FIELD_BUDGET));
	r->timeline = nonempty(cell(c, sr, FIELD_TIMELINE));
	r->subject = nonempty(cell(c, sr, FIELD_SUBJECT));
	read_rep(r, cfg, c, sr);
	return 0;
}

/* ---- writing ---- */

struct run {
	const struct config *cfg;
	struct store *st;
	const struct import_opts *o;
	const char *source; /* the file's name, for events */
	int64_t now;
	struct import_stats *stats;
};

/* A stable key for the row: its date as written, its referrer and lead. */
static void row_key(const struct row *r, char out[33])
{
	struct buf b = {0};
	uint64_t a, h;

	buf_printf(&b, "%s\x1f%s\x1f%s", r->date_cell ? r->date_cell : "",
	           r->referrer_email ? r->referrer_email
	                             : (r->referrer_name ? r->referrer_name : ""),
	           r->lead_email ? r->lead_email : (r->lead_name ? r->lead_name : ""));
	str_lower(str_trim(b.s));
	a = hash_fnv1a(b.s, b.len, UINT64_C(0xcbf29ce484222325));
	h = hash_fnv1a(b.s, b.len, a ^ UINT64_C(0x696d706f7274));
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)a, (unsigned long long)h);
	buf_free(&b);
}

/* The person with this address, or (without one) this name: *id_r (0
 * when neither).  0 or -1. */
static int person(struct run *x, const char *email, const char *name, const char *phone,
                  const char *company, int64_t *id_r)
{
	int rc;

	*id_r = 0;
	if (email == NULL && name == NULL)
		return 0;
	if (email == NULL && (rc = store_person_find_named(x->st, name, id_r)) != 0)
		return rc < 0 ? -1 : store_person_fill(x->st, *id_r, phone, company);
	if (store_person_ensure(x->st, email, name, x->now, id_r) != 0)
		return -1;
	return store_person_fill(x->st, *id_r, phone, company);
}

/* The status and value the sheet gives, with their event. */
static int set_status(struct run *x, const struct row *r, int64_t id, int64_t at)
{
	char detail[256], money[48];
	struct event_rec e = {.referral_id = id,
	                      .at = at,
	                      .actor = "cli",
	                      .kind = "status",
	                      .old_status = status_name(STATUS_NEW),
	                      .new_status = status_name(r->status),
	                      .detail = detail};

	if (store_referral_set_status(x->st, id, status_name(r->status), r->has_value, r->value,
	                              at) < 0)
		return -1;
	if (r->status == STATUS_NEW)
		return 0;
	snprintf(detail, sizeof(detail), "as in the sheet (%s)%s%s", r->status_word,
	         r->has_value ? ": " : "",
	         r->has_value ? lifecycle_money(x->cfg, r->value, money, sizeof(money)) : "");
	return store_event_add(x->st, &e);
}

/* Writes row r: 1 and *id_r when it made a referral, 0 when it was
 * there already (*id_r: which), -1 on a store error. */
static int write_row(struct run *x, const struct row *r, int64_t *id_r)
{
	int64_t referrer = 0, lead = 0, created = r->created ? r->created : x->now, at;
	char key[33], detail[300];
	int rc;

	row_key(r, key);
	if ((rc = store_import_find(x->st, key, id_r)) != 0)
		return rc < 0 ? -1 : 0;
	if (person(x, r->referrer_email, r->referrer_name, r->referrer_phone, NULL, &referrer) <
	            0 ||
	    person(x, r->lead_email, r->lead_name, r->phone, r->company, &lead) < 0)
		return -1;
	if (r->created &&
	    (rc = store_referral_find_same(x->st, lead, referrer, created, id_r)) != 0)
		return rc < 0 ? -1 : 0;
	struct referral_rec rec = {.referrer_id = referrer,
	                           .lead_id = lead,
	                           .rep_email = r->rep_email,
	                           .rep_name = r->rep,
	                           .need = r->need,
	                           .budget = r->budget,
	                           .timeline = r->timeline,
	                           .context = r->notes,
	                           .subject = r->subject,
	                           .at = created};
	struct event_rec e = {.at = created, .actor = "cli", .kind = "imported", .detail = detail};

	snprintf(detail, sizeof(detail), "from %.200s, row %u", x->source, r->number);
	if (store_referral_add(x->st, &rec, id_r) < 0)
		return -1;
	e.referral_id = *id_r;
	if (store_import_add(x->st, key, *id_r, x->source, r->number, x->now) < 0 ||
	    store_event_add(x->st, &e) < 0 ||
	    (r->first_contact && store_referral_first_contact(x->st, *id_r, r->first_contact) < 0))
		return -1;
	at = r->updated ? r->updated : r->first_contact > created ? r->first_contact : created;
	if ((r->status != STATUS_NEW || r->has_value || r->updated) &&
	    set_status(x, r, *id_r, at) < 0)
		return -1;
	/* expiry counts from the import, not from the sheet's dates */
	if (!status_table[r->status].closed && store_referral_touch(x->st, *id_r, x->now) < 0)
		return -1;
	return 1;
}

/* ---- output ---- */

static void put_person(struct buf *b, const char *name, const char *email)
{
	if (name && email)
		buf_printf(b, "%s <%s>", name, email);
	else
		buf_adds(b, name ? name : email);
}

/* "row 7: referral #12: Bob Smith <bob@x.test> from Sarah Lee, won
 * $12,000, 2026-03-02" */
static void print_row(struct run *x, const struct row *r, int rc, int64_t id)
{
	struct buf b = {0};
	char money[48], date[32];
	time_t t = (time_t)(r->created ? r->created : x->now);
	struct tm tm;

	if (x->o->quiet)
		return;
	buf_printf(&b, "row %u: ", r->number);
	if (rc == 0)
		buf_printf(&b, "already there (referral #%" PRId64 "): ", id);
	else if (x->o->dry_run)
		buf_adds(&b, "referral ");
	else
		buf_printf(&b, "referral #%" PRId64 ": ", id);
	put_person(&b, r->lead_name, r->lead_email);
	if (r->referrer_name || r->referrer_email) {
		buf_adds(&b, " from ");
		put_person(&b, r->referrer_name, r->referrer_email);
	}
	buf_printf(&b, ", %s", status_name(r->status));
	if (r->has_value)
		buf_printf(&b, " %s", lifecycle_money(x->cfg, r->value, money, sizeof(money)));
	localtime_r(&t, &tm);
	strftime(date, sizeof(date), r->has_time ? "%Y-%m-%d %H:%M" : "%Y-%m-%d", &tm);
	buf_printf(&b, ", %s", date);
	if (!r->created)
		buf_adds(&b, " (no date: the import's)");
	puts(b.s);
	buf_free(&b);
}

/* ---- the run ---- */

static int import_rows(struct run *x, const struct sheet *s, long h, const struct columns *c,
                       enum import_dates order)
{
	struct progress *bar =
	        progress_start("import", "rows", s->nrows - (size_t)h - 1, !x->o->quiet);
	char note[64] = "";
	int rc = 0;

	for (size_t i = (size_t)h + 1; i < s->nrows && rc == 0; i++) {
		const struct sheet_row *sr = &s->rows[i];
		struct row r = {0};
		int64_t id = 0;
		char letters[8];

		progress_update(bar, i - (size_t)h, note);
		if (sr->ncells == 0 && sr->error == NULL)
			continue;
		x->stats->rows++;
		if (sr->error) {
			const char *name = sr->error_col && sr->error_col <= c->header->ncells
			                           ? c->header->cells[sr->error_col - 1]
			                           : "";

			log_error("%s: row %u, column %s%s%s%s: %s; row skipped", x->o->path,
			          sr->row, sheet_column_name(sr->error_col, letters),
			          *name ? " (" : "", name, *name ? ")" : "", sr->error);
			x->stats->skipped++;
		} else if (read_row(x->cfg, c, sr, order, &r) != 0) {
			log_error("%s: row %u, %s; row skipped", x->o->path, sr->row, r.error);
			x->stats->skipped++;
		} else if ((rc = write_row(x, &r, &id)) >= 0) {
			x->stats->added += rc == 1;
			x->stats->existing += rc == 0;
			print_row(x, &r, rc, id);
			rc = 0;
		}
		row_clear(&r);
		snprintf(note, sizeof(note), "%zu added, %zu skipped", x->stats->added,
		         x->stats->skipped);
	}
	progress_end(bar);
	return rc;
}

/* Reads and maps the file: the sheet (free it), or NULL (logged). */
static struct sheet *read_sheet(const struct import_opts *o, struct columns *c, long *h_r,
                                enum import_dates *order_r)
{
	struct sheet *s = NULL;
	char *data = NULL, *err = NULL;
	size_t len = 0;
	int order;

	if (file_read(o->path, SHEET_MAX_BYTES, &data, &len) != 0) {
		log_error("%s: %s", o->path,
		          errno == EFBIG ? "larger than the 64 MiB a sheet may be"
		                         : strerror(errno));
		return NULL;
	}
	if (sheet_parse(data, len, &s, &err) != 0) {
		log_error("%s: %s", o->path, err);
		free(err);
		free(data);
		return NULL;
	}
	free(data);
	if (s->cp1252)
		log_warn("%s: not UTF-8: read as Windows-1252 (Excel's \"CSV\"); export as \"CSV "
		         "UTF-8\" to be sure of the accents",
		         o->path);
	*h_r = map_columns(o->path, s, o, c);
	order = *h_r < 0                 ? -1
	        : o->dates != DATES_AUTO ? (int)o->dates
	                                 : file_date_order(o->path, s, *h_r, c);
	if (order < 0) {
		sheet_free(s);
		return NULL;
	}
	*order_r = (enum import_dates)order;
	return s;
}

int import_file(const struct config *cfg, struct store *st, const struct import_opts *o,
                struct import_stats *stats)
{
	char *copy = xstrdup(o->path);
	struct run x = {.cfg = cfg,
	                .st = st,
	                .o = o,
	                .source = basename(copy),
	                .now = clock_now(),
	                .stats = stats};
	struct columns c;
	struct sheet *s;
	enum import_dates order = DATES_AUTO;
	long h = -1;
	int rc = -1;

	memset(stats, 0, sizeof(*stats));
	s = read_sheet(o, &c, &h, &order);
	if (s == NULL)
		goto out;
	if (store_begin(st) != 0)
		goto store_error;
	if (import_rows(&x, s, h, &c, order) != 0) {
		store_rollback(st);
		goto store_error;
	}
	if (o->dry_run)
		store_rollback(st);
	else if (store_commit(st) != 0)
		goto store_error;
	rc = 0;
	goto out;
store_error:
	log_error("%s: %s", o->path, store_error(st));
	store_rollback(st);
	memset(stats, 0, sizeof(*stats));
out:
	sheet_free(s);
	free(copy);
	return rc;
}
