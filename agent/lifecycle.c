/*
 * lifecycle.c - what happens to a referral after intake (see lifecycle.h).
 *
 * Each change is an event row plus the jobs it causes, in the caller's
 * transaction: the scheduler never has to guess what a status meant.
 */
#include "lifecycle.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "greeting.h"
#include "jobnote.h"
#include "kinds.h"
#include "log.h"
#include "message.h"
#include "schedule.h"
#include "store.h"
#include "util.h"

int lifecycle_status_arg(const char *name, enum status *s_r, char **why_r)
{
	if (status_parse(name, s_r))
		return 0;
	*why_r = xasprintf("'%s' is not a status (%s)", name ? name : "", status_list());
	return 1;
}

static int is(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static int event(struct store *st, int64_t id, int64_t now, const char *actor, const char *kind,
                 const char *old, const char *new, const char *detail, int64_t msg_id)
{
	struct event_rec e = {.referral_id = id,
	                      .at = now,
	                      .actor = actor ? actor : "agent",
	                      .kind = kind,
	                      .old_status = old,
	                      .new_status = new,
	                      .detail = detail,
	                      .message_id = msg_id};

	return store_event_add(st, &e);
}

static int mail(struct store *st, const struct config *cfg, int64_t id, enum mail_kind kind,
                const char *to, const char *to_name, int64_t due, int seq, const char *note,
                int64_t now)
{
	struct job_spec_pub js = {.referral_id = id,
	                          .kind = kind,
	                          .to = to,
	                          .to_name = to_name,
	                          .due = due,
	                          .seq = seq,
	                          .note = note};

	return schedule_job(st, cfg, &js, now);
}

const char *lifecycle_money(const struct config *cfg, double x, char *buf, size_t len)
{
	char digits[64], grouped[96];
	long long whole = (long long)floor(x + 0.005);
	int cents = (int)llround((x - (double)whole) * 100.0);
	size_t n, o = 0;

	if (cents >= 100) {
		whole++;
		cents -= 100;
	}
	if (cents < 0)
		cents = 0;
	snprintf(digits, sizeof(digits), "%lld", whole);
	n = strlen(digits);
	for (size_t i = 0; i < n && o < sizeof(grouped) - 2; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			grouped[o++] = ',';
		grouped[o++] = digits[i];
	}
	grouped[o] = '\0';
	if (cents)
		snprintf(buf, len, "%s%s.%02d", cfg->currency ? cfg->currency : "", grouped, cents);
	else
		snprintf(buf, len, "%s%s", cfg->currency ? cfg->currency : "", grouped);
	return buf;
}

/* 0 client, 1 partner, 2 staff. */
static int referrer_kind(const struct config *cfg, const char *email)
{
	if (email == NULL)
		return 0;
	if (config_is_business(cfg, email))
		return 2;
	if (cfg->partners) {
		char *list = str_lower(xstrdup(cfg->partners)), *save = NULL;
		int hit = 0;

		for (char *t = strtok_r(list, ", \t", &save); t && !hit;
		     t = strtok_r(NULL, ", \t", &save))
			hit = strchr(t, '@') ? str_ieq(t, email)
			                     : domain_in_list(addr_domain(email), t);
		free(list);
		if (hit)
			return 1;
	}
	return 0;
}

double lifecycle_reward(const struct config *cfg, const char *referrer_email, int has_value,
                        double value, char *rule, size_t len)
{
	static const char *const kinds[] = {"client", "partner", "staff"};
	int k = referrer_kind(cfg, referrer_email);
	const char *spec = cfg->reward[k];
	double amount, cap = cfg->reward_cap[k];
	char a[48], b[48], c[48];
	size_t sl;

	if (spec == NULL) {
		snprintf(rule, len, "%s: no reward rule", kinds[k]);
		return 0;
	}
	sl = strlen(spec);
	if (sl > 0 && spec[sl - 1] == '%') {
		double pct = strtod(spec, NULL);

		if (!has_value) {
			snprintf(rule, len, "%s: %s of the won value, which was not given",
			         kinds[k], spec);
			return 0;
		}
		amount = value * pct / 100.0;
		snprintf(rule, len, "%s: %s of %s", kinds[k], spec,
		         lifecycle_money(cfg, value, a, sizeof(a)));
	} else {
		amount = strtod(spec, NULL);
		snprintf(rule, len, "%s: %s", kinds[k], lifecycle_money(cfg, amount, a, sizeof(a)));
	}
	amount = floor(amount * 100.0 + 0.5) / 100.0;
	if (cap > 0 && amount > cap) {
		size_t used = strlen(rule);

		snprintf(rule + used, len - used, " = %s, capped at %s",
		         lifecycle_money(cfg, amount, b, sizeof(b)),
		         lifecycle_money(cfg, cap, c, sizeof(c)));
		amount = cap;
	}
	return amount;
}

/* The referrer of v, to be told about something done by actor: NULL when
 * they have no address or did it themselves. */
static const char *tell_referrer(const struct referral_view *v, const char *actor)
{
	if (v->referrer.email == NULL || str_ieq(v->referrer.email, actor))
		return NULL;
	return v->referrer.email;
}

/* Cancels the pending mail of referral id whose kind is cancelled by
 * `what` (a CANCEL_* flag of mail_table), with why. */
static int cancel_kinds(struct store *st, int64_t id, unsigned what, int64_t now, const char *why)
{
	for (int k = 0; k < MAIL_COUNT; k++)
		if ((mail_table[k].cancel & what) &&
		    store_jobs_cancel_referral(st, id, mail_name(k), now, why, NULL) < 0)
			return -1;
	return 0;
}

/* The referrer of v is told of a milestone: update.<status name>. */
static int milestone(struct store *st, const struct config *cfg, const struct referral_view *v,
                     enum status s, int64_t now)
{
	struct buf note = {0};
	char *name = xasprintf("update.%s", status_name(s));
	int rc;

	jobnote_add(&note, name, "yes");
	rc = mail(st, cfg, v->id, MAIL_UPDATE_REFERRER, v->referrer.email, v->referrer.name, now, 0,
	          note.s, now);
	buf_free(&note);
	free(name);
	return rc;
}

/* The referrer's pending news of the first contact, once the referral is
 * closed: the rep's first reply to the lead carried "#won 12000" or
 * "#lost no budget", or the contact news waited for business hours.  The
 * won news says more, and "the conversation is under way" about a lost
 * referral is untrue (its loss is told only with update_on_lost). */
static int cancel_contact_news(struct store *st, int64_t id, int64_t now, const char *why)
{
	struct job_view *j = NULL;
	size_t n = 0;
	int rc = store_jobs_pending_of(st, id, mail_name(MAIL_UPDATE_REFERRER), &j, &n);

	for (size_t i = 0; i < n && rc == 0; i++) {
		char *yes;

		yes = jobnote_get(j[i].note, "update.contacted");
		if (yes && store_job_finish(st, j[i].id, "cancelled", now, why, 0) < 0)
			rc = -1;
		free(yes);
	}
	store_job_views_free(j, n);
	return rc;
}

static int on_won(struct store *st, const struct config *cfg, const struct referral_view *v,
                  int has_value, double value, const char *actor, int64_t now)
{
	char rule[200], money[48];
	double amount;
	int64_t rid = 0;

	/* the news first, then the thank-you with the reward: due at the
	 * same time, jobs go out in the order they were made */
	if (tell_referrer(v, actor) && milestone(st, cfg, v, STATUS_WON, now) < 0)
		return -1;
	amount = lifecycle_reward(cfg, v->referrer.email, has_value, value, rule, sizeof(rule));
	if (amount > 0 && v->referrer_id) {
		int rc = store_reward_add(st, v->id, v->referrer_id, amount, rule, now, &rid);

		if (rc < 0)
			return -1; /* one reward per referral: a second win changes none */
		if (event(st, v->id, now, "agent", "reward", NULL, NULL, rule, 0) < 0)
			return -1;
		if (v->referrer.email) {
			struct buf note = {0};

			jobnote_add(&note, "reward.amount",
			            lifecycle_money(cfg, amount, money, sizeof(money)));
			rc = mail(st, cfg, v->id, MAIL_REWARD_REFERRER, v->referrer.email,
			          v->referrer.name, now, 0, note.s, now);
			buf_free(&note);
			if (rc < 0)
				return -1;
		}
	}
	if (cfg->ask_client_days > 0 && v->lead.email &&
	    mail(st, cfg, v->id, MAIL_ASK_CLIENT, v->lead.email, v->lead.name,
	         schedule_next_open(cfg, now + (int64_t)cfg->ask_client_days * 86400), 0, NULL,
	         now) < 0)
		return -1;
	return 0;
}

/* A second "#won" with another value on won referral v ("Dev added the
 * heated floor: #won 4000"): a reward still owed follows the value as
 * the rule says, noted on the history; the thank-you with the reward, if
 * it has not gone out yet, names the new amount.  A paid reward stays. */
static int correct_reward(struct store *st, const struct config *cfg, const struct referral_view *v,
                          double value, const char *actor, int64_t now)
{
	char rule[200], money[48], detail[260];
	double amount = lifecycle_reward(cfg, v->referrer.email, 1, value, rule, sizeof(rule));
	struct job_view *j = NULL;
	size_t n = 0;
	int rc;

	if (amount <= 0)
		return 0;
	rc = store_reward_correct(st, v->id, amount, rule);
	if (rc <= 0)
		return rc;
	snprintf(detail, sizeof(detail), "the won value changed: the reward owed is now %s (%s)",
	         lifecycle_money(cfg, amount, money, sizeof(money)), rule);
	if (event(st, v->id, now, actor, "reward", NULL, NULL, detail, 0) < 0 ||
	    store_jobs_pending_of(st, v->id, mail_name(MAIL_REWARD_REFERRER), &j, &n) < 0)
		return -1;
	for (size_t i = 0; i < n && rc >= 0; i++) {
		struct buf note = {0};

		jobnote_add(&note, "reward.amount", money);
		if (store_job_finish(st, j[i].id, "cancelled", now, "the won value changed", 0) <
		            0 ||
		    mail(st, cfg, v->id, MAIL_REWARD_REFERRER, j[i].recipient, j[i].recipient_name,
		         j[i].due_at, 0, note.s, now) < 0)
			rc = -1;
		buf_free(&note);
	}
	store_job_views_free(j, n);
	return rc < 0 ? -1 : 0;
}

int lifecycle_reward_paid(struct store *st, const struct config *cfg, int64_t id, const char *actor,
                          int64_t now, char **why_r)
{
	struct reward_view w;
	struct buf note = {0};
	char money[48], detail[200];
	int rc = store_reward_get(st, id, &w);

	if (rc < 0)
		return -1;
	if (rc == 0 || !is(w.state, "owed")) {
		store_reward_view_clear(&w);
		*why_r = xasprintf("no owed reward %" PRId64 " (see refagent rewards)", id);
		return 1;
	}
	lifecycle_money(cfg, w.amount, money, sizeof(money));
	snprintf(detail, sizeof(detail), "reward %" PRId64 " of %s paid", id, money);
	rc = store_reward_pay(st, id, now) == 1 ? 0 : -1;
	if (rc == 0)
		rc = event(st, w.referral_id, now, actor, "reward-paid", NULL, NULL, detail, 0);
	jobnote_add(&note, "reward.amount", money);
	if (rc == 0)
		rc = mail(st, cfg, w.referral_id, MAIL_PAID_REFERRER, w.referrer.email,
		          w.referrer.name, now, 0, note.s, now);
	buf_free(&note);
	store_reward_view_clear(&w);
	return rc;
}

static int has_reward(struct store *st, int64_t id, int *yes)
{
	int rc = store_reward_of_referral(st, id);

	*yes = rc > 0;
	return rc < 0 ? -1 : 0;
}

/* A release (held to new) of v while the lead's referral `standing`
 * holds the credit: v is a second introduction of that lead, recorded
 * there, and v closes as rejected (README "Intake rules"). */
static int settle_release(struct store *st, const struct config *cfg, const struct status_change *c,
                          const struct referral_view *v, int64_t standing, char **why_r)
{
	struct referral_view s = {0};
	struct status_change closing = *c;
	char detail[600], note[600];
	const char *by = v->referrer.name ? v->referrer.name : v->referrer.email;
	const char *lead = v->lead.name ? v->lead.name : v->lead.email;
	int rc = store_referral_get(st, standing, &s, NULL, NULL);

	if (rc <= 0)
		return rc < 0 ? -1 : 0;
	snprintf(detail, sizeof(detail),
	         "introduced again by %s (held referral %" PRId64 ", released by %s)",
	         by ? by : "an unknown referrer", v->id, c->actor ? c->actor : "agent");
	snprintf(note, sizeof(note),
	         "released by %s, but %s already has referral %" PRId64
	         " (credited to %s): recorded there as a second introduction",
	         c->actor ? c->actor : "agent", lead ? lead : "the lead", standing,
	         s.referrer.name    ? s.referrer.name
	         : s.referrer.email ? s.referrer.email
	                            : "nobody");
	store_referral_view_clear(&s);
	if (event(st, standing, c->now, c->actor, "touch", NULL, NULL, detail, c->msg_id) < 0 ||
	    store_referral_touch(st, standing, c->now) < 0 ||
	    lifecycle_second_referrer(st, cfg, standing, v->referrer.email, v->referrer.name,
	                              c->msg_id, c->now) < 0)
		return -1;
	closing.status = STATUS_REJECTED;
	closing.note = note;
	closing.standing_r = NULL;
	return lifecycle_set_status(st, cfg, &closing, why_r);
}

/* A release (held to new): held, the referral took no credit, so someone
 * may have introduced its lead meanwhile (store_referral_open_for_lead
 * skips held).  Sets *c->standing_r.  Returns 2 when the release can go
 * ahead, else what settling it returned (0, 1 refused, -1). */
static int release_check(struct store *st, const struct config *cfg, const struct status_change *c,
                         const struct referral_view *v, char **why_r)
{
	int64_t standing = 0;
	int rc = store_referral_open_for_lead(st, v->lead.email, &standing);

	if (c->standing_r)
		*c->standing_r = rc == 1 ? standing : 0;
	if (rc < 0)
		return -1;
	return rc == 1 ? settle_release(st, cfg, c, v, standing, why_r) : 2;
}

/* The refusals of lifecycle_set_status, before anything is written: 0
 * with *v (the referral; caller clears) and *old, or 1 (*why_r) or -1
 * with *v cleared. */
static int check_status(struct store *st, const struct status_change *c, struct referral_view *v,
                        enum status *old, char **why_r)
{
	const char *name = status_name(c->status);
	int64_t id = c->id;
	int rc;

	if ((unsigned)c->status >= STATUS_COUNT) {
		*why_r = xasprintf("not a status (%s)", status_list());
		return 1;
	}
	rc = store_referral_get(st, id, v, NULL, NULL);
	if (rc <= 0) {
		if (rc == 0)
			*why_r = xasprintf("no referral %" PRId64, id);
		store_referral_view_clear(v);
		return rc < 0 ? -1 : 1;
	}
	if (!status_parse(v->status, old)) {
		*why_r = xasprintf("referral %" PRId64 " has an unknown status '%s'", id,
		                   v->status ? v->status : "");
		store_referral_view_clear(v);
		return 1;
	}
	if (*old == c->status && !(c->has_value && c->status == STATUS_WON)) {
		*why_r = xasprintf("referral %" PRId64 " is already %s", id, name);
		store_referral_view_clear(v);
		return 1;
	}
	if (!(status_table[c->status].from & STATUS_BIT(*old))) {
		*why_r = xasprintf("referral %" PRId64 " cannot go from %s to %s", id,
		                   status_name(*old), name);
		store_referral_view_clear(v);
		return 1;
	}
	return 0;
}

int lifecycle_check_status(struct store *st, const struct status_change *c, char **why_r)
{
	struct referral_view v = {0};
	enum status old;
	int rc = check_status(st, c, &v, &old, why_r);

	if (rc == 0)
		store_referral_view_clear(&v);
	return rc;
}

/* The event that says the lead has written (lifecycle_lead_replied). */
#define LEAD_REPLY_EVENT "lead-reply"

/* Has the lead of referral id written (a verified reply)?  1, 0, -1. */
static int lead_has_written(struct store *st, int64_t id)
{
	struct referral_view v = {0};
	struct event_view *ev = NULL;
	size_t n = 0;
	int rc = store_referral_get(st, id, &v, &ev, &n), found = 0;

	for (size_t i = 0; rc == 1 && i < n && !found; i++)
		found = ev[i].kind && strcmp(ev[i].kind, LEAD_REPLY_EVENT) == 0;
	store_event_views_free(ev, n);
	store_referral_view_clear(&v);
	return rc < 0 ? -1 : found;
}

int lifecycle_set_status(struct store *st, const struct config *cfg, const struct status_change *c,
                         char **why_r)
{
	struct referral_view v = {0};
	char detail[600], money[48];
	const char *name = status_name(c->status), *actor = c->actor;
	const struct status_desc *to;
	enum status old;
	int64_t id = c->id, now = c->now;
	int rc = check_status(st, c, &v, &old, why_r);

	if (rc != 0)
		return rc;
	to = &status_table[c->status];
	if (c->standing_r)
		*c->standing_r = 0;
	if (c->status == STATUS_NEW && old == STATUS_HELD &&
	    (rc = release_check(st, cfg, c, &v, why_r)) != 2)
		goto out; /* settled into another referral, or failed */
	if (c->has_value)
		snprintf(detail, sizeof(detail), "%s%s%s",
		         lifecycle_money(cfg, c->value, money, sizeof(money)), c->note ? ": " : "",
		         c->note ? c->note : "");
	else
		snprintf(detail, sizeof(detail), "%s", c->note ? c->note : "");
	rc = store_referral_set_status(st, id, name, c->has_value, c->value, now);
	if (rc >= 0)
		rc = event(st, id, now, actor, "status", v.status, name, *detail ? detail : NULL,
		           c->msg_id);
	if (rc < 0)
		goto out;

	rc = -1; /* until every step below is done */
	if (to->contact && !v.first_contact_at && store_referral_first_contact(st, id, now) < 0)
		goto out;
	/* anything but waiting (new, held) ends the wait for the rep */
	if ((to->contact || to->closed) && cancel_kinds(st, id, CANCEL_CONTACT, now, name) < 0)
		goto out;
	/* a status line still waiting for the rep's "yes" would ask to
	 * change a closed referral ("Please confirm: mark Bob as won" after
	 * the win); a #note is still worth asking about */
	if (to->closed && (cancel_kinds(st, id, CANCEL_CLOSED, now, name) < 0 ||
	                   store_jobs_cancel_confirms(st, id, now, name) < 0))
		goto out;
	if (to->closed && cancel_contact_news(st, id, now, name) < 0)
		goto out;
	if (to->stop_all && store_jobs_cancel_referral(st, id, NULL, now, name, NULL) < 0)
		goto out;
	if (c->status == STATUS_CONTACTED && (old == STATUS_NEW || old == STATUS_HELD)) {
		int wrote = cfg->nudges > 0 && v.lead.email ? lead_has_written(st, id) : 1;

		if (wrote < 0 ||
		    (!wrote && mail(st, cfg, id, MAIL_NUDGE_LEAD, v.lead.email, v.lead.name,
		                    schedule_add_business_days(cfg, now, cfg->nudge_after), 1, NULL,
		                    now) < 0))
			goto out;
		if (tell_referrer(&v, actor) && milestone(st, cfg, &v, STATUS_CONTACTED, now) < 0)
			goto out;
	}
	if (c->status == STATUS_WON) {
		int rewarded = 0;

		if (has_reward(st, id, &rewarded) < 0)
			goto out;
		if (!rewarded && on_won(st, cfg, &v, c->has_value, c->value, actor, now) < 0)
			goto out;
		if (rewarded && c->has_value &&
		    correct_reward(st, cfg, &v, c->value, actor, now) < 0)
			goto out;
	}
	if (c->status == STATUS_LOST && cfg->update_on_lost && tell_referrer(&v, actor) &&
	    milestone(st, cfg, &v, STATUS_LOST, now) < 0)
		goto out;
	if (c->status == STATUS_NEW && old == STATUS_HELD) {
		const struct rep *rep = config_find_rep(cfg, v.rep_email);
		struct new_referral nr = {.id = id,
		                          .referrer_name = v.referrer.name,
		                          .referrer_email = v.referrer.email,
		                          .lead_name = v.lead.name,
		                          .lead_email = v.lead.email,
		                          .rep = rep};
		/* One thank-you for one intro, as at intake: the admin
		 * releasing the leads of a held intro one by one (or "release
		 * all") thanks its referrer for the first only. */
		int thanked = v.referrer.email
		                      ? store_source_has_job(st, id, mail_name(MAIL_THANK_REFERRER),
		                                             v.referrer.email)
		                      : 0;

		if (thanked < 0)
			goto out;
		nr.no_thanks = thanked;
		if (schedule_new_referral(st, cfg, &nr, now) < 0)
			goto out;
	}
	rc = 0;
out:
	store_referral_view_clear(&v);
	return rc;
}

/* Another rep made the first contact with the lead of referral v (Tom
 * passed it to Ana, who wrote to the lead): the referral is Ana's now, her
 * name with her address, so the referrer's news and the lead's nudge name
 * the rep the lead knows, and the report credits her.  Out of the first
 * rep's digest too, and Tom's assignment not sent yet is moot: it would
 * tell him to call a lead Ana has already reached. */
static int hand_over(struct store *st, const struct referral_view *v, const struct rep *to,
                     int64_t msg_id, int64_t now)
{
	char detail[400];

	snprintf(detail, sizeof(detail),
	         "%s made the first contact: the referral is theirs (was %s)", to->email,
	         v->rep_email ? v->rep_email : "nobody's");
	if (store_referral_set_rep(st, v->id, to->email, to->name, now) < 0 ||
	    store_digest_done(st, v->id) < 0 ||
	    store_jobs_cancel_referral(st, v->id, mail_name(MAIL_ASSIGN_REP), now, detail, NULL) <
	            0)
		return -1;
	return event(st, v->id, now, to->email, "rep", NULL, NULL, detail, msg_id);
}

int lifecycle_first_contact(struct store *st, const struct config *cfg, int64_t id,
                            const char *actor, int64_t msg_id, int64_t now, int *changed_r)
{
	struct referral_view v = {0};
	char *why = NULL, detail[300];
	int rc = store_referral_get(st, id, &v, NULL, NULL);

	*changed_r = 0;
	if (rc <= 0)
		return rc;
	if (is(v.status, status_name(STATUS_NEW))) {
		const struct rep *by = config_find_rep(cfg, actor);

		if (by && (v.rep_email == NULL || strcasecmp(by->email, v.rep_email) != 0) &&
		    hand_over(st, &v, by, msg_id, now) < 0) {
			store_referral_view_clear(&v);
			return -1;
		}
		struct status_change c = {.id = id,
		                          .status = STATUS_CONTACTED,
		                          .note = detail,
		                          .actor = actor,
		                          .msg_id = msg_id,
		                          .now = now};

		snprintf(detail, sizeof(detail), "first contact: %s wrote to the lead", actor);
		rc = lifecycle_set_status(st, cfg, &c, &why);
		free(why);
		*changed_r = rc == 0;
		rc = rc < 0 ? -1 : 0;
	} else if (!v.first_contact_at && !is(v.status, status_name(STATUS_HELD))) {
		rc = store_referral_first_contact(st, id, now) < 0 ? -1 : 0;
	} else {
		rc = 0;
	}
	store_referral_view_clear(&v);
	return rc;
}

int lifecycle_lead_replied(struct store *st, int64_t id, int64_t now)
{
	/* kept on the history: a lead who writes before the rep's first
	 * contact is not nudged after it either */
	if (event(st, id, now, "agent", LEAD_REPLY_EVENT, NULL, NULL,
	          "the lead wrote: no nudges from now on", 0) < 0)
		return -1;
	return cancel_kinds(st, id, CANCEL_LEAD_REPLY, now, "the lead replied");
}

/* notify-rep about the lead of referral id, with the facts in note. */
static int notify_rep(struct store *st, const struct config *cfg, int64_t id, const char *note,
                      int64_t now)
{
	struct referral_view v = {0};
	int rc = store_referral_get(st, id, &v, NULL, NULL);

	if (rc == 1 && v.rep_email)
		rc = mail(st, cfg, id, MAIL_NOTIFY_REP, v.rep_email, v.rep_name, now, 0, note, now);
	store_referral_view_clear(&v);
	return rc < 0 ? -1 : 0;
}

/* Of the lead's words, at most this much goes into the rep's notice (the
 * rest is in the referral's history). */
#define WORDS_MAX 1000

/* notify-rep about referral id quoting words (cut to WORDS_MAX), with
 * flag = yes, notify.welcome = yes when welcome is set, and the rest of
 * the notes in more (NULL: none). */
static int notify_words(struct store *st, const struct config *cfg, int64_t id, const char *flag,
                        const char *words, int welcome, const struct buf *more, int64_t now)
{
	struct buf note = {0};
	size_t len = words ? strlen(words) : 0, own = words ? message_forward_start(words) : 0;
	char *cut;
	int rc;

	/* their own words, not the forward below them ("Adding the referral
	 * address again" over Gmail's "---------- Forwarded message"), unless
	 * the forward is all they sent */
	for (size_t i = 0; i < own; i++)
		if (!isspace((unsigned char)words[i])) {
			len = own;
			break;
		}
	cut = utf8_cut(words ? words : "", len, WORDS_MAX);

	jobnote_add(&note, flag, "yes");
	jobnote_add(&note, "notify.words", cut);
	jobnote_add(&note, "notify.welcome", welcome ? "yes" : NULL);
	if (more && more->s)
		buf_adds(&note, more->s);
	rc = notify_rep(st, cfg, id, note.s, now);
	buf_free(&note);
	free(cut);
	return rc;
}

int lifecycle_introduced_again(struct store *st, const struct config *cfg, int64_t id,
                               const char *referrer, const char *words, int64_t now)
{
	int changed = 0, rc = notify_words(st, cfg, id, "notify.again", words, 0, NULL, now);

	if (rc == 0 && referrer)
		rc = lifecycle_summary(st, cfg, referrer, now, &changed);
	return rc;
}

int lifecycle_lead_wrote(struct store *st, const struct config *cfg, int64_t id, const char *words,
                         int64_t now)
{
	int cancelled = 0;

	if (store_jobs_cancel_referral(st, id, mail_name(MAIL_WELCOME_LEAD), now,
	                               "the lead wrote first: the rep answers them",
	                               &cancelled) < 0)
		return -1;
	return notify_words(st, cfg, id, "notify.reply", words, cancelled > 0, NULL, now);
}

int lifecycle_referrer_wrote(struct store *st, const struct config *cfg, int64_t id,
                             const struct addr *from, int introducer, const char *unverified,
                             const char *words, int64_t now)
{
	struct buf more = {0};
	int rc;

	jobnote_add(&more, "notify.name", from->name);
	jobnote_add(&more, "notify.email", from->email);
	jobnote_add(&more, "notify.introducer", introducer ? "yes" : NULL);
	jobnote_add(&more, "notify.unverified", unverified);
	rc = notify_words(st, cfg, id, "notify.referrer", words, 0, &more, now);
	buf_free(&more);
	return rc;
}

static int is_open(const struct referral_view *v)
{
	return !status_name_closed(v->status);
}

/* An event on every referral where email is the lead or the referrer, and
 * a notify-rep with rep_note to the rep of each open referral where they
 * are the lead. */
static int note_on_referrals(struct store *st, const struct config *cfg, const char *email,
                             const char *kind, const char *detail, const char *rep_note,
                             int64_t msg_id, int64_t now)
{
	struct referral_view *v = NULL;
	size_t n = 0;
	int rc = 0;

	if (store_referrals_of_lead(st, email, &v, &n) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		int told = 0;

		rc = event(st, v[i].id, now, email, kind, NULL, NULL, detail, msg_id);
		/* one notice per event: a rep with two open referrals of this
		 * lead hears of it once */
		for (size_t k = 0; k < i && !told; k++)
			told = is_open(&v[k]) && v[k].rep_email &&
			       str_ieq(v[k].rep_email, v[i].rep_email);
		if (rc == 0 && rep_note && is_open(&v[i]) && !told)
			rc = notify_rep(st, cfg, v[i].id, rep_note, now);
	}
	store_referral_views_free(v, n);
	if (rc < 0 || store_referrals_of_referrer(st, email, &v, &n) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = event(st, v[i].id, now, email, kind, NULL, NULL, detail, msg_id);
	store_referral_views_free(v, n);
	return rc < 0 ? -1 : 0;
}

/* Why mail to a person stops, in the words of its event and of the notice
 * to the rep. */
struct mail_stop {
	const char *event;     /* the event's kind */
	const char *cancelled; /* why their pending mail is cancelled */
	const char *flag;      /* the notice says flag = yes, */
	const char *why_key;   /* and why_key = the reason */
};

static const struct mail_stop opted_out = {"opt-out", "opted out", "notify.optout",
                                           "notify.source"};
static const struct mail_stop bounces = {"bounce", "bounces", "notify.bounce", "notify.reason"};

/* Mail to email (lower case) stops, for reason (said: the event's detail
 * so far): its pending mail is cancelled, and every referral email is part
 * of records it (note_on_referrals). */
static int mail_stopped(struct store *st, const struct config *cfg, const char *email,
                        const struct mail_stop *why, const char *reason, const char *said,
                        int64_t msg_id, int64_t now)
{
	char detail[600];
	struct buf note = {0};
	int cancelled = 0, rc;

	if (store_jobs_cancel_recipient(st, email, now, why->cancelled, &cancelled) < 0)
		return -1;
	snprintf(detail, sizeof(detail), "%s; %d pending mail%s cancelled", said, cancelled,
	         cancelled == 1 ? "" : "s");
	jobnote_add(&note, why->flag, "yes");
	jobnote_add(&note, "notify.email", email);
	jobnote_add(&note, why->why_key, reason);
	rc = note_on_referrals(st, cfg, email, why->event, detail, note.s, msg_id, now);
	buf_free(&note);
	return rc;
}

int lifecycle_opt_out(struct store *st, const struct config *cfg, const char *address,
                      const char *source, int64_t msg_id, int64_t now, int *changed_r)
{
	char said[400], email[320];

	*changed_r = 0;
	if (address == NULL)
		return 0;
	snprintf(email, sizeof(email), "%s", address);
	str_lower(email);
	if (store_person_opt_out(st, email, now, source, changed_r) < 0)
		return -1;
	if (!*changed_r)
		return 0;
	snprintf(said, sizeof(said), "%s opted out of automated mail (%s)", email, source);
	return mail_stopped(st, cfg, email, &opted_out, source, said, msg_id, now);
}

int lifecycle_bounce(struct store *st, const struct config *cfg, const char *address,
                     const char *reason, int64_t msg_id, int64_t now)
{
	char said[600], email[320];
	struct person_flags f = {0};

	if (address == NULL)
		return 0;
	snprintf(email, sizeof(email), "%s", address);
	str_lower(email);
	/* a second report of the same failure (the same mail bounced by two
	 * relays, a report that names the address twice) tells nobody again */
	if (store_person_flags(st, email, &f) < 0)
		return -1;
	free(f.token);
	if (f.bouncing_at)
		return 0;
	if (store_person_bouncing(st, email, now, reason) < 0)
		return -1;
	snprintf(said, sizeof(said), "mail to %s bounces (%s)", email, reason);
	return mail_stopped(st, cfg, email, &bounces, reason, said, msg_id, now);
}

int lifecycle_second_referrer(struct store *st, const struct config *cfg, int64_t id,
                              const char *email, const char *name, int64_t msg_id, int64_t now)
{
	struct referral_view v = {0};
	struct buf note = {0}, thanks = {0};
	char detail[400];
	char *first = NULL, *second = NULL; /* as the mails name them */
	int rc = store_referral_get(st, id, &v, NULL, NULL);

	if (rc <= 0)
		return rc;
	if (v.referrer.name || v.referrer.email)
		first = greeting_named(v.referrer.name, v.referrer.email, NULL);
	if (name || email)
		second = greeting_named(name, email, NULL);
	/* the same person again (by address, or by name when the second
	 * was named without one: "Mike Dunn gave me your email"), or nobody
	 * to compare with */
	if (str_ieq(v.referrer.email, email) ||
	    (email == NULL && name && str_ieq(v.referrer.name, name)) || first == NULL ||
	    second == NULL) {
		free(first);
		free(second);
		store_referral_view_clear(&v);
		return 0;
	}
	rc = -1; /* until every step below is done */
	if (cfg->credit_last) {
		int64_t pid = 0;

		if (store_person_ensure(st, email, name, now, &pid) < 0 ||
		    store_referral_set_referrer(st, id, pid, now) < 0)
			goto out;
		snprintf(detail, sizeof(detail), "credit moved from %s to %s (policy: last)", first,
		         second);
		if (event(st, id, now, "agent", "credit", NULL, NULL, detail, msg_id) < 0)
			goto out;
		/* the new referrer is thanked as the one credited */
		if (email &&
		    mail(st, cfg, id, MAIL_THANK_REFERRER, email, name, now, 0, NULL, now) < 0)
			goto out;
		jobnote_add(&note, "credit.other", second);
		jobnote_add(&note, "credit.moved", "yes");
	} else {
		snprintf(detail, sizeof(detail),
		         "%s introduced the lead too; %s keeps the credit "
		         "(policy: first)",
		         second, first);
		if (event(st, id, now, "agent", "credit", NULL, NULL, detail, msg_id) < 0)
			goto out;
		/* thanked, and told who introduced the lead first */
		jobnote_add(&thanks, "credit.name", first);
		if (email &&
		    mail(st, cfg, id, MAIL_THANK_REFERRER, email, name, now, 0, thanks.s, now) < 0)
			goto out;
		jobnote_add(&note, "credit.other", second);
		jobnote_add(&note, "credit.kept", "yes");
	}
	if (v.referrer.email && mail(st, cfg, id, MAIL_UPDATE_REFERRER, v.referrer.email,
	                             v.referrer.name, now, 0, note.s, now) < 0)
		goto out;
	rc = 0;
out:
	free(first);
	free(second);
	buf_free(&note);
	buf_free(&thanks);
	store_referral_view_clear(&v);
	return rc;
}

int lifecycle_credit(struct store *st, const struct config *cfg, int64_t id, const char *email,
                     const char *actor, int64_t now, char **why_r)
{
	struct referral_view v = {0};
	char detail[400];
	int64_t pid = 0;
	int rc = store_referral_get(st, id, &v, NULL, NULL);

	if (rc <= 0) {
		if (rc == 0)
			*why_r = xasprintf("no referral %" PRId64, id);
		return rc < 0 ? -1 : 1;
	}
	if (str_ieq(v.referrer.email, email)) {
		*why_r = xasprintf("referral %" PRId64 " is already credited to %s", id, email);
		store_referral_view_clear(&v);
		return 1;
	}
	snprintf(detail, sizeof(detail), "credit moved from %s%s%s%s to %s",
	         v.referrer.name ? v.referrer.name : "", v.referrer.name ? " <" : "",
	         v.referrer.email ? v.referrer.email : "(nobody)", v.referrer.name ? ">" : "",
	         email);
	rc = store_person_ensure(st, email, NULL, now, &pid);
	if (rc == 0)
		rc = store_referral_set_referrer(st, id, pid, now);
	if (rc == 0)
		rc = event(st, id, now, actor, "credit", NULL, NULL, detail, 0);
	store_referral_view_clear(&v);
	(void)cfg;
	return rc;
}

int lifecycle_summary(struct store *st, const struct config *cfg, const char *email, int64_t now,
                      int *sent_r)
{
	struct referral_view *v = NULL;
	size_t n = 0;
	int rc = 0;

	*sent_r = 0;
	if (store_referrals_of_referrer(st, email, &v, &n) < 0)
		return -1;
	if (n > 0) {
		/* the text is made when the mail goes out, from the referrals as
		 * they are then; it goes to the address on file */
		rc = mail(st, cfg, 0, MAIL_UPDATE_REFERRER, v[0].referrer.email, v[0].referrer.name,
		          now, 0, "summary=yes\n", now);
		*sent_r = rc == 0;
	}
	store_referral_views_free(v, n);
	return rc;
}

int lifecycle_expire(struct store *st, const struct config *cfg, int64_t now, int *n_r)
{
	int64_t *ids = NULL;
	size_t n = 0;
	char note[80];

	*n_r = 0;
	if (cfg->expire_days <= 0)
		return 0;
	if (store_referrals_stale(st, now - (int64_t)cfg->expire_days * 86400, 200, &ids, &n) < 0)
		return -1;
	snprintf(note, sizeof(note), "no activity for %d days", cfg->expire_days);
	for (size_t i = 0; i < n; i++) {
		char *why = NULL;
		struct status_change c = {.id = ids[i],
		                          .status = STATUS_EXPIRED,
		                          .note = note,
		                          .actor = "agent",
		                          .now = now};
		int rc = lifecycle_set_status(st, cfg, &c, &why);

		free(why);
		if (rc < 0) {
			free(ids);
			return -1;
		}
		*n_r += rc == 0;
	}
	free(ids);
	return 0;
}
