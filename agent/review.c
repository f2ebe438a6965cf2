/*
 * review.c - the admin's review by mail (see review.h).
 *
 * Why by mail: held referrals used to wait in silence until someone
 * thought of `refagent list --status held`, while the people behind them
 * waited for a thank-you or a welcome.  The admin already reads mail, so
 * the agent writes when there is something to decide and reads the
 * answer, the way reps answer with status lines.
 *
 * Why "all" means the listed ones: an answer can only be about what its
 * writer saw.  A referral held after the review mail went out is not
 * released by a "release all" written before it arrived.
 *
 * An answer is a plan (release these, reject those, release that one
 * with its referrer and lead exchanged: swap) made from its lines;
 * when it needs a confirmation the plan is stored in canonical form
 * ("release 12 14; reject 15") as the confirmation's argument, and read
 * back with the same parser when the admin says yes.
 */
#include "review.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "config.h"
#include "intake.h"
#include "jobnote.h"
#include "kinds.h"
#include "lifecycle.h"
#include "log.h"
#include "schedule.h"
#include "store.h"
#include "util.h"

/* The command column of a confirmation that holds an admin's answer. */
#define REVIEW_COMMAND "review"
/* Items per review mail; more go in the next one. */
#define REVIEW_BATCH 500
/* Items looked at per call. */
#define REVIEW_MAX 5000
/* Actions in one answer. */
#define PLAN_MAX 1000

int review_is_command(const char *command)
{
	return str_ieq(command, REVIEW_COMMAND);
}

/* ---- the lines of the review mail ---- */

/* A value from incoming mail on the line: a CR or LF (RFC 2047 can
 * encode them) must not start a line of its own, which an answer quoting
 * the mail without "> " would then carry as an instruction. */
static void add_value(struct buf *b, const char *v)
{
	for (; v && *v; v++)
		buf_addc(b, (unsigned char)*v < 0x20 ? ' ' : *v);
}

static void add_person(struct buf *b, const char *what, const struct person_view *p)
{
	if (p->name == NULL && p->email == NULL)
		return;
	buf_printf(b, "; %s ", what);
	add_value(b, p->name);
	buf_adds(b, p->name && p->email ? " <" : "");
	add_value(b, p->email);
	buf_adds(b, p->name && p->email ? ">" : "");
}

static void add_subject(struct buf *b, const char *subject)
{
	if (subject == NULL)
		return;
	buf_adds(b, ", \"");
	add_value(b, subject);
	buf_addc(b, '"');
}

/* One line for referral id; 1 when it still waits (held), 0 when not. */
static int referral_line(struct store *st, int64_t id, struct buf *b)
{
	struct referral_view v = {0};
	int rc = store_referral_get(st, id, &v, NULL, NULL), waiting;

	if (rc <= 0) {
		if (rc == 0)
			buf_printf(b, "#%" PRId64 " no longer exists\n", id);
		return rc;
	}
	waiting = v.status && strcmp(v.status, status_name(STATUS_HELD)) == 0;
	if (!waiting) {
		buf_printf(b, "#%" PRId64 " no longer held (now %s)\n", id, v.status);
	} else {
		buf_printf(b, "#%" PRId64 " held: ", id);
		add_value(b, v.held_reason ? v.held_reason : "no reason recorded");
		add_person(b, "lead", &v.lead);
		add_person(b, "referrer", &v.referrer);
		add_subject(b, v.subject);
		buf_addc(b, '\n');
	}
	store_referral_view_clear(&v);
	return waiting;
}

/* One line for message id, which named someone without an address. */
static int message_line(struct store *st, int64_t id, struct buf *b)
{
	struct message_view v;
	int rc = store_message_get(st, id, &v);

	if (rc <= 0)
		return rc;
	buf_printf(b, "message %" PRId64 " named someone we cannot reach: ", id);
	add_value(b, v.why ? v.why : "no reason recorded");
	if (v.from_email) {
		buf_adds(b, "; from ");
		add_value(b, v.from_email);
	}
	add_subject(b, v.subject);
	buf_addc(b, '\n');
	store_message_view_clear(&v);
	return 1;
}

/* Calls fn for each id of the space-separated list in note's fact name. */
static int each_id(const char *note, const char *name, int (*fn)(void *ctx, int64_t id), void *ctx)
{
	char *list = jobnote_get(note, name), *p = list, *end;
	int rc = 0;

	while (p && *p && rc >= 0) {
		long long id = strtoll(p, &end, 10);

		if (end == p)
			break;
		if (id > 0)
			rc = fn(ctx, (int64_t)id);
		p = end;
	}
	free(list);
	return rc;
}

