/*
 * daemon.c - `refagent run` (see daemon.h).
 */
#include "daemon.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "fetch.h"
#include "filter.h"
#include "imap.h"
#include "lifecycle.h"
#include "log.h"
#include "outbox.h"
#include "review.h"
#include "schedule.h"
#include "store.h"
#include "template.h"
#include "util.h"

/* Longest wait in IDLE before re-issuing it (RFC 2177: under 29 minutes). */
#define IDLE_MAX    (25 * 60)
#define BACKOFF_MAX 300
/* How often check-ins, expiry, digests and the weekly summary are looked
 * for (and at every opening of business hours, when digests fall due). */
#define CHECKIN_EVERY 3600

/*
 * The mailbox's lease, when the database is a server other agents may
 * share (store_shared): only the agent holding it polls the mailbox.
 * The lease lasts two thirds of [agent] lease by the database's clock;
 * its holder renews it every sixth (and with every checkpoint it writes),
 * and an agent standing by tries every third, so another agent takes a
 * dead one's mailbox over within [agent] lease.  The holder stops polling
 * at once when a renewal finds the lease another's, or when it could not
 * renew for half of [agent] lease (the database unreachable: the lease
 * may soon be another's).  The checkpoint is fenced with the lease
 * (store_fence), so an agent that polls on past its lease (paused, cut
 * off) commits nothing of what it fetched.
 */
struct lease {
	int on; /* a shared store and a mailbox */
	char name[300];
	char holder[160]; /* host:pid:start */
	int64_t ttl_ms, lease_ms;
	int held;
	int64_t last_ok; /* clock_mono_ms() before the last renewal that held */
	int64_t next;    /* when to renew, or to try again */
	char *other;     /* the holder last seen, for the log */
};

static void lease_init(struct daemon *d, struct lease *l)
{
	char host[64] = "localhost";

	memset(l, 0, sizeof(*l));
	if (!store_shared(d->st) || d->cfg->imap.server == NULL)
		return;
	gethostname(host, sizeof(host) - 1);
	l->on = 1;
	l->lease_ms = (int64_t)d->cfg->lease * 1000;
	l->ttl_ms = l->lease_ms * 2 / 3;
	snprintf(l->name, sizeof(l->name), "imap:%s", d->cfg->imap_mailbox);
	snprintf(l->holder, sizeof(l->holder), "%s:%ld:%" PRId64, host, (long)getpid(),
	         clock_now());
	store_fence(d->st, l->name, l->holder, l->ttl_ms);
}

static void lease_drop(struct lease *l, struct imap **im, const char *why)
{
	log_warn("%s: %s: no longer polling it", l->name + 5, why);
	l->held = 0;
	imap_close(*im);
	*im = NULL;
	l->next = clock_mono_ms() + l->lease_ms / 3;
}

/* Renews the lease, or tries to take it, when that is due. */
static void lease_tick(struct daemon *d, struct lease *l, struct imap **im)
{
	int64_t t = clock_mono_ms();
	char *other = NULL;
	int rc;

	if (!l->on || t < l->next)
		return;
	if (l->held) {
		rc = store_lease_renew(d->st, l->name, l->holder, l->ttl_ms);
		if (rc == 1) {
			l->last_ok = t;
			l->next = t + l->lease_ms / 6;
		} else if (rc == 0) {
			lease_drop(l, im, "another agent holds its lease now");
		} else {
			log_error("%s", store_error(d->st));
			if (t - l->last_ok >= l->lease_ms / 2)
				lease_drop(l, im, "its lease could not be renewed in time");
			else
				l->next = t + 1000;
		}
		return;
	}
	rc = store_lease_acquire(d->st, l->name, l->holder, l->ttl_ms, &other);
	if (rc == 1) {
		l->held = 1;
		l->last_ok = t;
		l->next = t + l->lease_ms / 6;
		log_info("%s: this agent (%s) holds its lease: polling it", l->name + 5, l->holder);
	} else if (rc == 0) {
		if (other && (l->other == NULL || strcmp(other, l->other) != 0))
			log_info("%s: %s holds its lease: standing by", l->name + 5, other);
		l->next = t + l->lease_ms / 3;
	} else {
		log_error("%s", store_error(d->st));
		l->next = t + 1000;
	}
	if (other) {
		free(l->other);
		l->other = other;
	}
}

