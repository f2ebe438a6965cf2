/*
 * ingest.c - messages from files through intake (see ingest.h).
 *
 * A bulk import (an admin loading last year's referral mailbox, or the
 * benchmark) spends most of its time in GMime and PCRE2, which need no
 * shared state, while the decisions need the store and must happen in
 * order (a duplicate or a second intro of the same lead depends on what
 * came before).  So the work is cut into units, one message each, numbered
 * in input order: worker threads take the next unit (reading a file, or
 * the next message of an mbox; one worker at a time, under a lock of its
 * own that the writer never waits for), parse it and run the rules, and
 * park the result in a ring of slots; the calling thread consumes the
 * slots strictly in unit order, decides and writes.
 * With one worker this is the plain one-by-one loop.
 *
 * An mbox is read a window at a time and split as it goes
 * (message_mbox_cut), so a 400 MB export takes the memory of the messages
 * in the ring, not of the file; max_message_size applies to each message.
 *
 * The writer commits every INGEST_BATCH messages.  A store failure rolls
 * the batch back: the summary counts only what was committed and says how
 * many messages the next run will process again; the file that failed is
 * left and the next file is tried, until STORE_FAILS_MAX files in a row
 * failed.
 */
#include "ingest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

#define RING        256 /* messages parsed ahead of the writer */
#define MAX_THREADS 4
/* Read size of an mbox window; a window grows (doubling) to hold a message
 * up to max_message_size. */
#define MBOX_CHUNK (1 << 20)
/* Files whose store writes failed in a row before ingest gives up. */
#define STORE_FAILS_MAX 3

struct slot {
	int ready;
	struct ingest_unit u;
};

/* An mbox being split, a window of its bytes at a time. */
struct mbox_reader {
	int fd;
	size_t file;
	int index; /* of the last message handed out */
	char *buf; /* the window: buf[off..len) not yet handed out */
	size_t len, off, cap;
	int eof;
};

/* The pipeline: the ring and who may take or write what. */
struct job {
	struct intake *in;
	const struct ingest_source *src;
	struct slot ring[RING];

	/* One worker at a time takes the next unit, holding take_lock and
	 * not the pipeline's lock: reading a file or fetching a batch from
	 * the server never stops the writer. */
	pthread_mutex_t take_lock;
	pthread_mutex_t lock;
	pthread_cond_t ready; /* the slot the writer waits for became ready */
	pthread_cond_t space; /* a quarter of the ring was consumed */
	size_t next;          /* next unit number a worker takes */
	size_t consumed;      /* units the writer is done with */
	/* Wake-ups are made only when they let the other side go on: the
	 * writer is told when the unit it waits for is ready, the workers
	 * when a quarter of the ring is free again.  Waking them for every
	 * unit cost two context switches per message on two cores. */
	size_t want;       /* the unit the writer waits for; SIZE_MAX: none */
	int space_waiters; /* workers waiting for space */
	int stop;
	int done; /* the source has no unit left */
};
/* Free slots that wake the workers waiting for space. */
#define RING_REFILL (RING / 4)

/* `ingest`'s source: the files, and what the writer keeps of them. */
struct files {
	struct intake *in;
	char **files;
	size_t nfiles;
	/* read under the pipeline's lock */
	size_t next_file;
	struct mbox_reader *mbox;

	/* writer side */
	int quiet;
	struct ingest_batch uncommitted; /* stored, not yet committed */
	size_t file_fails;               /* files in a row whose writes failed */
	size_t last_file;                /* of the unit written last, + 1 */
	int file_failed;                 /* a write of that file failed: its other units are left */
	char where[1024];                /* that unit: PATH or PATH[i] */
	struct progress *bar;
	struct ingest_stats *stats;
};

/* ---- the files ---- */

static void add_file(char ***files, size_t *n, size_t *cap, char *path)
{
	*files = xgrow(*files, cap, *n + 1, sizeof(**files));
	(*files)[(*n)++] = path;
}