struct lines {
	struct store *st;
	int (*line)(struct store *st, int64_t id, struct buf *b); /* referral_line, ... */
	struct buf b;
	int waiting;
	int64_t first_held; /* the first referral still held, 0: none */
	int failed;
};

static int add_line(void *ctx, int64_t id)
{
	struct lines *l = ctx;
	int rc = l->line(l->st, id, &l->b);

	l->waiting += rc > 0;
	if (rc > 0 && l->line == referral_line && l->first_held == 0)
		l->first_held = id;
	l->failed |= rc < 0;
	return 0;
}

char *review_items_text(struct store *st, const char *note, int *count_r, int64_t *first_held_r)
{
	struct lines l = {.st = st, .line = referral_line};

	each_id(note, "review.referrals", add_line, &l);
	l.line = message_line;
	each_id(note, "review.messages", add_line, &l);
	*count_r = l.waiting;
	if (first_held_r)
		*first_held_r = l.first_held;
	if (l.failed)
		log_error("review mail: %s", store_error(st));
	if (l.b.len == 0) {
		buf_free(&l.b);
		return NULL;
	}
	l.b.s[--l.b.len] = '\0'; /* the template ends the last line */
	return buf_steal(&l.b);
}

/* ---- listing new items ---- */

/* Is there no review mail yet today (the business's day), and is it open? */
static int daily_due(struct store *st, const struct config *cfg, int64_t now, int *due_r)
{
	int64_t last = 0;
	int rc;

	*due_r = 0;
	if (!schedule_is_open(cfg, now))
		return 0;
	rc = store_review_last(st, &last);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		*due_r = 1;
	} else {
		time_t a = (time_t)last, b = (time_t)now;
		struct tm la, lb;

		localtime_r(&a, &la);
		localtime_r(&b, &lb);
		*due_r = la.tm_year != lb.tm_year || la.tm_yday != lb.tm_yday;
	}
	return 0;
}

/* With no admin to tell, each item is logged once. */
static int log_items(struct store *st, const struct review_item *v, size_t n, int64_t now)
{
	for (size_t i = 0; i < n; i++) {
		struct buf b = {0};
		int rc = v[i].referral_id ? referral_line(st, v[i].referral_id, &b)
		                          : message_line(st, v[i].message_id, &b);

		if (rc < 0) {
			buf_free(&b);
			return -1;
		}
		if (b.len)
			b.s[--b.len] = '\0';
		log_warn("%s: nobody reviews it, no [agent] admin is set (refagent list --status "
		         "held)",
		         b.s ? b.s : "an item for review");
		buf_free(&b);
		if (store_review_listed(st, &v[i], NULL, now) < 0)
			return -1;
	}
	return 0;
}

/* One review-admin mail for v[0..n). */
static int mail_items(struct store *st, const struct config *cfg, const struct review_item *v,
                      size_t n, int64_t now)
{
	struct buf refs = {0}, msgs = {0}, note = {0};
	char *key = schedule_message_id(cfg, 0, mail_name(MAIL_REVIEW_ADMIN));
	struct job_spec_pub js = {.kind = MAIL_REVIEW_ADMIN, .to = cfg->admin, .due = now};
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		if (v[i].referral_id)
			buf_printf(&refs, "%s%" PRId64, refs.len ? " " : "", v[i].referral_id);
		else
			buf_printf(&msgs, "%s%" PRId64, msgs.len ? " " : "", v[i].message_id);
	}
	jobnote_add(&note, "review.referrals", refs.s);
	jobnote_add(&note, "review.messages", msgs.s);
	js.note = note.s;
	js.message_key = key;
	rc = schedule_job(st, cfg, &js, now);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = store_review_listed(st, &v[i], key, now);
	buf_free(&refs);
	buf_free(&msgs);
	buf_free(&note);
	free(key);
	return rc;
}