/* Seconds to the lease's next renewal or try, for the wait. */
static int lease_wait(const struct lease *l, int timeout)
{
	int64_t ms = l->next - clock_mono_ms();
	int s = ms <= 0 ? 1 : (int)((ms + 999) / 1000);

	return l->on && s < timeout ? s : timeout;
}

static void lease_end(struct daemon *d, struct lease *l)
{
	if (l->held && store_lease_release(d->st, l->name, l->holder) != 0)
		log_error("%s", store_error(d->st));
	free(l->other);
	store_fence(d->st, NULL, NULL, 0);
}

static void drain(int fd)
{
	char buf[64];

	while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
		;
}

static void reload(struct daemon *d, struct intake *in, struct outbox *ob)
{
	struct filter_set *f = NULL;
	struct template_set *t = NULL;

	log_info("SIGHUP: reloading the rules (%s) and the templates (%s)", d->cfg->filters_dir,
	         d->cfg->templates_dir);
	if (filter_load(d->cfg->filters_dir, &f) != 0 ||
	    template_load(d->cfg->templates_dir, &t) != 0) {
		log_error("reload failed (faults above): keeping the rules and templates in use");
		filter_free(f);
		template_free(t);
		return;
	}
	filter_free(*d->filters);
	template_free(*d->templates);
	*d->filters = f;
	*d->templates = t;
	in->filters = f;
	outbox_set_templates(ob, t);
	log_info("reloaded: %zu rules, %d templates", filter_count(f), MAIL_COUNT);
}

/* What waits for the admin's review goes out with the next pass (review =
 * now), or once a business day (daily): looked for before every send. */
static int review(struct daemon *d, int64_t now)
{
	int n = 0;

	if (store_begin(d->st) < 0 || review_schedule(d->st, d->cfg, now, &n) < 0 ||
	    store_commit(d->st) < 0) {
		log_error("review: %s", store_error(d->st));
		store_rollback(d->st);
		return -1;
	}
	if (n)
		log_info("%d item%s for the admin's review", n, n == 1 ? "" : "s");
	return 0;
}

/* The hourly work: check-ins with active referrers, expiry of referrals
 * nobody touched for expire_days, the reps' digests and the weekly
 * summary. */
static int maintain(struct daemon *d, int64_t now)
{
	int n = 0, x = 0, p = 0;

	if (store_begin(d->st) < 0 || schedule_checkins(d->st, d->cfg, now, &n) < 0 ||
	    lifecycle_expire(d->st, d->cfg, now, &x) < 0 ||
	    schedule_periodic(d->st, d->cfg, now, &p) < 0 || store_commit(d->st) < 0) {
		log_error("check-ins, expiry, digests: %s", store_error(d->st));
		store_rollback(d->st);
		return -1;
	}
	if (n)
		log_info("%d check-in mail%s scheduled", n, n == 1 ? "" : "s");
	if (p)
		log_info("%d digest and summary mail%s scheduled", p, p == 1 ? "" : "s");
	if (x)
		log_info("%d referral%s expired (no activity for %d days)", x, x == 1 ? "" : "s",
		         d->cfg->expire_days);
	return 0;
}

