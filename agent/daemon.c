/*
 * daemon.c - `refagent run` (see daemon.h).
 */
#include "daemon.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
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
	int64_t next_connect = 0, next_maintain = 0;
	int backoff = 1, rc = 0, warned_smtp = 0;

	outbox_open(cfg, d->st, *d->templates, &ob);
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

		/* fetch */
		if (cfg->imap.server && im == NULL && now >= next_connect) {
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
			if (rc == -2) {
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
	outbox_close(ob);
	log_info("stopped");
	return rc;
}