int review_schedule(struct store *st, const struct config *cfg, int64_t now, int *n_r)
{
	struct review_item *v = NULL;
	size_t n = 0;
	int rc = 0, due = 1;

	*n_r = 0;
	if (store_reviews_new(st, status_name(STATUS_HELD), REVIEW_MESSAGE_KIND, REVIEW_MAX, &v,
	                      &n) < 0)
		return -1;
	if (n > 0 && cfg->admin && cfg->review_daily)
		rc = daily_due(st, cfg, now, &due);
	if (n == 0 || rc < 0 || !due) {
		free(v);
		return rc;
	}
	if (cfg->admin == NULL)
		rc = log_items(st, v, n, now);
	for (size_t i = 0; cfg->admin && i < n && rc == 0; i += REVIEW_BATCH)
		rc = mail_items(st, cfg, v + i, n - i < REVIEW_BATCH ? n - i : REVIEW_BATCH, now);
	if (rc == 0)
		*n_r = (int)n;
	free(v);
	return rc;
}

/* ---- the admin's answer ---- */

/* What the admin can do to a held referral: go ahead, go ahead with the
 * referrer and the lead exchanged (the mail was read the wrong way
 * round), or reject it. */
enum verb { V_RELEASE, V_REJECT, V_SWAP, V_COUNT };

static const char *const verb_names[V_COUNT] = {"release", "reject", "swap"};

struct action {
	int64_t id;
	enum verb verb;
};

struct plan {
	struct action a[PLAN_MAX];
	size_t n;
	struct buf problems; /* "; "-separated */
};

static void problem(struct plan *p, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void problem(struct plan *p, const char *fmt, ...)
{
	char line[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	buf_printf(&p->problems, "%s%s", p->problems.len ? "; " : "", line);
}

/* Adds an action; the same referral twice with different verbs does
 * none of them. */
static void plan_add(struct plan *p, int64_t id, enum verb v)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->a[i].id != id)
			continue;
		if (p->a[i].verb != v) {
			problem(p, "#%" PRId64 ": both %s and %s; nothing done to it", id,
			        verb_names[p->a[i].verb], verb_names[v]);
			p->a[i] = p->a[--p->n];
		}
		return;
	}
	if (p->n < PLAN_MAX)
		p->a[p->n++] = (struct action){id, v};
}

/* "release", "reject" or "swap" as the first word of s, or -1 for
 * none; *rest_r after the word. */
static int verb(const char *s, const char **rest_r)
{
	for (int k = 0; k < V_COUNT; k++) {
		size_t n = strlen(verb_names[k]);

		if (str_istarts(s, verb_names[k]) &&
		    (s[n] == '\0' || s[n] == ' ' || s[n] == '\t')) {
			*rest_r = s + n;
			return k;
		}
	}
	return -1;
}

/* The ids of one line after its verb: numbers ("12", "#12"), "all",
 * separated by blanks, commas or "and", into p.  A line with any other
 * word adds nothing.  0, -1 when a word is none of these (or there is no
 * id), -2 on a store error. */
static int line_ids(struct store *st, struct plan *p, const char *rest, enum verb v)
{
	char *copy = xstrdup(rest), *save = NULL;
	int64_t *ids = NULL, *all = NULL;
	size_t n = 0, cap = 0, nall = 0;
	int rc = 0, saw_all = 0;

	for (char *t = strtok_r(copy, " \t,", &save); t && rc == 0;
	     t = strtok_r(NULL, " \t,", &save)) {
		long id;

		if (str_ieq(t, "and") || str_ieq(t, "&"))
			continue;
		if (str_ieq(t, "all") && v == V_SWAP) {
			/* every held referral read the wrong way round is
			 * never what the admin means */
			problem(p, "\"swap all\": name each referral to swap");
			saw_all = 1;
			continue;
		}
		if (str_ieq(t, "all")) {
			saw_all = 1;
			free(all);
			all = NULL;
			if (store_reviews_listed_held(st, status_name(STATUS_HELD), &all, &nall) <
			    0)
				rc = -2;
			continue;
		}
		if (*t == '#')
			t++;
		if (parse_long(t, 1, LONG_MAX, &id) != 0) {
			rc = -1;
			break;
		}
		ids = xgrow(ids, &cap, n + 1, sizeof(*ids));
		ids[n++] = id;
	}
	if (rc == 0 && n == 0 && !saw_all)
		rc = -1;
	if (rc == 0 && saw_all && nall == 0 && v != V_SWAP)
		problem(p, "\"all\": no held referral has been listed for review");
	for (size_t i = 0; rc == 0 && i < nall; i++)
		plan_add(p, all[i], v);
	for (size_t i = 0; rc == 0 && i < n; i++)
		plan_add(p, ids[i], v);
	free(ids);
	free(all);
	free(copy);
	return rc;
}

