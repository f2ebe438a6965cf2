/*
 * store_privacy.c - people's data: all that is held about one address
 * (`export-person`), and erasing it (`forget`).  See store.h.
 *
 * Erasing keeps the counts: a referral, its status, value and dates, its
 * events and the rows of the mail around it stay, tied to a person with
 * no name and no address, so the report does not change its figures.
 * What goes is whatever says who the person is: the people row's name,
 * address, phone and company, the text of their mail, and every other
 * mention of the address in stored text (the store never keeps a mail's
 * body, only what intake took from it: context, need, subject...).
 *
 * Mentions are replaced by one SQL function, refagent_scrub() (in C on
 * SQLite, registered by store_sqlite.c; regular expressions of the same
 * rule on PostgreSQL, pg_schema), over every text column that can hold
 * an address, of the business's rows only; the
 * person's name and phone are replaced only on the rows that are theirs,
 * so a "Tom" elsewhere is left alone.  The file itself is cleaned by the
 * caller (store_secure_delete, store_compact): an UPDATE leaves the old
 * text in free space and in the write-ahead log until then.
 *
 * The one thing kept is an opt-out: forgetting someone who asked for no
 * more mail must not make them mailable again when a friend introduces
 * them next year.  So their address is kept as a hash (optouts), which
 * says nothing to whoever reads the file but is found again when the same
 * address is added (store_person_ensure).
 */
#include "store_p.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* ---- the opt-out hash ---- */

/*
 * Two 64-bit FNV-1a runs with different seeds: 128 bits, so distinct
 * addresses do not collide in practice.  Any hash of an address can be
 * checked against an address one already knows (that is what it is kept
 * for); what it cannot do is give the address back.
 */
void address_hash(const char *lower, char out[static ADDRESS_HASH_LEN])
{
	size_t n = strlen(lower);
	uint64_t a = hash_fnv1a(lower, n, UINT64_C(0xcbf29ce484222325));
	uint64_t b = hash_fnv1a(lower, n, UINT64_C(0x6f707420) ^ a);

	snprintf(out, ADDRESS_HASH_LEN, "%016llx%016llx", (unsigned long long)a,
	         (unsigned long long)b);
}

/* ---- refagent_scrub(): finding and replacing mentions ---- */

static int addr_char(char c)
{
	return isalnum((unsigned char)c) || strchr("._%+-", c);
}

/* A mention of needle (length n) at s[i..i+n) stands on its own: not
 * inside a longer word, name or address. */
static int standalone(const char *s, size_t i, size_t n, int address)
{
	char before = i ? s[i - 1] : ' ', after = s[i + n];

	if (address) {
		/* jim.bob@x.test is not bob@x.test; bob@x.test.au is not either */
		if (addr_char(before))
			return 0;
		return !(isalnum((unsigned char)after) || after == '-' || after == '_' ||
		         (after == '.' && isalnum((unsigned char)s[i + n + 1])));
	}
	return !isalnum((unsigned char)before) && !isalnum((unsigned char)after);
}

/* Replaces the stand-alone mentions of needle in b (ASCII case folded). */
static int replace(struct buf *b, const char *needle, int address)
{
	size_t n = needle ? strlen(needle) : 0;
	struct buf out = {0};
	int hits = 0;

	/* a name of one letter, or a short number, would hit everything */
	if (n < (address ? 3 : 2) || b->len < n)
		return 0;
	for (size_t i = 0; i < b->len;) {
		if (i + n <= b->len && strncasecmp(b->s + i, needle, n) == 0 &&
		    standalone(b->s, i, n, address)) {
			buf_adds(&out, "(forgotten)");
			i += n;
			hits++;
		} else {
			buf_addc(&out, b->s[i++]);
		}
	}
	if (hits) {
		buf_free(b);
		*b = out;
	} else {
		buf_free(&out);
	}
	return hits;
}

