/*
 * fetch.c - new mail from the watched mailbox into intake (see fetch.h).
 *
 * The order of work is what makes "nothing lost, nothing twice" hold:
 * fetch the bytes (FETCH_BATCH messages in one UID FETCH), then for each
 * message in UID order, in one transaction per FETCH_COMMIT messages:
 * intake (message row, referrals, events) and checkpoint = its UID; COMMIT.
 * A crash before a commit loses the whole uncommitted run of messages from
 * the store, so they are fetched and processed again, once.  Nothing is
 * acknowledged to the server: the mailbox is only examined, so the
 * checkpoint is the single truth.  Parsing and the rules run on the
 * ingest pipeline's workers (ingest.h), the writes on this thread.
 */
#include "fetch.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "imap.h"
#include "ingest.h"
#include "log.h"
#include "oauth.h"
#include "store.h"
#include "util.h"

/* Longest wait in IDLE before re-issuing it (RFC 2177 asks for < 29 min). */
#define IDLE_MAX    25 * 60
#define BACKOFF_MAX 300
/* Messages (and bytes) asked for in one UID FETCH; the next batch is asked
 * for when the workers have taken this one. */
#define FETCH_BATCH 100
#define FETCH_BYTES (16u << 20)
/* Messages whose records and checkpoint are committed together: a crash
 * re-does at most these, and the keys make none of them count twice.  A
 * commit writes every page the batch changed to the WAL, and the jobs'
 * indexes spread a batch's rows over many pages: at 100 the commits were
 * a third of a large poll's time. */
#define FETCH_COMMIT 500

/* A pass: the listing, the batch fetched, and what the writer keeps. */
struct pass {
	struct intake *in;
	struct imap *im;
	const char *mailbox;
	uint32_t uidvalidity;
	volatile sig_atomic_t *stop;
	struct imap_item *items; /* UIDs above the checkpoint */
	size_t n, next;
	struct imap_msg *batch; /* fetched, handed out from bnext */
	size_t nb, bnext;
	char *imap_error; /* the server failed (take) */

	/* writer side */
	struct ingest_batch uncommitted; /* stored, not yet committed */
	char *store_error;               /* the store failed (write) */
	struct fetch_stats *stats;
};

/* Fetches the next batch: up to FETCH_BATCH messages, FETCH_BYTES bytes,
 * in UID order, up to the next one over max_message_size.  0 or -1. */
static int fetch_batch(struct pass *p)
{
	size_t max = (size_t)p->in->cfg->max_message_size, bytes = 0, k = 0;
	uint32_t uids[FETCH_BATCH];

	while (p->next + k < p->n && k < FETCH_BATCH) {
		const struct imap_item *it = &p->items[p->next + k];

		if (it->size > max || (k > 0 && bytes + it->size > FETCH_BYTES))
			break;
		bytes += it->size;
		uids[k++] = it->uid;
	}
	free(p->batch);
	p->batch = xcalloc(k ? k : 1, sizeof(*p->batch));
	p->nb = p->bnext = 0;
	if (imap_fetch_many(p->im, uids, k, p->batch, &p->imap_error) < 0)
		return -1;
	p->nb = k;
	p->next += k;
	return 0;
}

/* The pipeline's take: the next message, fetching a batch when the last
 * one is handed out.  One worker at a time, while the writer goes on
 * writing (the IMAP connection is this side's alone). */
static int pass_take(void *arg, struct ingest_unit *u)
{
	struct pass *p = arg;

	for (;;) {
		if ((p->stop && *p->stop) || p->imap_error)
			return 0;
		if (p->bnext < p->nb) {
			struct imap_msg *m = &p->batch[p->bnext++];

			u->uid = m->uid;
			if (m->gone)
				u->err = ENOENT;
			u->raw = m->data;
			u->len = m->len;
			m->data = NULL;
			return 1;
		}
		if (p->next >= p->n)
			return 0;
		if (p->items[p->next].size > (size_t)p->in->cfg->max_message_size) {
			u->uid = p->items[p->next].uid;
			u->len = p->items[p->next++].size;
			u->err = EFBIG;
			return 1;
		}
		if (fetch_batch(p) < 0)
			return 0;
	}
}

static int commit_batch(struct pass *p)
{
	if (p->uncommitted.n == 0)
		return 0;
	if (store_commit(p->in->st) < 0)
		return -1;
	ingest_batch_committed(&p->uncommitted, &p->stats->seen, p->stats->by_outcome);
	return 0;
}

/* The records of unit u (or why it has none), in the open transaction. */
static int record(struct pass *p, struct ingest_unit *u, struct intake_result *res)
{
	struct intake *in = p->in;
	struct intake_source src = {
	        .mailbox = p->mailbox, .uidvalidity = p->uidvalidity, .uid = u->uid};

	if (u->err == EFBIG) {
		/* Recorded unread under a key of its own so it counts as processed;
		 * the admin can read it in the mailbox. */
		char key[300], why[200];

		snprintf(key, sizeof(key), "imap:%s/%" PRIu32 "/%" PRIu32, p->mailbox,
		         p->uidvalidity, u->uid);
		snprintf(why, sizeof(why),
		         "message of %zu bytes is larger than max_message_size %ld", u->len,
		         in->cfg->max_message_size);
		log_error("%s UID %" PRIu32 ": %s; recorded, not read", p->mailbox, u->uid, why);
		return intake_record_unparsed(in, key, why, &src, res);
	}
	if (u->err) {
		/* expunged between listing and fetching: nothing to process */
		log_info("%s UID %" PRIu32 ": gone before it could be fetched", p->mailbox, u->uid);
		res->outcome = INTAKE_IGNORED;
		return 0;
	}
	if (u->m)
		return intake_parsed(in, u->m, &u->fr, &src, res);
	return intake_unparsable(in, u->raw, u->len, u->error, &src, res);
}