/* An entry of a folder: its name and what readdir says it is (DT_UNKNOWN
 * on file systems that do not say, and then stat tells). */
struct entry {
	char *name;
	unsigned char type;
};

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static void walk(const char *dir, char ***files, size_t *n, size_t *cap,
                 struct ingest_stats *stats);

/* The entries of dir, in name order, hidden ones left out; NULL (with an
 * error logged) when it cannot be read. */
static struct entry *dir_entries(const char *dir, size_t *n_r, struct ingest_stats *stats)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	struct entry *v = NULL;
	size_t n = 0, cap = 0;

	*n_r = 0;
	if (dp == NULL) {
		log_error("%s: %s", dir, strerror(errno));
		stats->failed = 1;
		return NULL;
	}
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].name = xstrdup(de->d_name);
		v[n++].type = de->d_type;
	}
	closedir(dp);
	if (n > 1)
		qsort(v, n, sizeof(*v), entry_cmp);
	*n_r = n;
	return v;
}

/* Non-zero when dir/sub is a folder. */
static int has_folder(const char *dir, const char *sub)
{
	char *path = xasprintf("%s/%s", dir, sub);
	struct stat st;
	int yes = stat(path, &st) == 0 && S_ISDIR(st.st_mode);

	free(path);
	return yes;
}

/* Files of dir and of its folders, each folder in name order; a Maildir
 * gives cur/ then new/ (its tmp/ holds mail still being delivered).  A
 * regular file or a folder is known from readdir; only a link or an
 * entry readdir does not type is looked at with stat (a Maildir of
 * 10,000 messages was 10,000 stat calls before the first parse). */
static void walk(const char *dir, char ***files, size_t *n, size_t *cap, struct ingest_stats *stats)
{
	size_t k = 0;
	struct entry *ents = dir_entries(dir, &k, stats);
	const char *sep = dir[strlen(dir) - 1] == '/' ? "" : "/";
	/* a Maildir: it has a cur/ or a new/ */
	int maildir = has_folder(dir, "cur") || has_folder(dir, "new/");
	struct stat st;

	for (size_t i = 0; i < k; i++) {
		char *full = xasprintf("%s%s%s", dir, sep, ents[i].name);
		unsigned char type = ents[i].type;

		if (type != DT_REG && type != DT_DIR) {
			if (stat(full, &st) != 0)
				type = DT_UNKNOWN;
			else
				type = S_ISREG(st.st_mode)   ? DT_REG
				       : S_ISDIR(st.st_mode) ? DT_DIR
				                             : DT_FIFO;
		}
		if (maildir && strcmp(ents[i].name, "tmp") == 0) {
			free(full);
		} else if (type == DT_UNKNOWN) {
			log_error("%s: %s", full, strerror(errno));
			stats->failed = 1;
			free(full);
		} else if (type == DT_REG) {
			add_file(files, n, cap, full);
		} else if (type == DT_DIR) {
			walk(full, files, n, cap, stats);
			free(full);
		} else {
			log_warn("%s: skipped: not a regular file", full);
			stats->skipped++;
			free(full);
		}
		free(ents[i].name);
	}
	free(ents);
}

static void expand(const char *path, char ***files, size_t *n, size_t *cap,
                   struct ingest_stats *stats)
{
	struct stat st;

	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		walk(path, files, n, cap, stats);
	else
		add_file(files, n, cap, xstrdup(path));
}

/* ---- the input: units taken one at a time ---- */

/* Reads up to want more bytes into r's window; 0, or -1 with errno. */
static int mbox_fill(struct mbox_reader *r, size_t want)
{
	if (r->off > 0) {
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	r->buf = xgrow(r->buf, &r->cap, r->len + want + 1, 1);
	while (want > 0) {
		ssize_t got = read(r->fd, r->buf + r->len, want);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0) {
			r->eof = 1;
			break;
		}
		r->len += (size_t)got;
		want -= (size_t)got;
	}
	return 0;
}

/* Skips a message over max: its bytes up to the next separator line.  Sets
 * *size_r to its size; 0, or -1 with errno. */
