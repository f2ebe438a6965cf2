/*
 * ingest.c - messages from files through intake (see ingest.h).
 *
 * A bulk import (an admin loading last year's referral mailbox, or the
 * benchmark) spends most of its time in GMime and PCRE2, which need no
 * shared state, while the decisions need the store and must happen in
 * order (a duplicate or a second intro of the same lead depends on what
 * came before).  So: worker threads take files in order, read, parse and
 * run the rules, and park the result in a ring of slots; the calling
 * thread consumes the slots strictly in file order, decides and writes.
 * With one worker this is the plain one-by-one loop.
 */
#include "ingest.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "message.h"
#include "progress.h"
#include "store.h"
#include "util.h"

#define RING        64 /* files parsed ahead of the writer */
#define MAX_THREADS 4

/* One message of a file, parsed (or not) by a worker. */
struct item {
	struct message *m;       /* NULL: not a message */
	struct filter_result fr; /* the rules' results for m */
	char *error;             /* why m is NULL */
	char *raw;               /* the bytes, kept only when m is NULL */
	size_t rawlen;
	int index; /* 1-based within an mbox, 0 for a single message */
};

struct slot {
	int ready;
	int read_errno; /* the file could not be read */
	struct item *items;
	size_t n, cap;
};

struct job {
	struct intake *in;
	char **files;
	size_t nfiles;
	struct slot ring[RING];

	pthread_mutex_t lock;
	pthread_cond_t ready; /* a slot became ready */
	pthread_cond_t space; /* a slot was consumed */
	size_t next;          /* next file a worker takes */
	size_t consumed;      /* files the writer is done with */
	int stop;

	/* writer side */
	int quiet;
	size_t in_batch;
	struct ingest_stats *stats;
};

/* ---- the files ---- */

static void add_file(char ***files, size_t *n, size_t *cap, char *path)
{
	*files = xgrow(*files, cap, *n + 1, sizeof(**files));
	(*files)[(*n)++] = path;
}

/* The regular files of dir (sorted, hidden ones skipped), appended. */
static void list_dir(const char *dir, char ***files, size_t *n, size_t *cap)
{
	char **paths = NULL;
	size_t k = 0;

	if (dir_files(dir, "", &paths, &k) != 0)
		return;
	for (size_t i = 0; i < k; i++)
		add_file(files, n, cap, paths[i]);
	free(paths);
}

/* A folder with cur/ or new/ is a Maildir: both are taken (cur first);
 * any other folder gives its own files. */
static void expand(const char *path, char ***files, size_t *n, size_t *cap)
{
	struct stat st;

	if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		add_file(files, n, cap, xstrdup(path));
		return;
	}
	char *cur = xasprintf("%s/cur", path), *new = xasprintf("%s/new", path);
	int maildir = (stat(cur, &st) == 0 && S_ISDIR(st.st_mode)) ||
	              (stat(new, &st) == 0 && S_ISDIR(st.st_mode));

	if (maildir) {
		list_dir(cur, files, n, cap);
		list_dir(new, files, n, cap);
	} else {
		list_dir(path, files, n, cap);
	}
	free(cur);
	free(new);
}

/* ---- workers: read, parse, run the rules ---- */

