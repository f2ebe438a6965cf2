/*
 * imap_probe.c - drives the IMAP module against a real server, for
 * tests/e2e/imap_live.sh.
 *
 *   imap_probe HOST PORT tls|starttls|none CA_FILE|- USER PASSWORD_FILE
 *              [AFTER [IDLE_SECONDS]]
 *
 * Opens the mailbox INBOX, prints "uidvalidity N" and "idle yes|no", then
 * one line "UID SIZE FIRST-LINE" per message with UID > AFTER (fetching
 * each), then, when IDLE_SECONDS > 0, waits in IDLE once and prints
 * "idle -> R" (1 new mail, 0 timeout).  Errors go to stderr; the exit
 * status is 0, or 1 when anything failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "imap.h"
#include "log.h"
#include "util.h"

static void usage(void)
{
	fprintf(stderr, "usage: imap_probe HOST PORT tls|starttls|none CA_FILE|- USER "
	                "PASSWORD_FILE [AFTER [IDLE_SECONDS]]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct server_config sc;
	struct imap_params p;
	struct imap *im = NULL;
	struct imap_item *items = NULL;
	char *pw = NULL, *err = NULL;
	size_t pwlen = 0, n = 0, i;
	long port, after = 0, idle_s = 0;
	int rc = 1;

	if (argc < 7 || argc > 9)
		usage();
	memset(&sc, 0, sizeof(sc));
	sc.server = argv[1];
	if (parse_long(argv[2], 0, 65535, &port) != 0)
		usage();
	sc.port = (int)port;
	if (strcmp(argv[3], "tls") == 0)
		sc.security = SEC_TLS;
	else if (strcmp(argv[3], "starttls") == 0)
		sc.security = SEC_STARTTLS;
	else if (strcmp(argv[3], "none") == 0)
		sc.security = SEC_NONE;
	else
		usage();
	sc.ca_file = strcmp(argv[4], "-") == 0 ? NULL : argv[4];
	sc.user = argv[5];
	sc.timeout = 10;
	if (argc > 7 && parse_long(argv[7], 0, UINT32_MAX, &after) != 0)
		usage();
	if (argc > 8 && parse_long(argv[8], 0, 3600, &idle_s) != 0)
		usage();
	if (file_read(argv[6], 4096, &pw, &pwlen) != 0) {
		fprintf(stderr, "imap_probe: cannot read %s\n", argv[6]);
		return 1;
	}
	pw[strcspn(pw, "\r\n")] = '\0';

	log_set_level(LOG_DEBUG);
	memset(&p, 0, sizeof(p));
	p.server = &sc;
	p.password = pw;
	p.mailbox = "INBOX";
	if (imap_open(&p, &im, &err) != 0)
		goto out;
	printf("uidvalidity %u\nidle %s\n", (unsigned)imap_uidvalidity(im),
	       imap_has_idle(im) ? "yes" : "no");
	if (imap_list_new(im, (uint32_t)after, &items, &n, &err) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		char *data = NULL;
		size_t len = 0;
		int r = imap_fetch(im, items[i].uid, &data, &len, &err);

		if (r < 0)
			goto out;
		if (r == 1) {
			printf("%u gone\n", (unsigned)items[i].uid);
			continue;
		}
		if (len != items[i].size)
			printf("warning: uid %u: RFC822.SIZE %zu, fetched %zu\n",
			       (unsigned)items[i].uid, items[i].size, len);
		printf("%u %zu %.*s\n", (unsigned)items[i].uid, len, (int)strcspn(data, "\r\n"),
		       data);
		free(data);
	}
	fflush(stdout);
	if (idle_s > 0) {
		int r = imap_idle(im, (int)idle_s, -1, &err);

		if (r < 0)
			goto out;
		printf("idle -> %d\n", r);
	}
	rc = 0;
out:
	if (err != NULL) {
		fprintf(stderr, "imap_probe: %s\n", err);
		free(err);
	}
	free(items);
	imap_close(im);
	free(pw);
	return rc;
}