static int mbox_skip(struct mbox_reader *r, size_t *size_r)
{
	size_t size = 0;

	for (;;) {
		char *w = r->buf + r->off, *end = r->buf + r->len, *p = w;

		/* a separator is a line starting "From ": look at each line start */
		while (p < end) {
			char *nl = memchr(p, '\n', (size_t)(end - p));

			if (nl == NULL) {
				p = end; /* no line starts in the rest */
				break;
			}
			if ((size_t)(end - nl - 1) < 5) {
				p = nl; /* look at this line end again */
				break;
			}
			if (memcmp(nl + 1, "From ", 5) == 0) {
				size += (size_t)(nl + 1 - w);
				r->off += (size_t)(nl + 1 - w);
				*size_r = size;
				return 0;
			}
			p = nl + 1;
		}
		if (r->eof) {
			size += (size_t)(end - w);
			r->off = r->len;
			*size_r = size;
			return 0;
		}
		/* keep the last partial line: a separator may start there */
		size += (size_t)(p - w);
		r->off += (size_t)(p - w);
		if (mbox_fill(r, MBOX_CHUNK) != 0)
			return -1;
	}
}

/* The next message of r into u.  1 a unit, 0 none left. */
static int mbox_next(struct mbox_reader *r, size_t max, struct ingest_unit *u)
{
	for (;;) {
		struct mbox_cut c;
		int rc = message_mbox_cut(r->buf + r->off, r->len - r->off, r->eof, &c);
		size_t held = r->len - r->off;

		if (rc < 0)
			return 0;
		if (rc > 0) {
			const char *raw = r->buf + r->off + c.start;

			u->index = ++r->index;
			if (c.stop - c.start > max) {
				u->err = EFBIG;
				u->len = c.stop - c.start;
			} else if (c.escapes) {
				u->raw = message_mbox_unescape(raw, c.stop - c.start, &u->len);
			} else {
				u->len = c.stop - c.start;
				u->raw = xmalloc(u->len + 1);
				memcpy(u->raw, raw, u->len);
				u->raw[u->len] = '\0';
			}
			r->off += c.next;
			return 1;
		}
		/* a message (after its separator line) longer than max: skipped */
		if (held > max + MBOX_CHUNK) {
			size_t size = 0;

			u->index = ++r->index;
			if (mbox_skip(r, &size) != 0) {
				u->err = errno;
				r->eof = 1;
				r->off = r->len;
				return 1;
			}
			u->err = EFBIG;
			u->len = size;
			return 1;
		}
		if (mbox_fill(r, held > MBOX_CHUNK ? held : MBOX_CHUNK) != 0) {
			u->index = ++r->index;
			u->err = errno;
			r->eof = 1;
			r->off = r->len;
			return 1;
		}
	}
}

static void mbox_close(struct mbox_reader *r)
{
	if (r == NULL)
		return;
	if (r->fd > 0)
		close(r->fd);
	free(r->buf);
	free(r);
}

/* Opens file i: a single message goes to u whole (or u->err); an mbox
 * becomes job->mbox and gives nothing yet.  1 when u is set. */
static int open_file(struct files *job, size_t i, struct ingest_unit *u)
{
	const char *path = job->files[i];
	size_t max = (size_t)job->in->cfg->max_message_size;
	struct mbox_reader *r = xcalloc(1, sizeof(*r));
	struct stat st;

	r->file = i;
	r->fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0 || fstat(r->fd, &st) != 0)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	/* enough to tell an mbox, and all of a small message */
	if (mbox_fill(r, S_ISREG(st.st_mode) && (uint64_t)st.st_size < max ? (size_t)st.st_size + 1
	                 : MBOX_CHUNK < max + 1                            ? MBOX_CHUNK
	                                                                   : max + 1) != 0)
		goto fail;
	if (message_is_mbox(r->buf, r->len)) {
		job->mbox = r;
		return 0;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
		errno = EFBIG;
		goto fail;
	}
	while (!r->eof && r->len <= max)
		if (mbox_fill(r, max + 1 - r->len) != 0)
			goto fail;
	if (r->len > max) {
		errno = EFBIG;
		goto fail;
	}
	u->len = r->len;
	u->raw = r->buf;
	u->raw[u->len] = '\0';
	r->buf = NULL;
	mbox_close(r);
	return 1;
