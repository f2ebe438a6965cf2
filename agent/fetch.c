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
 * checkpoint is the single truth.  A thread of its own fetches the batches
 * ahead, parsing and the rules run on the ingest pipeline's workers
 * (ingest.h), the writes on this thread: fetching ahead changes only how
 * many bytes wait in memory, never what is committed with what.
 */
#include "fetch.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
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
/* Messages (and bytes) asked for in one UID FETCH. */
#define FETCH_BATCH 100
#define FETCH_BYTES (16u << 20)
/* The fetching thread asks for the next batch while fewer than this many
 * fetched messages wait for the workers: the network and the server work
 * while the workers parse the batch before. */
#define FETCH_AHEAD FETCH_BATCH
/* Messages whose records and checkpoint are committed together: a crash
 * re-does at most these, and the keys make none of them count twice.  A
 * commit writes every page the batch changed to the WAL, and the jobs'
 * indexes spread a batch's rows over many pages: at 100 the commits were
 * a third of a large poll's time. */
#define FETCH_COMMIT 500

/* Fetched messages (or one over max_message_size), as the pipeline's
 * units, waiting for the workers. */
struct fetched {
	struct fetched *next;
	struct ingest_unit *u;
	size_t n, taken;
};

/* A pass: the listing, the batches fetched, and what the writer keeps. */
struct pass {
	struct intake *in;
	struct imap *im;
	const char *mailbox;
	uint32_t uidvalidity;
	volatile sig_atomic_t *stop;

	/* the fetching thread's alone while it runs */
	struct imap_item *items; /* UIDs above the checkpoint */
	size_t n, next;
	char *imap_error; /* the server failed */

	/* between the fetching thread and the workers' take */
	pthread_mutex_t lock;
	pthread_cond_t fetched; /* a batch came, or the fetching ended */
	pthread_cond_t taken;   /* fewer than FETCH_AHEAD messages wait */
	struct fetched *head, **tail;
	size_t waiting; /* messages fetched, not yet taken */
	int fetch_done; /* the fetching thread has no more */
	int quit;       /* the pipeline is over: fetch no more */

	/* writer side */
	struct ingest_batch uncommitted; /* stored, not yet committed */
	char *store_error;               /* the store failed (write) */
	struct fetch_stats *stats;
};

/* Fetches the next batch: up to FETCH_BATCH messages, FETCH_BYTES bytes,
 * in UID order, up to the next one over max_message_size, which is a
 * batch of its own, unread.  NULL when the server failed. */
static struct fetched *fetch_batch(struct pass *p)
{
	size_t max = (size_t)p->in->cfg->max_message_size, bytes = 0, k = 0;
	uint32_t uids[FETCH_BATCH];
	struct imap_msg msgs[FETCH_BATCH];
	struct fetched *f = xcalloc(1, sizeof(*f));

	if (p->items[p->next].size > max) {
		f->u = xcalloc(1, sizeof(*f->u));
		f->u->uid = p->items[p->next].uid;
		f->u->len = p->items[p->next++].size;
		f->u->err = EFBIG;
		f->n = 1;
		return f;
	}
	while (p->next + k < p->n && k < FETCH_BATCH) {
		const struct imap_item *it = &p->items[p->next + k];

		if (it->size > max || (k > 0 && bytes + it->size > FETCH_BYTES))
			break;
		bytes += it->size;
		uids[k++] = it->uid;
	}
	if (imap_fetch_many(p->im, uids, k, msgs, &p->imap_error) < 0) {
		free(f);
		return NULL;
	}
	f->u = xcalloc(k, sizeof(*f->u));
	for (size_t i = 0; i < k; i++) {
		f->u[i].uid = msgs[i].uid;
		if (msgs[i].gone)
			f->u[i].err = ENOENT;
		f->u[i].raw = msgs[i].data;
		f->u[i].len = msgs[i].len;
	}
	f->n = k;
	p->next += k;
	return f;
}

static void fetched_free(struct fetched *f)
{
	for (size_t i = f->taken; i < f->n; i++)
		free(f->u[i].raw);
	free(f->u);
	free(f);
}

/* The fetching thread: batch after batch, in UID order, while the workers
 * parse the ones before.  The IMAP connection is this thread's alone
 * until it ends. */
static void *fetcher(void *arg)
{
	struct pass *p = arg;

	pthread_setname_np(pthread_self(), "refagent-fetch");
	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct fetched *f;

		while (!p->quit && p->waiting >= FETCH_AHEAD)
			pthread_cond_wait(&p->taken, &p->lock);
		if (p->quit || (p->stop && *p->stop) || p->next >= p->n)
			break;
		pthread_mutex_unlock(&p->lock);
		f = fetch_batch(p);
		pthread_mutex_lock(&p->lock);
		if (f == NULL)
			break;
		*p->tail = f;
		p->tail = &f->next;
		p->waiting += f->n;
		pthread_cond_signal(&p->fetched);
	}
	p->fetch_done = 1;
	pthread_cond_broadcast(&p->fetched);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* The pipeline's take: the next message fetched, in UID order (one worker
 * at a time).  Waits only when the fetching thread is behind; after a
 * server failure, the messages fetched before it are still handed out. */
static int pass_take(void *arg, struct ingest_unit *u)
{
	struct pass *p = arg;
	int got = 0;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct fetched *f = p->head;

		if (p->stop && *p->stop)
			break;
		if (f) {
			*u = f->u[f->taken++];
			if (f->taken == f->n) {
				p->head = f->next;
				if (p->head == NULL)
					p->tail = &p->head;
				fetched_free(f);
			}
			if (p->waiting-- == FETCH_AHEAD)
				pthread_cond_signal(&p->taken);
			got = 1;
			break;
		}
		if (p->fetch_done)
			break;
		pthread_cond_wait(&p->fetched, &p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return got;
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
		return intake_parsed(in, u->m, &u->fr, u->prep, &src, res);
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
	if (p.n > 0) {
		pthread_t tid;
		int e;

		pthread_mutex_init(&p.lock, NULL);
		pthread_cond_init(&p.fetched, NULL);
		pthread_cond_init(&p.taken, NULL);
		p.tail = &p.head;
		if ((e = pthread_create(&tid, NULL, fetcher, &p)) != 0)
			fatal("cannot start the fetching thread: %s", strerror(e));
		if (ingest_pipeline(in, p.n == 1 ? 1 : 0, &src) == 0 && commit_batch(&p) < 0) {
			store_rollback(in->st);
			p.store_error = xasprintf("%s: %s", mailbox, store_error(in->st));
		}
		/* the pipeline is over (done, stopped or failed): the fetching
		 * thread ends after the batch in hand, and the connection is the
		 * caller's again */
		pthread_mutex_lock(&p.lock);
		p.quit = 1;
		pthread_cond_signal(&p.taken);
		pthread_mutex_unlock(&p.lock);
		pthread_join(tid, NULL);
		while (p.head) {
			struct fetched *f = p.head;

			p.head = f->next;
			fetched_free(f);
		}
		pthread_cond_destroy(&p.taken);
		pthread_cond_destroy(&p.fetched);
		pthread_mutex_destroy(&p.lock);
	}
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