static int read_stdin(size_t max, char **data, size_t *len)
{
	struct buf b = {0};
	char chunk[65536];
	size_t got;

	while ((got = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
		buf_add(&b, chunk, got);
		if (b.len > max) {
			buf_free(&b);
			errno = EFBIG;
			return -1;
		}
	}
	if (ferror(stdin)) {
		buf_free(&b);
		errno = EIO;
		return -1;
	}
	*len = b.len;
	*data = buf_steal(&b);
	return 0;
}

struct parse_ctx {
	struct job *job;
	struct slot *slot;
};

static int parse_one(const char *raw, size_t len, int index, void *arg)
{
	struct parse_ctx *c = arg;
	struct slot *s = c->slot;
	struct item *it;

	s->items = xgrow(s->items, &s->cap, s->n + 1, sizeof(*s->items));
	it = &s->items[s->n++];
	memset(it, 0, sizeof(*it));
	it->index = index;
	if (message_parse(raw, len, &it->m, &it->error) != 0) {
		it->raw = xstrndup(raw, len);
		it->rawlen = len;
		return 0;
	}
	/* the context (a trim by the rules) is made here, on the worker */
	it->m->context = filter_context(c->job->in->filters, it->m->body);
	filter_run(c->job->in->filters, it->m, 0, &it->fr);
	return 0;
}

static void parse_file(struct job *job, const char *path, struct slot *s)
{
	struct parse_ctx c = {job, s};
	size_t max = (size_t)job->in->cfg->max_message_size, len = 0;
	char *data = NULL;
	int rc;

	if (strcmp(path, "-") == 0)
		rc = read_stdin(max, &data, &len);
	else
		rc = file_read(path, max, &data, &len);
	if (rc != 0) {
		s->read_errno = errno;
		return;
	}
	if (message_is_mbox(data, len))
		message_mbox_foreach(data, len, parse_one, &c);
	else
		parse_one(data, len, 0, &c);
	free(data);
}

static void slot_clear(struct slot *s)
{
	for (size_t i = 0; i < s->n; i++) {
		message_free(s->items[i].m);
		filter_result_clear(&s->items[i].fr);
		free(s->items[i].error);
		free(s->items[i].raw);
	}
	free(s->items);
	memset(s, 0, sizeof(*s));
}

static void *worker(void *arg)
{
	struct job *job = arg;

	pthread_setname_np(pthread_self(), "refagent-parse");
	for (;;) {
		size_t i;
		struct slot *s;

		pthread_mutex_lock(&job->lock);
		while (!job->stop && job->next < job->nfiles && job->next >= job->consumed + RING)
			pthread_cond_wait(&job->space, &job->lock);
		if (job->stop || job->next >= job->nfiles) {
			pthread_mutex_unlock(&job->lock);
			return NULL;
		}
		i = job->next++;
		pthread_mutex_unlock(&job->lock);

		/* The slot still holds file i - RING, written and done with: it
		 * is freed here, on the thread that allocated it (freeing
		 * another thread's memory would contend on its malloc arena). */
		s = &job->ring[i % RING];
		slot_clear(s);
		parse_file(job, job->files[i], s);

		pthread_mutex_lock(&job->lock);
		s->ready = 1;
		pthread_cond_broadcast(&job->ready);
		pthread_mutex_unlock(&job->lock);
	}
}

/* ---- the writer: decide and store, in order ---- */

static int commit_batch(struct job *job)
{
	struct store *st = job->in->st;

	if (job->in_batch == 0)
		return 0;
	job->in_batch = 0;
	if (store_commit(st) != 0) {
		log_error("%s", store_error(st));
		store_rollback(st);
		job->stats->store_failed = 1;
		return -1;
	}
	return 0;
}

static int write_item(struct job *job, const char *path, struct item *it)
{
	struct store *st = job->in->st;
	struct intake_source src = {.path = path};
	struct intake_result res = {0};
	char where[1024];
	int rc;

	if (it->index > 0)
		snprintf(where, sizeof(where), "%s[%d]", path, it->index);
	else
		snprintf(where, sizeof(where), "%s", path);
	if (job->in_batch == 0 && store_begin(st) != 0) {
		log_error("%s: %s", where, store_error(st));
		job->stats->store_failed = 1;
		return -1;
	}
	job->in_batch++;
	if (it->m)
		rc = intake_parsed(job->in, it->m, &it->fr, &src, &res);
	else
		rc = intake_unparsable(job->in, it->raw, it->rawlen, it->error, &src, &res);
	if (rc != 0) {
		/* the batch is lost: nothing of it was committed, and a new
		 * run processes it again */
		log_error("%s: %s", where, store_error(st));
		store_rollback(st);
		job->in_batch = 0;
		job->stats->store_failed = 1;
		free(res.why);
		return -1;
	}
	job->stats->count++;
	job->stats->by_outcome[res.outcome]++;
	if (res.outcome == INTAKE_ERROR) {
		log_error("%s: %s", where, res.why ? res.why : "not a mail message");
		job->stats->failed = 1;
	} else if (!job->quiet) {
		if (res.referral)
			printf("%s: %s #%" PRId64 ": %s\n", where, intake_outcome_name(res.outcome),
			       res.referral, res.why ? res.why : "");
		else
			printf("%s: %s: %s\n", where, intake_outcome_name(res.outcome),
			       res.why ? res.why : "");
	}
	free(res.why);
	if (job->in_batch >= INGEST_BATCH)
		return commit_batch(job);
	return 0;
}

static int write_slot(struct job *job, const char *path, struct slot *s)
{
	if (s->read_errno) {
		if (s->read_errno == EFBIG)
			log_error("%s: larger than max_message_size (%ld bytes); not read", path,
			          job->in->cfg->max_message_size);
		else
			log_error("%s: %s", path, strerror(s->read_errno));
		job->stats->failed = 1;
		return 0;
	}
	for (size_t i = 0; i < s->n; i++)
		if (write_item(job, path, &s->items[i]) != 0)
			return -1;
	return 0;
}

static int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

int ingest_paths(struct intake *in, char *const *paths, size_t n, int quiet, int threads,
                 struct ingest_stats *stats)
{
	struct job job = {0};
	size_t cap = 0;
	pthread_t tid[MAX_THREADS];
	int nthreads = threads > 0 ? threads : online_cpus(), started = 0;
	struct progress *bar;
	char note[48];

	memset(stats, 0, sizeof(*stats));
	for (size_t i = 0; i < n; i++)
		expand(paths[i], &job.files, &job.nfiles, &cap);
	job.in = in;
	job.quiet = quiet;
	job.stats = stats;
	pthread_mutex_init(&job.lock, NULL);
	pthread_cond_init(&job.ready, NULL);
	pthread_cond_init(&job.space, NULL);
	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	/* Messages are allocated on the workers and freed here; without this
	 * glibc hands memory back to the kernel after every few messages, and
	 * each brk shrink costs a TLB shootdown on every core. */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, 16 << 20);
	message_init(); /* before any thread parses */
	for (int t = 0; t < nthreads; t++) {
		if (pthread_create(&tid[t], NULL, worker, &job) != 0)
			break;
		started++;
	}
	if (started == 0)
		fatal("cannot start a parsing thread: %s", strerror(errno));
	bar = progress_start("ingest", "files", job.nfiles, !quiet);

	for (size_t i = 0; i < job.nfiles; i++) {
		struct slot *s = &job.ring[i % RING];
		int rc;

		pthread_mutex_lock(&job.lock);
		while (!s->ready)
			pthread_cond_wait(&job.ready, &job.lock);
		pthread_mutex_unlock(&job.lock);
		rc = write_slot(&job, job.files[i], s);

		pthread_mutex_lock(&job.lock);
		s->ready = 0; /* the worker that reuses the slot frees it */
		job.consumed = i + 1;
		if (rc != 0)
			job.stop = 1;
		pthread_cond_broadcast(&job.space);
		pthread_mutex_unlock(&job.lock);
		if (rc != 0)
			break;
		snprintf(note, sizeof(note), "%zu messages", stats->count);
		progress_update(bar, i + 1, note);
	}
	progress_end(bar);
	if (!stats->store_failed)
		commit_batch(&job);

	pthread_mutex_lock(&job.lock);
	job.stop = 1;
	pthread_cond_broadcast(&job.space);
	pthread_mutex_unlock(&job.lock);
	for (int t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	/* after a stop, slots parsed ahead are still full */
	for (size_t i = 0; i < RING; i++)
		slot_clear(&job.ring[i]);
	for (size_t i = 0; i < job.nfiles; i++)
		free(job.files[i]);
	free(job.files);
	pthread_cond_destroy(&job.space);
	pthread_cond_destroy(&job.ready);
	pthread_mutex_destroy(&job.lock);
	return stats->failed || stats->store_failed ? -1 : 0;
}