fail:
	u->err = errno;
	mbox_close(r);
	return 1;
}

/* The next unit (take: one worker at a time).  1 a unit, 0 none left. */
static int files_take(void *arg, struct ingest_unit *u)
{
	struct files *job = arg;
	size_t max = (size_t)job->in->cfg->max_message_size;

	for (;;) {
		if (job->mbox) {
			u->file = job->mbox->file;
			if (mbox_next(job->mbox, max, u))
				return 1;
			mbox_close(job->mbox);
			job->mbox = NULL;
			memset(u, 0, sizeof(*u));
		}
		if (job->next_file >= job->nfiles)
			return 0;
		u->file = job->next_file++;
		if (open_file(job, u->file, u))
			return 1;
	}
}

/* ---- workers: parse, run the rules ---- */

static void parse_unit(struct job *job, struct ingest_unit *u)
{
	if (u->err || u->raw == NULL)
		return;
	if (message_parse(u->raw, u->len, &u->m, &u->error) != 0)
		return; /* the raw bytes are kept for the record */
	intake_unwrap_list(job->in->cfg, u->m);
	/* the context (a trim by the rules) is made here, on the worker */
	u->m->context = filter_context(job->in->filters, u->m->body);
	filter_run(job->in->filters, u->m, 0, &u->fr);
	u->prep = intake_prepare(job->in, u->m, &u->fr);
	free(u->raw);
	u->raw = NULL;
}

static void unit_clear(struct ingest_unit *u)
{
	message_free(u->m);
	filter_result_clear(&u->fr);
	intake_prep_free(u->prep);
	free(u->error);
	free(u->raw);
	memset(u, 0, sizeof(*u));
}

static void *worker(void *arg)
{
	struct job *job = arg;

	pthread_setname_np(pthread_self(), "refagent-parse");
	for (;;) {
		size_t i;
		struct slot *s;
		struct ingest_unit u = {0};
		int got;

		pthread_mutex_lock(&job->take_lock);
		pthread_mutex_lock(&job->lock);
		while (!job->stop && !job->done && job->next >= job->consumed + RING) {
			job->space_waiters++;
			pthread_cond_wait(&job->space, &job->lock);
			job->space_waiters--;
		}
		got = !job->stop && !job->done;
		pthread_mutex_unlock(&job->lock);
		/* take_lock keeps the units in take order: unit i is the i-th
		 * taken, whichever worker takes it */
		if (got)
			got = job->src->take(job->src->arg, &u);
		pthread_mutex_lock(&job->lock);
		if (!got || job->stop) {
			job->done = 1;
			pthread_cond_broadcast(&job->ready);
			pthread_mutex_unlock(&job->lock);
			pthread_mutex_unlock(&job->take_lock);
			unit_clear(&u);
			return NULL;
		}
		i = job->next++;
		pthread_mutex_unlock(&job->lock);
		pthread_mutex_unlock(&job->take_lock);

		/* The slot still holds unit i - RING, written and done with: it
		 * is freed here.  Whichever worker is free takes the next unit,
		 * so with two workers about half of these units were parsed
		 * (allocated) by the other one.  Handing each unit back to the
		 * worker that parsed it, through a trash list per worker, made
		 * no difference that could be measured (ingest of 10,000
		 * mails, 8 alternating pairs: 3.645 and 3.625 CPU-seconds,
		 * median), so the slot's next user frees it. */
		s = &job->ring[i % RING];
		unit_clear(&s->u);
		s->u = u;
		parse_unit(job, &s->u);

		pthread_mutex_lock(&job->lock);
		s->ready = 1;
		if (job->want == i)
			pthread_cond_signal(&job->ready);
		pthread_mutex_unlock(&job->lock);
	}
}