/*
 * The plan of text: its lines that start with release, reject or swap.  In an
 * answer by mail (stored 0) other lines are the answer's greeting or
 * signature and are skipped.  A stored plan (stored 1, canonical) has no
 * others and is split at ";" too; a mail is split at line ends only, so
 * nothing a referrer wrote on one line of the review mail can become an
 * instruction.  Then each action whose referral is not held is a
 * problem.  0, or -1 on a store error.
 */
static int plan_read(struct store *st, const char *text, int stored, struct plan *p)
{
	const char *seps = stored ? "\n;" : "\n";
	char *copy = xstrdup(text ? text : ""), *save = NULL;
	int rc = 0;

	for (char *l = strtok_r(copy, seps, &save); l && rc == 0; l = strtok_r(NULL, seps, &save)) {
		const char *rest;
		int k;

		str_trim(l);
		k = verb(l, &rest);
		if (k < 0) {
			if (stored && *l)
				problem(p, "not understood: \"%.60s\"", l);
			continue;
		}
		rc = line_ids(st, p, rest, (enum verb)k);
		if (rc == -1) {
			problem(p, "not understood: \"%.60s\"", l);
			rc = 0;
		}
	}
	free(copy);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < p->n;) {
		struct referral_view v = {0};
		int found = store_referral_get(st, p->a[i].id, &v, NULL, NULL), held;

		if (found < 0)
			return -1;
		held = found && strcmp(v.status, status_name(STATUS_HELD)) == 0;
		if (!found)
			problem(p, "#%" PRId64 ": no such referral", p->a[i].id);
		else if (!held)
			problem(p, "#%" PRId64 " is not held (it is %s)", p->a[i].id, v.status);
		store_referral_view_clear(&v);
		if (held)
			i++;
		else
			p->a[i] = p->a[--p->n];
	}
	return 0;
}

/* "release 12 14; reject 15; swap 16" (canonical, for a confirmation)
 * or, with words, "release #12, #14 and #16; reject #15" (for
 * people). */
static void plan_text(const struct plan *p, int words, struct buf *b)
{
	for (int v = 0; v < V_COUNT; v++) {
		size_t total = 0, k = 0;

		for (size_t i = 0; i < p->n; i++)
			total += p->a[i].verb == (enum verb)v;
		if (total == 0)
			continue;
		buf_printf(b, "%s%s", b->len ? "; " : "", verb_names[v]);
		for (size_t i = 0; i < p->n; i++) {
			const char *sep = !words || k == 0 ? " " : k + 1 == total ? " and " : ", ";

			if (p->a[i].verb != (enum verb)v)
				continue;
			buf_printf(b, "%s%s%" PRId64, sep, words ? "#" : "", p->a[i].id);
			k++;
		}
	}
}

/* Exchanges held referral id's referrer and lead, when the referrer has
 * an address to write to (the new lead is welcomed by mail): 1 done, 0
 * not, -1 error. */
static int swap_roles(struct store *st, int64_t id, int64_t now)
{
	struct referral_view v = {0};
	int rc = store_referral_get(st, id, &v, NULL, NULL);

	if (rc > 0 && v.referrer.email == NULL)
		rc = 0;
	store_referral_view_clear(&v);
	return rc > 0 ? store_referral_swap_roles(st, id, now) : rc;
}

/* Carries out p by actor; what happened, one clause per action, into
 * done. */
