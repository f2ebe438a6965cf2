/*
 * lifecycle.c - what happens to a referral after intake (see lifecycle.h).
 *
 * Each change is an event row plus the jobs it causes, in the caller's
 * transaction: the scheduler never has to guess what a status meant.
 */
#include "lifecycle.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "kinds.h"
#include "log.h"
#include "schedule.h"
#include "store.h"
#include "util.h"

int lifecycle_valid_status(const char *status)
{
	enum status s;

	return status_parse(status, &s);
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

static int mail(struct store *st, const struct config *cfg, int64_t id, const char *template,
                const char *to, const char *to_name, int64_t due, int seq, const char *note,
                int64_t now)
{
	struct job_spec_pub js = {.referral_id = id,
	                          .template = template,
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

static int on_won(struct store *st, const struct config *cfg, const struct referral_view *v,
                  int has_value, double value, const char *actor, int64_t now)
{
	char rule[200], money[48];
	double amount;
	int64_t rid = 0;

	if (store_jobs_cancel_referral(st, v->id, "nudge-lead", now, "won", NULL) < 0)
		return -1;
	amount = lifecycle_reward(cfg, v->referrer.email, has_value, value, rule, sizeof(rule));
	if (amount > 0 && v->referrer_id) {
		int rc = store_reward_add(st, v->id, v->referrer_id, amount, rule, now, &rid);

		if (rc < 0)
			return -1; /* one reward per referral: a second win changes none */
		if (event(st, v->id, now, "agent", "reward", NULL, NULL, rule, 0) < 0)
			return -1;
		if (v->referrer.email &&
		    mail(st, cfg, v->id, "reward-referrer", v->referrer.email, v->referrer.name,
		         now, 0, lifecycle_money(cfg, amount, money, sizeof(money)), now) < 0)
			return -1;
	}
	if (tell_referrer(v, actor) && mail(st, cfg, v->id, "update-referrer", v->referrer.email,
	                                    v->referrer.name, now, 0, "won", now) < 0)
		return -1;
	if (cfg->ask_client_days > 0 && v->lead.email &&
	    mail(st, cfg, v->id, "ask-client", v->lead.email, v->lead.name,
	         schedule_next_open(cfg, now + (int64_t)cfg->ask_client_days * 86400), 0, NULL,
	         now) < 0)
		return -1;
	return 0;
}

static int has_reward(struct store *st, int64_t id, int *yes)
{
	struct reward_view *w = NULL;
	size_t n = 0;

	*yes = 0;
	if (store_rewards_list(st, &w, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (w[i].referral_id == id)
			*yes = 1;
	store_reward_views_free(w, n);
	return 0;
}

int lifecycle_set_status(struct store *st, const struct config *cfg, int64_t id, const char *status,
                         int has_value, double value, const char *note, const char *actor,
                         int64_t msg_id, int64_t now, char **why_r)
{
	struct referral_view v = {0};
	char detail[600], money[48];
	const char *old;
	int rc, contact;

	if (!lifecycle_valid_status(status)) {
		*why_r =
		        xasprintf("'%s' is not a status (new, contacted, qualified, proposal, won, "
		                  "lost, held, rejected, expired)",
		                  status ? status : "");
		return 1;
	}
	rc = store_referral_get(st, id, &v, NULL, NULL);
	if (rc <= 0) {
		if (rc == 0)
			*why_r = xasprintf("no referral %" PRId64, id);
		return rc < 0 ? -1 : 1;
	}
	old = v.status;
	if (is(old, status) && !(has_value && is(status, "won"))) {
		*why_r = xasprintf("referral %" PRId64 " is already %s", id, status);
		store_referral_view_clear(&v);
		return 1;
	}
	if (has_value)
		snprintf(detail, sizeof(detail), "%s%s%s",
		         lifecycle_money(cfg, value, money, sizeof(money)), note ? ": " : "",
		         note ? note : "");
	else
		snprintf(detail, sizeof(detail), "%s", note ? note : "");
	rc = store_referral_set_status(st, id, status, has_value, value, now);
	if (rc >= 0)
		rc = event(st, id, now, actor, "status", old, status, *detail ? detail : NULL,
		           msg_id);
	if (rc < 0)
		goto out;

	contact = is(status, "contacted") || is(status, "qualified") || is(status, "proposal") ||
	          is(status, "won");
	if (contact && !v.first_contact_at && store_referral_first_contact(st, id, now) < 0)
		goto fail;
	if (!is(status, "new") && !is(status, "held") &&
	    store_jobs_cancel_referral(st, id, "remind-rep", now, status, NULL) < 0)
		goto fail;
	if (is(status, "contacted") && (is(old, "new") || is(old, "held"))) {
		if (cfg->nudges > 0 && v.lead.email &&
		    mail(st, cfg, id, "nudge-lead", v.lead.email, v.lead.name,
		         schedule_add_business_days(cfg, now, cfg->nudge_after), 1, NULL, now) < 0)
			goto fail;
		if (tell_referrer(&v, actor) &&
		    mail(st, cfg, id, "update-referrer", v.referrer.email, v.referrer.name, now, 0,
		         "contacted", now) < 0)
			goto fail;
	}
	if (is(status, "won")) {
		int rewarded = 0;

		if (has_reward(st, id, &rewarded) < 0)
			goto fail;
		if (!rewarded && on_won(st, cfg, &v, has_value, value, actor, now) < 0)
			goto fail;
	}
	if (is(status, "lost")) {
		if (store_jobs_cancel_referral(st, id, "nudge-lead", now, "lost", NULL) < 0)
			goto fail;
		if (cfg->update_on_lost && tell_referrer(&v, actor) &&
		    mail(st, cfg, id, "update-referrer", v.referrer.email, v.referrer.name, now, 0,
		         "lost", now) < 0)
			goto fail;
	}
	if ((is(status, "rejected") || is(status, "expired")) &&
	    store_jobs_cancel_referral(st, id, NULL, now, status, NULL) < 0)
		goto fail;
	if (is(status, "new") && is(old, "held")) {
		const struct rep *rep = config_find_rep(cfg, v.rep_email);
		struct new_referral nr = {.id = id,
		                          .referrer_name = v.referrer.name,
		                          .referrer_email = v.referrer.email,
		                          .lead_name = v.lead.name,
		                          .lead_email = v.lead.email,
		                          .rep = rep};

		if (schedule_new_referral(st, cfg, &nr, now) < 0)
			goto fail;
	}
	rc = 0;
	goto out;
fail:
	rc = -1;
out:
	store_referral_view_clear(&v);
	return rc;
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
	if (is(v.status, "new")) {
		snprintf(detail, sizeof(detail), "first contact: %s wrote to the lead", actor);
		rc = lifecycle_set_status(st, cfg, id, "contacted", 0, 0, detail, actor, msg_id,
		                          now, &why);
		free(why);
		*changed_r = rc == 0;
		rc = rc < 0 ? -1 : 0;
	} else if (!v.first_contact_at && !is(v.status, "held")) {
		rc = store_referral_first_contact(st, id, now) < 0 ? -1 : 0;
	} else {
		rc = 0;
	}
	store_referral_view_clear(&v);
	return rc;
}

int lifecycle_lead_replied(struct store *st, int64_t id, int64_t now)
{
	return store_jobs_cancel_referral(st, id, "nudge-lead", now, "the lead replied", NULL);
}

/* notify-rep about the lead of referral id, with text. */
static int notify_rep(struct store *st, const struct config *cfg, int64_t id, const char *text,
                      int64_t now)
{
	struct referral_view v = {0};
	int rc = store_referral_get(st, id, &v, NULL, NULL);

	if (rc == 1 && v.rep_email)
		rc = mail(st, cfg, id, "notify-rep", v.rep_email, v.rep_name, now, 0, text, now);
	store_referral_view_clear(&v);
	return rc < 0 ? -1 : 0;
}

static int is_open(const struct referral_view *v)
{
	return !is(v->status, "won") && !is(v->status, "lost") && !is(v->status, "rejected") &&
	       !is(v->status, "expired");
}

/* An event on every referral where email is the lead or the referrer, and
 * rep_text to the rep of each open referral where they are the lead. */
static int note_on_referrals(struct store *st, const struct config *cfg, const char *email,
                             const char *kind, const char *detail, const char *rep_text,
                             int64_t msg_id, int64_t now)
{
	struct referral_view *v = NULL;
	size_t n = 0;
	int rc = 0;

	if (store_referrals_of_lead(st, email, &v, &n) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = event(st, v[i].id, now, email, kind, NULL, NULL, detail, msg_id);
		if (rc == 0 && rep_text && is_open(&v[i]))
			rc = notify_rep(st, cfg, v[i].id, rep_text, now);
	}
	store_referral_views_free(v, n);
	if (rc < 0 || store_referrals_of_referrer(st, email, &v, &n) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = event(st, v[i].id, now, email, kind, NULL, NULL, detail, msg_id);
	store_referral_views_free(v, n);
	return rc < 0 ? -1 : 0;
}

int lifecycle_opt_out(struct store *st, const struct config *cfg, const char *address,
                      const char *source, int64_t msg_id, int64_t now, int *changed_r)
{
	char detail[400], text[600], email[320];
	int cancelled = 0;

	*changed_r = 0;
	if (address == NULL)
		return 0;
	snprintf(email, sizeof(email), "%s", address);
	str_lower(email);
	if (store_person_opt_out(st, email, now, source, changed_r) < 0)
		return -1;
	if (!*changed_r)
		return 0;
	if (store_jobs_cancel_recipient(st, email, now, "opted out", &cancelled) < 0)
		return -1;
	snprintf(detail, sizeof(detail),
	         "%s opted out of automated mail (%s); %d pending mail%s "
	         "cancelled",
	         email, source, cancelled, cancelled == 1 ? "" : "s");
	snprintf(text, sizeof(text),
	         "%s asked us not to send them automated mail any more (%s). Our mails to them "
	         "have stopped. If you are talking with them, carry on personally as usual.",
	         email, source);
	return note_on_referrals(st, cfg, email, "opt-out", detail, text, msg_id, now);
}

int lifecycle_bounce(struct store *st, const struct config *cfg, const char *address,
                     const char *reason, int64_t msg_id, int64_t now)
{
	char detail[600], text[800], email[320];
	int cancelled = 0;

	if (address == NULL)
		return 0;
	snprintf(email, sizeof(email), "%s", address);
	str_lower(email);
	if (store_person_bouncing(st, email, now, reason) < 0 ||
	    store_jobs_cancel_recipient(st, email, now, "bounces", &cancelled) < 0)
		return -1;
	snprintf(detail, sizeof(detail), "mail to %s bounces (%s); %d pending mail%s cancelled",
	         email, reason, cancelled, cancelled == 1 ? "" : "s");
	snprintf(text, sizeof(text),
	         "Mail to %s bounces (%s). We have stopped writing to that address; please "
	         "reach them another way, by phone or through the person who introduced them.",
	         email, reason);
	return note_on_referrals(st, cfg, email, "bounce", detail, text, msg_id, now);
}

int lifecycle_second_referrer(struct store *st, const struct config *cfg, int64_t id,
                              const char *email, const char *name, int64_t msg_id, int64_t now)
{
	struct referral_view v = {0};
	char note[400], detail[400];
	const char *first = NULL, *second = name ? name : email;
	int rc = store_referral_get(st, id, &v, NULL, NULL);

	if (rc <= 0)
		return rc;
	first = v.referrer.name ? v.referrer.name : v.referrer.email;
	/* the same person again, or nobody to compare with */
	if (str_ieq(v.referrer.email, email) || first == NULL || second == NULL) {
		store_referral_view_clear(&v);
		return 0;
	}
	if (cfg->credit_last) {
		int64_t pid = 0;

		if (store_person_ensure(st, email, name, now, &pid) < 0 ||
		    store_referral_set_referrer(st, id, pid, now) < 0)
			goto fail;
		snprintf(detail, sizeof(detail), "credit moved from %s to %s (policy: last)", first,
		         second);
		if (event(st, id, now, "agent", "credit", NULL, NULL, detail, msg_id) < 0)
			goto fail;
		/* the new referrer is thanked as the one credited */
		if (email &&
		    mail(st, cfg, id, "thank-referrer", email, name, now, 0, NULL, now) < 0)
			goto fail;
		snprintf(note, sizeof(note),
		         "credit:%s also introduced %s to us. Under our policy the most recent "
		         "introduction is credited, so this one goes to %s. Thank you all the same "
		         "for thinking of us first.",
		         second, v.lead.name ? v.lead.name : "them", second);
	} else {
		snprintf(detail, sizeof(detail),
		         "%s introduced the lead too; %s keeps the credit "
		         "(policy: first)",
		         second, first);
		if (event(st, id, now, "agent", "credit", NULL, NULL, detail, msg_id) < 0)
			goto fail;
		/* thanked, and told who introduced the lead first */
		snprintf(note, sizeof(note), "credit:%s", first);
		if (email &&
		    mail(st, cfg, id, "thank-referrer", email, name, now, 0, note, now) < 0)
			goto fail;
		snprintf(note, sizeof(note),
		         "credit:%s also introduced %s to us. The introduction stays credited to "
		         "you, as the first to make it.",
		         second, v.lead.name ? v.lead.name : "them");
	}
	if (v.referrer.email && mail(st, cfg, id, "update-referrer", v.referrer.email,
	                             v.referrer.name, now, 0, note, now) < 0)
		goto fail;
	store_referral_view_clear(&v);
	return 0;
fail:
	store_referral_view_clear(&v);
	return -1;
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
		rc = mail(st, cfg, 0, "update-referrer", v[0].referrer.email, v[0].referrer.name,
		          now, 0, "summary", now);
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
		int rc = lifecycle_set_status(st, cfg, ids[i], "expired", 0, 0, note, "agent", 0,
		                              now, &why);

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