int daemon_run(struct daemon *d)
{
	const struct config *cfg = d->cfg;
	struct intake in = {.cfg = cfg, .filters = *d->filters, .st = d->st};
	struct outbox *ob = NULL;
	struct imap *im = NULL;
	struct lease lease;
	int64_t next_connect = 0, next_maintain = 0;
	int backoff = 1, rc = 0, warned_smtp = 0;

	outbox_open(cfg, d->st, *d->templates, &ob);
	lease_init(d, &lease);
	if (cfg->imap.server == NULL)
		log_warn("%s: no [imap] server: not fetching mail", cfg->path);
	while (!*d->stop) {
		int64_t now = clock_now(), due = 0;
		int timeout = IDLE_MAX, has_due;
		char *err = NULL;

		if (*d->reload) {
			*d->reload = 0;
			reload(d, &in, ob);
		}

		/* fetch, while this agent holds the mailbox's lease */
		lease_tick(d, &lease, &im);
		if (cfg->imap.server && im == NULL && now >= next_connect &&
		    (!lease.on || lease.held)) {
			if (fetch_connect(cfg, &im, &err) < 0) {
				log_error("%s; retrying in %d s", err, backoff);
				free(err);
				err = NULL;
				next_connect = now + backoff;
				backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
			} else {
				backoff = 1;
				log_info("connected to %s:%d, watching %s%s", cfg->imap.server,
				         cfg->imap.port, cfg->imap_mailbox,
				         imap_has_idle(im) ? " (IDLE)" : "");
			}
		}
		if (im) {
			struct fetch_stats stats = {0};

			rc = fetch_pass(&in, im, cfg->imap_mailbox, d->stop, &stats, &err);
			if (rc == -2 && store_fenced(d->st)) {
				/* the lease went while the pass ran: nothing of it
				 * was committed after that */
				free(err);
				err = NULL;
				lease_drop(&lease, &im, "its lease is gone");
				rc = 0;
			} else if (rc == -2) {
				log_error("%s", err);
				free(err);
				rc = -1;
				break;
			}
			if (rc < 0) {
				log_error("%s; reconnecting in %d s", err, backoff);
				free(err);
				err = NULL;
				imap_close(im);
				im = NULL;
				next_connect = clock_now() + backoff;
				backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
			}
			rc = 0;
		}
		if (*d->stop)
			break;

		/* send */
		if (review(d, clock_now()) < 0) {
			rc = -1;
			break;
		}
		if (cfg->smtp.server) {
			struct outbox_stats os = {0};

			if (outbox_send_due(ob, d->stop, &os) < 0) {
				rc = -1;
				break;
			}
		} else if (!warned_smtp) {
			log_warn("%s: no [smtp] server: mail waits in the outbox", cfg->path);
			warned_smtp = 1;
		}
		now = clock_now();
		if (now >= next_maintain) {
			int64_t opening = schedule_next_opening(cfg, now);

			if (maintain(d, now) < 0) {
				rc = -1;
				break;
			}
			next_maintain =
			        now + CHECKIN_EVERY < opening ? now + CHECKIN_EVERY : opening;
		}
		if (*d->stop)
			break;

		/* wait for mail, the next job, a reconnect or a signal */
		has_due = store_jobs_next_due(d->st, &due);
		if (has_due < 0) {
			log_error("%s", store_error(d->st));
			rc = -1;
			break;
		}
		now = clock_now();
		if (has_due == 1 && cfg->smtp.server)
			timeout = due <= now ? 1 : (int)(due - now < timeout ? due - now : timeout);
		/* awake at the opening, when the digests fall due */
		if (next_maintain - now < timeout)
			timeout = next_maintain - now < 1 ? 1 : (int)(next_maintain - now);
		if (cfg->imap.server && im == NULL) {
			int64_t w = next_connect - now;

			timeout = w < 1 ? 1 : (w < timeout ? (int)w : timeout);
		}
		if (im && !imap_has_idle(im) && cfg->poll_interval < timeout)
			timeout = cfg->poll_interval;
		timeout = lease_wait(&lease, timeout);
		if (im) {
			if (imap_idle(im, timeout, d->wake_fd, &err) < 0) {
				log_warn("%s; reconnecting", err);
				free(err);
				imap_close(im);
				im = NULL;
			}
		} else {
			struct pollfd p = {.fd = d->wake_fd, .events = POLLIN};

			if (poll(&p, d->wake_fd >= 0 ? 1 : 0, timeout * 1000) < 0 && errno != EINTR)
				sleep(1);
		}
		drain(d->wake_fd);
	}
	imap_close(im);
	lease_end(d, &lease);
	outbox_close(ob);
	log_info("stopped");
	return rc;
}