static int plan_run(struct intake *in, const struct plan *p, const char *actor, int64_t msg_id,
                    int64_t now, struct buf *done)
{
	for (size_t i = 0; i < p->n; i++) {
		enum verb v = p->a[i].verb;
		int64_t standing = 0;
		char *why = NULL;
		struct status_change c = {
		        .id = p->a[i].id,
		        .status = v == V_REJECT ? STATUS_REJECTED : STATUS_NEW,
		        .note = v == V_REJECT ? "rejected in the admin's review"
		                : v == V_SWAP ? "released in the admin's review, the referrer and "
		                                "the lead exchanged"
		                              : "released in the admin's review",
		        .actor = actor,
		        .msg_id = msg_id,
		        .now = now,
		        .standing_r = &standing};
		int rc;

		if (v == V_SWAP) {
			rc = swap_roles(in->st, c.id, now);
			if (rc < 0)
				return -1;
			if (rc == 0) {
				buf_printf(done,
				           "%s#%" PRId64
				           ": no referrer with an address to swap with",
				           done->len ? "; " : "", c.id);
				continue;
			}
		}
		rc = lifecycle_set_status(in->st, in->cfg, &c, &why);
		if (rc < 0)
			return -1;
		if (msg_id && rc == 0 && store_message_link(in->st, msg_id, c.id) < 0)
			return -1;
		buf_printf(done, "%s", done->len ? "; " : "");
		if (rc == 1)
			buf_printf(done, "#%" PRId64 ": %s", c.id, why);
		else if (v == V_REJECT)
			buf_printf(done, "rejected #%" PRId64, c.id);
		else if (standing)
			buf_printf(done,
			           "#%" PRId64
			           " introduced a lead who already has referral #%" PRId64
			           ": recorded there as a second introduction, #%" PRId64 " closed",
			           c.id, standing, c.id);
		else if (v == V_SWAP)
			buf_printf(done,
			           "released #%" PRId64 " with the referrer and the lead exchanged",
			           c.id);
		else
			buf_printf(done, "released #%" PRId64, c.id);
		free(why);
	}
	return 0;
}

/* A review-admin mail to the admin saying what was done, and listing
 * what still waits. */
