/*
 * fetch.c - new mail from the watched mailbox into intake (see fetch.h).
 *
 * The order of work per message is what makes "nothing lost, nothing twice"
 * hold: fetch the bytes, BEGIN, intake (message row, referrals, events),
 * checkpoint = this UID, COMMIT.  Nothing is acknowledged to the server:
 * the mailbox is only examined, so the checkpoint is the single truth.
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
#include "log.h"
#include "oauth.h"
#include "store.h"
#include "util.h"

/* Longest wait in IDLE before re-issuing it (RFC 2177 asks for < 29 min). */
#define IDLE_MAX    25 * 60
#define BACKOFF_MAX 300

static int process_one(struct intake *in, struct imap *im, const char *mailbox,
                       uint32_t uidvalidity, const struct imap_item *it, struct fetch_stats *stats,
                       char **error_r)
{
	struct intake_source src = {.mailbox = mailbox, .uidvalidity = uidvalidity, .uid = it->uid};
	struct intake_result res = {0};
	char *data = NULL, *err = NULL;
	size_t len = 0;
	int rc;

	if (it->size > (size_t)in->cfg->max_message_size) {
		/* Recorded unread under a key of its own so it counts as processed;
		 * the admin can read it in the mailbox. */
		char key[300], why[200];

		snprintf(key, sizeof(key), "imap:%s/%" PRIu32 "/%" PRIu32, mailbox, uidvalidity,
		         it->uid);
		snprintf(why, sizeof(why),
		         "message of %zu bytes is larger than max_message_size %ld", it->size,
		         in->cfg->max_message_size);
		log_error("%s UID %" PRIu32 ": %s; recorded, not read", mailbox, it->uid, why);
		if (store_begin(in->st) < 0)
			goto store_fail;
		if (intake_record_unparsed(in, key, why, &src, &res) < 0 ||
		    store_checkpoint_set(in->st, mailbox, uidvalidity, it->uid) < 0 ||
		    store_commit(in->st) < 0) {
			store_rollback(in->st);
			goto store_fail;
		}
		goto done;
	}

	rc = imap_fetch(im, it->uid, &data, &len, &err);
	if (rc < 0) {
		*error_r = err;
		return -1;
	}
	if (store_begin(in->st) < 0)
		goto store_fail;
	if (rc == 1) {
		/* expunged between listing and fetching: nothing to process */
		log_info("%s UID %" PRIu32 ": gone before it could be fetched", mailbox, it->uid);
		res.outcome = INTAKE_IGNORED;
	} else if (intake_raw(in, data, len, &src, &res) < 0) {
		store_rollback(in->st);
		goto store_fail;
	}
	if (store_checkpoint_set(in->st, mailbox, uidvalidity, it->uid) < 0 ||
	    store_commit(in->st) < 0) {
		store_rollback(in->st);
		goto store_fail;
	}
	if (res.outcome == INTAKE_ERROR)
		log_error("%s UID %" PRIu32 ": %s", mailbox, it->uid, res.why ? res.why : "error");
	else
		log_info("%s UID %" PRIu32 ": %s%s%s", mailbox, it->uid,
		         intake_outcome_name(res.outcome), res.why ? ": " : "",
		         res.why ? res.why : "");
done:
	stats->seen++;
	stats->by_outcome[res.outcome]++;
	free(res.why);
	free(data);
	return 0;

store_fail:
	*error_r = xasprintf("%s UID %" PRIu32 ": %s", mailbox, it->uid, store_error(in->st));
	free(res.why);
	free(data);
	return -2;
}

int fetch_pass(struct intake *in, struct imap *im, const char *mailbox, volatile sig_atomic_t *stop,
               struct fetch_stats *stats, char **error_r)
{
	uint32_t uidvalidity = imap_uidvalidity(im), stored_validity = 0, last = 0;
	struct imap_item *items = NULL;
	size_t n = 0;
	int rc;

	rc = store_checkpoint_get(in->st, mailbox, &stored_validity, &last);
	if (rc < 0) {
		*error_r = xasprintf("checkpoint of %s: %s", mailbox, store_error(in->st));
		return -2;
	}
	if (rc == 1 && stored_validity != uidvalidity) {
		log_warn("%s: UIDVALIDITY changed from %" PRIu32 " to %" PRIu32
		         ": reading the mailbox again; messages already processed are "
		         "recognised by Message-ID",
		         mailbox, stored_validity, uidvalidity);
		last = 0;
	}
	if (imap_list_new(im, last, &items, &n, error_r) < 0)
		return -1;
	for (size_t i = 0; i < n && !(stop && *stop); i++) {
		rc = process_one(in, im, mailbox, uidvalidity, &items[i], stats, error_r);
		if (rc < 0) {
			free(items);
			return rc;
		}
	}
	free(items);
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