char *scrub_text(const struct scrub *sc, const char *text, int theirs)
{
	struct buf b = {0};
	int hits;

	if (sc->email == NULL || text == NULL)
		return NULL;
	/* most text mentions nobody: no copy for it */
	if (!strcasestr(text, sc->email) &&
	    !(theirs && ((sc->name && *sc->name && strcasestr(text, sc->name)) ||
	                 (sc->phone && *sc->phone && strcasestr(text, sc->phone)))))
		return NULL;
	buf_adds(&b, text);
	hits = replace(&b, sc->email, 1);
	if (theirs) {
		hits += replace(&b, sc->name, 0);
		hits += replace(&b, sc->phone, 0);
	}
	if (hits == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* ---- export-person ---- */

/* One person's rows of statement id into *v_r, *n_r. */
static int rows_of(struct store *st, enum stmt_id id, const char *email, int64_t person,
                   size_t size, void (*fill)(struct q *, void *), void (*drop)(void *, size_t),
                   void *v_r, size_t *n_r)
{
	void *v = NULL;
	int rc;

	switch (id) {
	case ST_PERSON_EVENTS:
		rc = sql_rows(st, id, BINDS(B_TEXT(":email", email), B_ID(":id", person)), size,
		              fill, drop, &v, n_r);
		break;
	case ST_PERSON_MESSAGES:
	case ST_PERSON_JOBS:
		rc = sql_rows(st, id, BINDS(B_TEXT(":email", email)), size, fill, drop, &v, n_r);
		break;
	default:
		rc = sql_rows(st, id, BINDS(B_ID(":id", person)), size, fill, drop, &v, n_r);
		break;
	}
	*(void **)v_r = v;
	return rc < 0 ? store_failed(st, "%s " ERR_ARG, stmt_def[id].name, email) : 0;
}

int store_person_export(struct store *st, const char *email, struct person_export *x)
{
	char *e = email_norm(email), hash[ADDRESS_HASH_LEN];
	struct q q;
	int rc = -1, found;

	memset(x, 0, sizeof(*x));
	if (e == NULL)
		return 0;
	found = sql_query(&q, st, ST_PERSON_GET, BINDS(B_TEXT(":email", e)));
	if (found > 0) {
		x->found = 1;
		col_fill(&q, &person_record_columns, &x->person);
	}
	sql_end(&q);
	if (found < 0) {
		store_failed(st, "read person " ERR_ARG, e);
		goto out;
	}
	address_hash(e, hash);
	found = sql_query(&q, st, ST_OPTOUT_FIND, BINDS(B_TEXT(":hash", hash)));
	if (found > 0)
		x->optout_kept = col_int(&q, "at");
	sql_end(&q);
	if (found < 0) {
		store_failed(st, "read opt-outs");
		goto out;
	}
	if (rows_of(st, ST_PERSON_REFERRALS, e, x->person.id, sizeof(*x->referrals), referral_fill,
	            referrals_drop, &x->referrals, &x->nreferrals) < 0 ||
	    rows_of(st, ST_PERSON_EVENTS, e, x->person.id, sizeof(*x->events), event_fill,
	            events_drop, &x->events, &x->nevents) < 0 ||
	    rows_of(st, ST_PERSON_MESSAGES, e, 0, sizeof(*x->messages), message_fill, messages_drop,
	            &x->messages, &x->nmessages) < 0 ||
	    rows_of(st, ST_PERSON_JOBS, e, 0, sizeof(*x->jobs), job_fill, jobs_drop, &x->jobs,
	            &x->njobs) < 0 ||
	    rows_of(st, ST_PERSON_REWARDS, e, x->person.id, sizeof(*x->rewards), reward_fill,
	            rewards_drop, &x->rewards, &x->nrewards) < 0)
		goto out;
	rc = 0;
out:
	free(e);
	if (rc != 0)
		store_person_export_clear(x);
	return rc;
}

void store_person_export_clear(struct person_export *x)
{
	col_clear(&person_record_columns, &x->person);
	store_referral_views_free(x->referrals, x->nreferrals);
	store_event_views_free(x->events, x->nevents);
	messages_drop(x->messages, x->nmessages);
	store_job_views_free(x->jobs, x->njobs);
	store_reward_views_free(x->rewards, x->nrewards);
	memset(x, 0, sizeof(*x));
}

/* ---- forget ---- */

/* The statements that replace mentions, in the order they run. */
static const enum stmt_id scrubs[] = {
        ST_SCRUB_EVENTS, ST_SCRUB_REFERRALS, ST_SCRUB_MESSAGES, ST_SCRUB_JOBS,
        ST_SCRUB_OTHER,  ST_SCRUB_PEOPLE,    ST_SCRUB_IMPORTS,  ST_SCRUB_REWARDS,
};

/* Runs one UPDATE of the forget; adds the rows it changed to *n. */
static int step(struct store *st, enum stmt_id id, const struct bind *b, int *n)
{
	int changed = sql_exec(st, id, b);

	if (changed < 0)
		return store_failed(st, "%s", stmt_def[id].name);
	*n += changed;
	return 0;
}

/* Everything but the scrub, for the person row id (0: there is none). */
static int forget_records(struct store *st, const char *e, const struct person_record *p,
                          int64_t now, struct forget_counts *c)
{
	char hash[ADDRESS_HASH_LEN];
	int added = 0;

	if (p->id && p->opted_out_at) {
		address_hash(e, hash);
		if (step(st, ST_OPTOUT_ADD,
		         BINDS(B_TEXT(":hash", hash), B_INT(":at", p->opted_out_at)),
		         &c->optout) < 0)
			return -1;
	}
	if (store_jobs_cancel_recipient(st, e, now, "the recipient's data was erased", &c->jobs) <
	    0)
		return -1;
	if (p->id == 0)
		return step(st, ST_FORGET_MESSAGES, BINDS(B_TEXT(":email", e), B_ID(":id", 0)),
		            &c->messages);
	if (step(st, ST_FORGET_EVENTS_ADD,
	         BINDS(B_INT(":at", now), B_TEXT(":actor", "cli"), B_INT(":id", p->id)),
	         &c->referrals) < 0 ||
	    step(st, ST_FORGET_AS_LEAD, BINDS(B_INT(":id", p->id)), &added) < 0 ||
	    step(st, ST_FORGET_AS_REFERRER, BINDS(B_INT(":id", p->id)), &added) < 0 ||
	    step(st, ST_FORGET_MESSAGES, BINDS(B_TEXT(":email", e), B_INT(":id", p->id)),
	         &c->messages) < 0)
		return -1;
	return 0;
}

static int forget_scrub(struct store *st, const char *e, int64_t person, struct forget_counts *c)
{
	for (size_t i = 0; i < ARRAY_SIZE(scrubs); i++) {
		int rc;

		switch (scrubs[i]) {
		case ST_SCRUB_EVENTS:
			rc = step(st, scrubs[i], BINDS(B_ID(":id", person)), &c->scrubbed);
			break;
		case ST_SCRUB_JOBS:
			rc = step(st, scrubs[i], BINDS(B_TEXT(":email", e), B_ID(":id", person)),
			          &c->scrubbed);
			break;
		default:
			rc = step(st, scrubs[i], NULL, &c->scrubbed);
			break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

int store_person_forget(struct store *st, const char *email, int64_t now, struct forget_counts *c)
{
	char *e = email_norm(email);
	struct person_record p = {0};
	struct q q;
	int found, rc = -1;

	memset(c, 0, sizeof(*c));
	if (e == NULL)
		return 0;
	found = sql_query(&q, st, ST_PERSON_GET, BINDS(B_TEXT(":email", e)));
	if (found > 0)
		col_fill(&q, &person_record_columns, &p);
	sql_end(&q);
	if (found < 0) {
		store_failed(st, "read person " ERR_ARG, e);
		goto out;
	}
	if (forget_records(st, e, &p, now, c) < 0)
		goto out;
	if (sql_scrub_set(st, e, p.name, p.phone) < 0) {
		store_failed(st, "forget: what to replace");
		goto out;
	}
	if (forget_scrub(st, e, p.id, c) < 0)
		goto out;
	if (p.id && step(st, ST_FORGET_PERSON, BINDS(B_INT(":at", now), B_INT(":id", p.id)),
	                 &c->people) < 0)
		goto out;
	rc = 0;
out:
	sql_scrub_set(st, NULL, NULL, NULL);
	col_clear(&person_record_columns, &p);
	free(e);
	return rc;
}