static int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

int ingest_pipeline(struct intake *in, int threads, const struct ingest_source *src)
{
	struct job *job = xcalloc(1, sizeof(*job));
	pthread_t tid[MAX_THREADS];
	int nthreads = threads > 0 ? threads : online_cpus(), started = 0, rc = 0;

	job->in = in;
	job->src = src;
	job->want = SIZE_MAX;
	pthread_mutex_init(&job->take_lock, NULL);
	pthread_mutex_init(&job->lock, NULL);
	pthread_cond_init(&job->ready, NULL);
	pthread_cond_init(&job->space, NULL);
	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	/* Messages are allocated on the workers and freed here; without this
	 * glibc hands memory back to the kernel after every few messages, and
	 * each brk shrink costs a TLB shootdown on every core. */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, 16 << 20);
	message_init(); /* before any thread parses */
	for (int t = 0; t < nthreads; t++) {
		if (pthread_create(&tid[t], NULL, worker, job) != 0)
			break;
		started++;
	}
	if (started == 0)
		fatal("cannot start a parsing thread: %s", strerror(errno));

	/* the writer: every unit in order */
	for (size_t i = 0; rc == 0; i++) {
		struct slot *s = &job->ring[i % RING];

		pthread_mutex_lock(&job->lock);
		job->want = i;
		while (!s->ready && !(job->done && i >= job->next))
			pthread_cond_wait(&job->ready, &job->lock);
		job->want = SIZE_MAX;
		pthread_mutex_unlock(&job->lock);
		if (!s->ready)
			break; /* every unit written */
		rc = src->write(src->arg, &s->u);

		pthread_mutex_lock(&job->lock);
		s->ready = 0; /* the worker that reuses the slot frees it */
		job->consumed = i + 1;
		if (rc != 0)
			job->stop = 1;
		if (job->space_waiters > 0 &&
		    (rc != 0 || job->consumed + RING - job->next >= RING_REFILL))
			pthread_cond_broadcast(&job->space);
		pthread_mutex_unlock(&job->lock);
	}

	pthread_mutex_lock(&job->lock);
	job->stop = 1;
	pthread_cond_broadcast(&job->space);
	pthread_mutex_unlock(&job->lock);
	for (int t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	/* after a stop, slots parsed ahead are still full */
	for (size_t i = 0; i < RING; i++)
		unit_clear(&job->ring[i].u);
	pthread_cond_destroy(&job->space);
	pthread_cond_destroy(&job->ready);
	pthread_mutex_destroy(&job->lock);
	pthread_mutex_destroy(&job->take_lock);
	free(job);
	return rc ? -1 : 0;
}

/* ---- the files' writer: decide and store, in order ---- */

void ingest_batch_committed(struct ingest_batch *b, size_t *count, size_t *by_outcome)
{
	*count += b->n;
	for (size_t o = 0; o <= INTAKE_ERROR; o++)
		by_outcome[o] += b->by_outcome[o];
	memset(b, 0, sizeof(*b));
}

/* The batch is gone: nothing of it was committed, and a new run processes
 * it again. */
static void batch_lost(struct files *job)
{
	store_rollback(job->in->st);
	job->stats->not_committed += job->uncommitted.n;
	memset(&job->uncommitted, 0, sizeof(job->uncommitted));
	job->stats->store_failed = 1;
}

/* Commits the batch; job->where names the message that ends it. */
static int commit_batch(struct files *job)
{
	struct store *st = job->in->st;

	if (job->uncommitted.n == 0)
		return 0;
	if (store_commit(st) != 0) {
		log_error("%s: %s", job->where, store_error(st));
		batch_lost(job);
		return -1;
	}
	ingest_batch_committed(&job->uncommitted, &job->stats->count, job->stats->by_outcome);
	return 0;
}