/* The pipeline's write: the records and the checkpoint, committed every
 * FETCH_COMMIT messages.  0, or -1 when the store failed. */
static int pass_write(void *arg, struct ingest_unit *u)
{
	struct pass *p = arg;
	struct store *st = p->in->st;
	struct intake_result res = {0};

	if (p->uncommitted.n == 0 && store_begin(st) < 0)
		goto store_fail;
	if (record(p, u, &res) < 0 ||
	    store_checkpoint_set(st, p->mailbox, p->uidvalidity, u->uid) < 0) {
		store_rollback(st);
		goto store_fail;
	}
	if (res.outcome == INTAKE_ERROR)
		log_error("%s UID %" PRIu32 ": %s", p->mailbox, u->uid,
		          res.why ? res.why : "error");
	else if (u->err != EFBIG && u->err != ENOENT)
		log_info("%s UID %" PRIu32 ": %s%s%s", p->mailbox, u->uid,
		         intake_outcome_name(res.outcome), res.why ? ": " : "",
		         res.why ? res.why : "");
	p->uncommitted.n++;
	p->uncommitted.by_outcome[res.outcome]++;
	free(res.why);
	if (p->uncommitted.n >= FETCH_COMMIT && commit_batch(p) < 0) {
		store_rollback(st);
		goto store_fail_late;
	}
	return 0;

store_fail:
	free(res.why);
store_fail_late:
	p->uncommitted.n = 0;
	p->store_error =
	        xasprintf("%s UID %" PRIu32 ": %s", p->mailbox, u->uid, store_error(p->in->st));
	return -1;
}

int fetch_pass(struct intake *in, struct imap *im, const char *mailbox, volatile sig_atomic_t *stop,
               struct fetch_stats *stats, char **error_r)
{
	struct pass p = {.in = in, .im = im, .mailbox = mailbox, .stop = stop, .stats = stats};
	struct ingest_source src = {pass_take, pass_write, &p};
	uint32_t stored_validity = 0, last = 0;
	int rc;

	p.uidvalidity = imap_uidvalidity(im);
	rc = store_checkpoint_get(in->st, mailbox, &stored_validity, &last);
	if (rc < 0) {
		*error_r = xasprintf("checkpoint of %s: %s", mailbox, store_error(in->st));
		return -2;
	}
	if (rc == 1 && stored_validity != p.uidvalidity) {
		log_warn("%s: UIDVALIDITY changed from %" PRIu32 " to %" PRIu32
		         ": reading the mailbox again; messages already processed are "
		         "recognised by Message-ID",
		         mailbox, stored_validity, p.uidvalidity);
		last = 0;
	}
	if (imap_list_new(im, last, &p.items, &p.n, error_r) < 0)
		return -1;
	if (p.n > 0 && ingest_pipeline(in, p.n == 1 ? 1 : 0, &src) == 0 && commit_batch(&p) < 0) {
		store_rollback(in->st);
		p.store_error = xasprintf("%s: %s", mailbox, store_error(in->st));
	}
	for (size_t i = p.bnext; i < p.nb; i++)
		free(p.batch[i].data);
	free(p.batch);
	free(p.items);
	if (p.store_error) {
		*error_r = p.store_error;
		free(p.imap_error);
		return -2;
	}
	if (p.imap_error) {
		*error_r = p.imap_error;
		return -1;
	}
	return 0;
}

int fetch_connect(const struct config *cfg, struct imap **im_r, char **error_r)
{
	struct imap_params p = {
	        .server = &cfg->imap, .mailbox = cfg->imap_mailbox, .token = oauth_token};
	char *pw = NULL;
	int rc;

	if (cfg->imap.server == NULL) {
		*error_r = xasprintf("%s: [imap] server is not set", cfg->path);
		return -1;
	}
	if (cfg->imap.password_file && config_read_password(&cfg->imap, &pw, error_r) < 0)
		return -1;
	p.password = pw;
	rc = imap_open(&p, im_r, error_r);
	if (pw) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
	return rc;
}

int fetch_once(struct intake *in, struct fetch_stats *stats)
{
	struct imap *im = NULL;
	char *err = NULL;
	int rc;

	if (fetch_connect(in->cfg, &im, &err) < 0) {
		log_error("%s", err);
		free(err);
		return -1;
	}
	rc = fetch_pass(in, im, in->cfg->imap_mailbox, NULL, stats, &err);
	if (rc < 0) {
		log_error("%s", err);
		free(err);
	}
	imap_close(im);
	return rc;
}
