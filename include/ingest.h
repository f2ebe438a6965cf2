/*
 * ingest.h - `refagent ingest`: messages from files through intake.
 *
 * Takes .eml files, mbox files (read message by message, so their size
 * is not limited: max_message_size applies to each message), Maildirs
 * (cur/ and new/), folders of files and folders (walked in name order,
 * hidden entries left out, other entries than files and folders named and
 * skipped), and "-" for stdin.  Each message goes the same way as a fetched
 * one (intake_parsed / intake_unparsable), in the order given.  Reading,
 * parsing and the rules run on worker threads (they touch no shared
 * state); deciding and writing stay on the calling thread, in order, so
 * the outcome is exactly that of a one-by-one run.  Writes are committed
 * every INGEST_BATCH messages: a crash re-does at most one batch, and the
 * stored keys make the re-done messages duplicates.  A database failure
 * (locked, full) loses the batch and the rest of that file and goes on
 * with the next file, until three files in a row failed; the stats count
 * what was committed and how many messages were not.
 */
#ifndef REFAGENT_INGEST_H
#define REFAGENT_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "intake.h"

#define INGEST_BATCH 2000

struct ingest_stats {
	size_t count; /* messages processed and committed */
	size_t by_outcome[INTAKE_ERROR + 1];
	size_t not_committed; /* messages rolled back or left by a store failure */
	size_t files_failed;  /* files whose writes failed */
	size_t files_left;    /* files not processed after too many such failures */
	size_t skipped;       /* entries of folders that are no regular files */
	int failed;           /* a file could not be read, or a message was no message */
	int store_failed;     /* the database failed */
};

/*
 * Ingests paths[0..n).  Prints one line per message on stdout ("PATH:
 * outcome #ID: why"; an mbox's messages as PATH[i]) unless quiet, and one
 * line per failure on stderr.  threads is the number of parsing threads
 * (0: one per CPU, at most 4).  Returns 0 when every message was processed
 * and committed and every file read, -1 otherwise (details in *stats).
 */
int ingest_paths(struct intake *in, char *const *paths, size_t n, int quiet, int threads,
                 struct ingest_stats *stats);

/* ---- the pipeline, for other sources of messages (fetch.c) ---- */

/* One message on its way through the pipeline. */
struct ingest_unit {
	/* set by the source's take */
	char *raw; /* the bytes (malloc'd, the pipeline frees them); NULL: none */
	size_t len;
	int err;     /* errno: no bytes to parse (the source says why) */
	size_t file; /* the source's own: which file, which message of an mbox, */
	int index;   /* which UID */
	uint32_t uid;
	/* set by a worker when raw is set and err is 0: the parsed message
	 * with its context and the rules' results, or error (raw is kept) */
	struct message *m;
	struct filter_result fr;
	struct intake_prep *prep; /* what intake reads of m without the store */
	char *error;
};

struct ingest_source {
	/* Called by one worker at a time, in unit order: fills *u (zeroed)
	 * with the next unit and returns 1, or returns 0 when there is none
	 * left (for now: a source that failed says so itself).  The writer
	 * runs meanwhile (take may block, reading or fetching), so take and
	 * write must share no state. */
	int (*take)(void *arg, struct ingest_unit *u);
	/* Called on the calling thread for each unit, in take order: decide
	 * and store.  0 goes on, -1 stops the pipeline. */
	int (*write)(void *arg, struct ingest_unit *u);
	void *arg;
};

/* The messages a source's write has stored in a transaction not yet
 * committed: how many, and how many of each intake outcome. */
struct ingest_batch {
	size_t n;
	size_t by_outcome[INTAKE_ERROR + 1];
};

/* The batch was committed: adds it to a run's tallies (*count, and
 * by_outcome[INTAKE_ERROR + 1]) and empties it. */
void ingest_batch_committed(struct ingest_batch *b, size_t *count, size_t *by_outcome);

/*
 * Runs src through the pipeline: threads workers (0: one per CPU, at most
 * 4) take units and parse them (context, rules) in parallel, this thread
 * writes them in order.  Returns 0 when every unit was written, -1 when
 * write stopped it.
 */
int ingest_pipeline(struct intake *in, int threads, const struct ingest_source *src);

#endif