static int write_item(struct files *job, struct ingest_unit *u)
{
	struct store *st = job->in->st;
	struct intake_source src = {.path = job->files[u->file]};
	struct intake_result res = {0};
	const char *where = job->where;
	int rc;

	if (job->uncommitted.n == 0 && store_begin(st) != 0) {
		log_error("%s: %s", where, store_error(st));
		job->stats->store_failed = 1;
		job->stats->not_committed++;
		return -1;
	}
	if (u->m)
		rc = intake_parsed(job->in, u->m, &u->fr, u->prep, &src, &res);
	else
		rc = intake_unparsable(job->in, u->raw, u->len, u->error, &src, &res);
	if (rc != 0) {
		log_error("%s: %s", where, store_error(st));
		job->uncommitted.n++; /* this message is lost with the batch */
		batch_lost(job);
		free(res.why);
		return -1;
	}
	job->uncommitted.n++;
	job->uncommitted.by_outcome[res.outcome]++;
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
	if (job->uncommitted.n >= INGEST_BATCH)
		return commit_batch(job);
	return 0;
}

/* Writes unit u.  0, or -1 when the store failed. */
static int write_unit(struct files *job, struct ingest_unit *u)
{
	const char *path = job->files[u->file];
	const char *where = job->where;

	if (u->index > 0)
		snprintf(job->where, sizeof(job->where), "%s[%d]", path, u->index);
	else
		snprintf(job->where, sizeof(job->where), "%s", path);
	if (u->err == EFBIG && u->index > 0) {
		log_error("%s: a message of %zu bytes, larger than max_message_size (%ld bytes); "
		          "skipped",
		          where, u->len, job->in->cfg->max_message_size);
		job->stats->failed = 1;
		return 0;
	}
	if (u->err == EFBIG) {
		log_error("%s: larger than max_message_size (%ld bytes); not read", where,
		          job->in->cfg->max_message_size);
		job->stats->failed = 1;
		return 0;
	}
	if (u->err) {
		log_error("%s: %s", where, strerror(u->err));
		job->stats->failed = 1;
		return 0;
	}
	return write_item(job, u);
}

/* The writer's step for each unit, in order: 0, or -1 to stop. */
static int files_write(void *arg, struct ingest_unit *u)
{
	struct files *job = arg;

	if (u->file + 1 != job->last_file) {
		/* a file done without a store failure ends a run of them */
		if (job->last_file != 0 && !job->file_failed)
			job->file_fails = 0;
		if (job->bar) {
			char note[48];

			snprintf(note, sizeof(note), "%zu messages",
			         job->stats->count + job->uncommitted.n);
			progress_update(job->bar, u->file, note);
		}
		job->last_file = u->file + 1;
		job->file_failed = 0;
	}
	if (job->file_failed) {
		/* the rest of a file that failed is left to the next run */
		if (!u->err)
			job->stats->not_committed++;
		return 0;
	}
	if (write_unit(job, u) == 0)
		return 0;
	job->file_failed = 1;
	job->stats->files_failed++;
	if (++job->file_fails < STORE_FAILS_MAX)
		return 0;
	job->stats->files_left = job->nfiles - u->file - 1;
	log_error("stopping after %d files in a row could not be written", STORE_FAILS_MAX);
	return -1;
}

int ingest_paths(struct intake *in, char *const *paths, size_t n, int quiet, int threads,
                 struct ingest_stats *stats)
{
	struct files job = {.in = in, .quiet = quiet, .stats = stats};
	struct ingest_source src = {files_take, files_write, &job};
	size_t cap = 0;

	memset(stats, 0, sizeof(*stats));
	for (size_t i = 0; i < n; i++)
		expand(paths[i], &job.files, &job.nfiles, &cap, stats);
	job.bar = progress_start("ingest", "files", job.nfiles, !quiet);
	if (ingest_pipeline(in, threads, &src) == 0)
		commit_batch(&job);
	progress_end(job.bar);
	mbox_close(job.mbox);
	free_strings(job.files, job.nfiles);
	return stats->failed || stats->store_failed ? -1 : 0;
}