static int tell_admin(struct intake *in, const char *done, int64_t now)
{
	const struct config *cfg = in->cfg;
	struct buf note = {0}, ids = {0};
	struct job_spec_pub js = {.kind = MAIL_REVIEW_ADMIN, .to = cfg->admin, .due = now};
	int64_t *held = NULL;
	size_t n = 0;
	int rc;

	if (in->no_mail || cfg->admin == NULL)
		return 0;
	if (store_reviews_listed_held(in->st, status_name(STATUS_HELD), &held, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		buf_printf(&ids, "%s%" PRId64, i ? " " : "", held[i]);
	jobnote_add(&note, "review.done", done);
	jobnote_add(&note, "review.referrals", ids.s);
	js.note = note.s;
	rc = schedule_job(in->st, cfg, &js, now);
	free(held);
	buf_free(&ids);
	buf_free(&note);
	return rc;
}

/* What was done and what was not, in one line for the admin. */
static void outcome(const struct plan *p, struct buf *done)
{
	if (done->len == 0)
		buf_adds(done, "nothing done");
	if (p->problems.len)
		buf_printf(done, "; %s", p->problems.s);
}

/* Asks the admin to confirm plan p by answering "yes" (no verdict of the
 * receiving server, or one that did not vouch: unverified_why). */
static int ask_admin(struct intake *in, const struct plan *p, const char *unverified_why,
                     int64_t now)
{
	const struct config *cfg = in->cfg;
	struct buf canon = {0}, words = {0}, note = {0};
	char *key = schedule_message_id(cfg, 0, mail_name(MAIL_CONFIRM_STATUS));
	struct job_spec_pub js = {
	        .kind = MAIL_CONFIRM_STATUS, .to = cfg->admin, .due = now, .message_key = key};
	int rc = 0;

	plan_text(p, 0, &canon);
	plan_text(p, 1, &words);
	if (p->problems.len)
		buf_printf(&words, " (left out: %s)", p->problems.s);
	jobnote_add(&note, "confirm.admin", "yes");
	jobnote_add(&note, "confirm.action", words.s);
	jobnote_add(&note, "confirm.why", unverified_why);
	js.note = note.s;
	/* the confirmation belongs to the first referral it names */
	if (!in->no_mail)
		rc = store_confirmation_add(in->st, p->a[0].id, cfg->admin, REVIEW_COMMAND, canon.s,
		                            key, now);
	if (rc == 0 && !in->no_mail)
		rc = schedule_job(in->st, cfg, &js, now);
	log_info("review answer from %s: asked to confirm \"%s\"%s%s", cfg->admin, canon.s,
	         unverified_why ? ": " : "", unverified_why ? unverified_why : "");
	buf_free(&canon);
	buf_free(&words);
	buf_free(&note);
	free(key);
	return rc;
}

int review_apply(struct intake *in, const struct message *m, const struct intake_decision *d,
                 int64_t msg_id, int64_t now)
{
	const struct config *cfg = in->cfg;
	struct plan *p;
	struct buf done = {0};
	char *why = NULL;
	enum auth_trust trust;
	int rc;

	if (cfg->admin == NULL || !str_ieq(m->from.email, cfg->admin)) {
		log_warn("%s: %s", d->key ? d->key : "message", d->why ? d->why : "not the admin");
		return 0;
	}
	p = xcalloc(1, sizeof(*p));
	rc = plan_read(in->st, m->context, 0, p);
	if (rc < 0)
		goto out;
	if (p->n == 0 && p->problems.len == 0) {
		/* no instruction at all (an auto-reply that slipped through,
		 * a thank-you): answering it could start a mail loop */
		log_info("%s: an answer to the review mail without release, reject or swap lines",
		         d->key ? d->key : "message");
		goto out;
	}
	if (p->n == 0) {
		outcome(p, &done);
		rc = tell_admin(in, done.s, now);
		goto out;
	}
	trust = auth_trust(m, cfg->authserv_id, cfg->admin, &why);
	if (trust == AUTH_VERIFIED) {
		rc = plan_run(in, p, cfg->admin, msg_id, now, &done);
		outcome(p, &done);
		if (rc == 0)
			rc = tell_admin(in, done.s, now);
	} else {
		rc = ask_admin(in, p,
		               trust == AUTH_UNVERIFIED ? (why ? why : "not verified") : NULL, now);
	}
out:
	free(why);
	buf_free(&done);
	buf_free(&p->problems);
	free(p);
	return rc;
}

int review_confirmed(struct intake *in, const struct confirmation_view *c, int64_t msg_id,
                     int64_t now)
{
	struct plan *p = xcalloc(1, sizeof(*p));
	struct buf done = {0};
	int rc = plan_read(in->st, c->arg, 1, p);

	if (rc == 0)
		rc = plan_run(in, p, c->rep, msg_id, now, &done);
	if (rc == 0) {
		outcome(p, &done);
		rc = tell_admin(in, done.s, now);
	}
	buf_free(&done);
	buf_free(&p->problems);
	free(p);
	return rc;
}

int review_unverified(struct intake *in, const struct confirmation_view *c, const char *why,
                      int64_t now)
{
	char done[700];

	snprintf(done, sizeof(done),
	         "nothing done: the answer to the confirmation of \"%s\" could not be verified "
	         "(%s); it still waits for your yes",
	         c->arg ? c->arg : "", why ? why : "not verified");
	return tell_admin(in, done, now);
}

/* ---- recognising an answer ---- */

/* Does m name a review mail in In-Reply-To or References?  1, 0, -1. */
static int names_review_mail(struct store *st, const struct message *m)
{
	const char *keys[9];
	size_t n = 0;

	if (m->in_reply_to)
		keys[n++] = m->in_reply_to;
	for (size_t i = m->nreferences; i > 0 && n < ARRAY_SIZE(keys); i--)
		keys[n++] = m->references[i - 1];
	for (size_t i = 0; i < n; i++) {
		char *kind = NULL;
		int rc = store_sent_message_kind(st, keys[i], &kind), yes;

		if (rc < 0)
			return -1;
		yes = rc == 1 && mail_is(kind, MAIL_REVIEW_ADMIN);
		free(kind);
		if (yes)
			return 1;
	}
	return 0;
}

/* Is m addressed to the agent's +review plus address? */
static int to_review_address(const struct config *cfg, const struct message *m)
{
	const struct addr_list *lists[] = {&m->to, &m->cc, &m->delivered_to};

	for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			const char *e = lists[l]->v[i].email, *plus;

			if (e && config_is_agent(cfg, e) && (plus = strchr(e, '+')) != NULL &&
			    str_istarts(plus, "+review@"))
				return 1;
		}
	return 0;
}

int review_decide(struct intake *in, const struct message *m, struct intake_decision *d)
{
	const struct config *cfg = in->cfg;
	int rc = in->st ? names_review_mail(in->st, m) : 0;

	if (rc < 0)
		return -1;
	if (rc == 0 && !to_review_address(cfg, m))
		return 0;
	d->outcome = INTAKE_REPLY;
	free(d->kind);
	d->kind = xstrdup(REVIEW_ANSWER_KIND);
	free(d->why);
	if (cfg->admin && str_ieq(m->from.email, cfg->admin))
		d->why = xasprintf("the admin %s answers the review mail", cfg->admin);
	else
		d->why = xasprintf(
		        "answer to the review mail from %s, who is not the [agent] admin: "
		        "nothing is done",
		        m->from.email ? m->from.email : "an unknown sender");
	return 1;
}
