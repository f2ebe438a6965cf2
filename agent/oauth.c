/*
 * oauth.c - OAuth2 access tokens from a command or the refresh flow,
 * cached with their expiry (see oauth.h).
 *
 * The command runs through posix_spawn in a process group of its own, so
 * that a timeout can kill all of it (a shell script's children included);
 * its standard input is /dev/null (the agent runs unattended: a helper that
 * wants to ask the user must fail, not hang), and SIGPIPE is reset to the
 * default for it (the IMAP module ignores SIGPIPE while it works, and a
 * child would inherit that).  Its standard error is read too: its last
 * line says why it failed, and goes into the error text.
 *
 * An access token travels in a SASL string with \x01 separators (XOAUTH2,
 * OAUTHBEARER of RFC 7628), so a token from outside must be the b64token
 * of RFC 6750 section 2.1: letters, digits and -._~+/ with = at the end.
 * Anything else (a helper printing a message, a JSON blob) is refused
 * before it reaches a server.
 */
#include "oauth.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "smtp.h"
#include "util.h"
#include "view.h"

extern char **environ;

#define CACHE_MAX       8
#define COMMAND_TTL     300 /* seconds a command's token is reused */
#define EXPIRY_MARGIN   60  /* a token is not used this close to its expiry */
#define DEFAULT_TIMEOUT 30
#define MAX_STDERR      4096
#define MAX_TEXT        200 /* outside text quoted in an error */

struct entry {
	char *key; /* the token source, see source_key */
	char *token;
	int64_t good_until; /* clock_now() before which token is handed out */
};

static struct entry cache[CACHE_MAX];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static void drop(struct entry *e)
{
	wipe_free(e->token);
	e->token = NULL;
	e->good_until = 0;
}

/* RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" /
 * "~" / "+" / "/" ) *"=" */
static int is_b64token(const char *t)
{
	size_t n = strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                     "0123456789-._~+/");

	if (n == 0 || n > OAUTH_MAX_TOKEN)
		return 0;
	return t[n + strspn(t + n, "=")] == '\0';
}

/* Outside text (a command's stderr, an endpoint's error_description) as it
 * may go into a log line: printable ASCII, capped.  Caller frees. */
static char *quote_text(const char *s, size_t n)
{
	struct buf b = {0};
	size_t i;

	for (i = 0; i < n && i < MAX_TEXT; i++)
		buf_addc(&b, (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?');
	if (i < n)
		buf_adds(&b, "...");
	return buf_steal(&b);
}

/* ": LAST LINE" of what a command wrote to stderr, or "". Caller frees. */
static char *stderr_tail(const struct buf *e)
{
	const char *s = e->s ? e->s : "";
	size_t end = e->len, start;
	char *q, *r;

	while (end > 0 && (s[end - 1] == '\n' || s[end - 1] == '\r' || s[end - 1] == ' '))
		end--;
	start = end;
	while (start > 0 && s[start - 1] != '\n')
		start--;
	if (start == end)
		return xstrdup("");
	q = quote_text(s + start, end - start);
	r = xasprintf(": %s", q);
	free(q);
	return r;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- the token command ---------------------------------------------------- */

static pid_t spawn_shell(const char *cmd, int out_fd, int err_fd, int *errno_r)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	char *argv[] = {"sh", "-c", (char *)cmd, NULL};
	pid_t pid = -1;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
	                                      POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	*errno_r = rc;
	return rc == 0 ? pid : -1;
}

/* Reads what is ready on the command's pipes into out and err (past their
 * caps it is read and dropped).  Returns the number of pipes that had
 * something (data or their end); a pipe at its end gets fd -1. */
static int drain(struct pollfd p[2], struct buf *out, struct buf *err, int wait_ms)
{
	struct buf *to[2] = {out, err};
	size_t cap[2] = {OAUTH_MAX_TOKEN + 2, MAX_STDERR};
	char chunk[4096];
	int r, ready = 0;

	r = poll(p, 2, wait_ms);
	if (r <= 0)
		return 0;
	for (int i = 0; i < 2; i++) {
		ssize_t n;

		if (p[i].fd < 0 || p[i].revents == 0)
			continue;
		ready++;
		n = read(p[i].fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			p[i].fd = -1; /* closed by the caller */
			continue;
		}
		if (to[i]->len < cap[i])
			buf_add(to[i], chunk,
			        (size_t)n < cap[i] - to[i]->len ? (size_t)n : cap[i] - to[i]->len);
	}
	explicit_bzero(chunk, sizeof(chunk));
	return ready;
}

/*
 * Reads the command's output until the shell has exited and its pipes are
 * empty, or the deadline passes (then the process group is killed).  The
 * pipes' end is not waited for: a helper may leave a background process
 * (an agent) holding them.  Returns the wait status; *killed_r is set when
 * the command had to be killed.
 */
static int wait_command(pid_t pid, int out_fd, int err_fd, double deadline, struct buf *out,
                        struct buf *err, int *killed_r)
{
	struct pollfd p[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
	int status = 0, exited = 0;

	for (;;) {
		double left = deadline - mono_now();

		if (left <= 0 && exited)
			return status; /* a background process still writing */
		if (left <= 0) {
			kill(-pid, SIGKILL);
			*killed_r = 1;
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return status;
		}
		if (exited) {
			/* what the command wrote before it ended is in the pipes */
			if (drain(p, out, err, 0) == 0)
				return status;
			continue;
		}
		if (p[0].fd < 0 && p[1].fd < 0)
			usleep(10000); /* both pipes ended: only the exit is missing */
		else
			drain(p, out, err, left < 0.05 ? (int)(left * 1000) + 1 : 50);
		if (waitpid(pid, &status, WNOHANG) == pid)
			exited = 1;
	}
}

static int run_command(const struct server_config *s, char **token_r, char **error_r)
{
	int timeout = s->timeout > 0 ? s->timeout : DEFAULT_TIMEOUT;
	int out[2] = {-1, -1}, err[2] = {-1, -1}, spawn_errno = 0, killed = 0, status, rc = -1;
	double deadline = mono_now() + timeout;
	struct buf o = {0}, e = {0};
	char *why = NULL, *line;
	pid_t pid;

	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
		*error_r = xasprintf("oauth2_token_command: pipe: %s", strerror(errno));
		goto out;
	}
	pid = spawn_shell(s->oauth2_token_command, out[1], err[1], &spawn_errno);
	close(out[1]);
	close(err[1]);
	out[1] = err[1] = -1;
	if (pid < 0) {
		*error_r = xasprintf("cannot run oauth2_token_command: %s", strerror(spawn_errno));
		goto out;
	}
	status = wait_command(pid, out[0], err[0], deadline, &o, &e, &killed);
	why = stderr_tail(&e);
	if (killed) {
		*error_r = xasprintf("oauth2_token_command did not finish within %d s; killed it%s",
		                     timeout, why);
		goto out;
	}
	if (WIFSIGNALED(status)) {
		*error_r = xasprintf("oauth2_token_command was killed by signal %d%s",
		                     WTERMSIG(status), why);
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		*error_r = xasprintf("oauth2_token_command exited with status %d%s",
		                     WIFEXITED(status) ? WEXITSTATUS(status) : -1, why);
		goto out;
	}
	if (o.s == NULL)
		buf_adds(&o, "");
	line = o.s;
	line[strcspn(line, "\r\n")] = '\0';
	str_trim(line);
	if (line[0] == '\0') {
		*error_r = xasprintf("oauth2_token_command printed no token%s", why);
		goto out;
	}
	if (!is_b64token(line)) {
		*error_r = xstrdup("oauth2_token_command printed a first line that is not an "
		                   "access token (only letters, digits and -._~+/= may appear, "
		                   "at most 16 KiB)");
		goto out;
	}
	*token_r = xstrdup(line);
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	if (o.s)
		explicit_bzero(o.s, o.len);
	buf_free(&o);
	buf_free(&e);
	free(why);
	return rc;
}

/* --- the refresh flow ------------------------------------------------------ */

/* Replaces the refresh token file's content with tok: a temporary file in
 * the same folder, mode 0600, synced, then renamed over it, so a crash
 * leaves the old token or the new one, never half of one. */
static int store_refresh_token(const char *path, const char *tok, char **error_r)
{
	char *tmp = xasprintf("%s.XXXXXX", path), *data = xasprintf("%s\n", tok);
	size_t len = strlen(data), off = 0;
	int fd = mkostemp(tmp, O_CLOEXEC), rc = -1;

	if (fd < 0) {
		*error_r = xasprintf("%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) != 0)
		goto fail;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	*error_r = xasprintf("%s: %s", tmp, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	wipe_free(data);
	free(tmp);
	return rc;
}

/* A refresh token must survive being the first line of a file. */
static int storable(const char *t)
{
	if (*t == '\0' || strlen(t) > OAUTH_MAX_TOKEN)
		return 0;
	for (; *t; t++)
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
			return 0;
	return 1;
}

/* The endpoint said no (RFC 6749 section 5.2): "HTTP 400: invalid_grant
 * (Token has been expired or revoked.)". */
static char *refusal(const struct server_config *s, long status, const char *body, size_t len)
{
	char *code = NULL, *desc = NULL, *qc = NULL, *qd = NULL, *msg;
	int json = view_json_string(body, len, "error", &code) == 1;

	if (json)
		view_json_string(body, len, "error_description", &desc);
	qc = code ? quote_text(code, strlen(code)) : NULL;
	qd = desc ? quote_text(desc, strlen(desc)) : NULL;
	msg = xasprintf("oauth2 refresh at %s: HTTP %ld%s%s%s%s%s%s", s->oauth2_token_url, status,
	                qc ? ": " : "", qc ? qc : "", qd ? " (" : "", qd ? qd : "", qd ? ")" : "",
	                code && strcmp(code, "invalid_grant") == 0
	                        ? "; the refresh token is expired or revoked: sign in again "
	                          "and put the new one in oauth2_refresh_token_file"
	                        : "");
	free(code);
	free(desc);
	free(qc);
	free(qd);
	return msg;
}

/* Reads what the endpoint's answer says beside the token: its type, life
 * and a rotated refresh token.  Returns 0, or -1 with *error_r. */
static int answer_extras(const struct server_config *s, const char *body, size_t len,
                         const char *old_refresh, long *life_r, char **error_r)
{
	char *v = NULL, *err = NULL;

	if (view_json_string(body, len, "token_type", &v) == 1 && !str_ieq(v, "bearer")) {
		char *q = quote_text(v, strlen(v));

		*error_r = xasprintf("oauth2 refresh at %s: token_type is '%s', not Bearer",
		                     s->oauth2_token_url, q);
		free(q);
		free(v);
		return -1;
	}
	free(v);
	v = NULL;
	*life_r = 0;
	if (view_json_string(body, len, "expires_in", &v) == 1 &&
	    parse_long(v, 1, 10L * 365 * 86400, life_r) != 0)
		*life_r = 0; /* unknown: handled like a command's token */
	free(v);
	v = NULL;
	if (view_json_string(body, len, "refresh_token", &v) == 1 && strcmp(v, old_refresh) != 0) {
		if (!storable(v))
			log_error("oauth2: the token endpoint %s sent a new refresh token that "
			          "cannot be stored (spaces or control characters); keeping the "
			          "old one in %s",
			          s->oauth2_token_url, s->oauth2_refresh_token_file);
		else if (store_refresh_token(s->oauth2_refresh_token_file, v, &err) != 0)
			log_error("oauth2: the token endpoint sent a new refresh token but it "
			          "could not be stored (%s); the old one in %s may stop working",
			          err, s->oauth2_refresh_token_file);
		else
			log_info("oauth2: stored the new refresh token from %s in %s",
			         s->oauth2_token_url, s->oauth2_refresh_token_file);
		free(err);
	}
	wipe_free(v);
	return 0;
}

static int refresh(const struct server_config *s, char **token_r, long *life_r, char **error_r)
{
	char *secret = NULL, *rt = NULL, *body = NULL, *tok = NULL, *err = NULL;
	const char *fields[9];
	size_t n = 0, len = 0;
	long status = 0;
	int rc = -1;

	if (s->oauth2_client_secret_file &&
	    config_read_secret(s->oauth2_client_secret_file, "client secret", &secret, &err) != 0)
		goto fail;
	if (config_read_secret(s->oauth2_refresh_token_file, "refresh token", &rt, &err) != 0)
		goto fail;
	fields[n++] = "grant_type";
	fields[n++] = "refresh_token";
	fields[n++] = "refresh_token";
	fields[n++] = rt;
	fields[n++] = "client_id";
	fields[n++] = s->oauth2_client_id ? s->oauth2_client_id : "";
	if (secret) {
		fields[n++] = "client_secret";
		fields[n++] = secret;
	}
	fields[n] = NULL;
	if (smtp_http_post(s->oauth2_token_url, fields, s->timeout, &status, &body, &len, &err) !=
	    0)
		goto fail;
	if (status != 200) {
		*error_r = refusal(s, status, body, len);
		goto out;
	}
	if (view_json_string(body, len, "access_token", &tok) != 1) {
		*error_r = xasprintf("oauth2 refresh at %s: the answer holds no access_token",
		                     s->oauth2_token_url);
		goto out;
	}
	if (!is_b64token(tok)) {
		*error_r = xasprintf("oauth2 refresh at %s: the access_token in the answer is "
		                     "not a bearer token",
		                     s->oauth2_token_url);
		goto out;
	}
	if (answer_extras(s, body, len, rt, life_r, error_r) != 0)
		goto out;
	log_info("oauth2: new access token for %s from %s%s", s->user ? s->user : "?",
	         s->oauth2_token_url, *life_r ? "" : " (no expires_in)");
	*token_r = tok;
	tok = NULL;
	rc = 0;
	goto out;
fail:
	*error_r = xasprintf("oauth2 refresh: %s", err);
out:
	free(err);
	wipe_free(secret);
	wipe_free(rt);
	wipe_free(tok);
	if (body)
		explicit_bzero(body, len);
	free(body);
	return rc;
}

/* --- the cache ---------------------------------------------------------------- */

/* Two servers with the same source share a token. */
static char *source_key(const struct server_config *s)
{
	if (s->oauth2_token_command)
		return xasprintf("command\n%s", s->oauth2_token_command);
	return xasprintf("refresh\n%s\n%s\n%s", s->oauth2_token_url,
	                 s->oauth2_client_id ? s->oauth2_client_id : "",
	                 s->oauth2_refresh_token_file ? s->oauth2_refresh_token_file : "");
}

/* The entry of key (taking key), made when missing; when the cache is
 * full the entry nearest its expiry goes. */
static struct entry *entry_for(char *key)
{
	struct entry *free_slot = NULL, *oldest = &cache[0];

	for (size_t i = 0; i < CACHE_MAX; i++) {
		if (cache[i].key && strcmp(cache[i].key, key) == 0) {
			free(key);
			return &cache[i];
		}
		if (cache[i].key == NULL && free_slot == NULL)
			free_slot = &cache[i];
		if (cache[i].good_until < oldest->good_until)
			oldest = &cache[i];
	}
	if (free_slot == NULL) {
		free_slot = oldest;
		drop(free_slot);
		free(free_slot->key);
	}
	free_slot->key = key;
	return free_slot;
}

/* How long a token that lives life seconds (0: unknown) is handed out. */
static int64_t reuse_for(long life)
{
	if (life <= 0)
		return COMMAND_TTL;
	return life - (life / 4 < EXPIRY_MARGIN ? life / 4 : EXPIRY_MARGIN);
}

int oauth_token(const struct server_config *s, const char *refused, char **token_r, char **error_r)
{
	struct entry *e;
	char *tok = NULL;
	long life = 0;
	int64_t now;
	int rc;

	if (s->auth == AUTH_PASSWORD) {
		*error_r = xstrdup("auth = password: no OAuth2 token to get");
		return -1;
	}
	if (s->oauth2_token_command == NULL &&
	    (s->oauth2_token_url == NULL || s->oauth2_refresh_token_file == NULL)) {
		*error_r = xstrdup("no oauth2_token_command and no refresh flow configured");
		return -1;
	}
	pthread_mutex_lock(&lock);
	e = entry_for(source_key(s));
	now = clock_now();
	if (e->token && refused && strcmp(e->token, refused) == 0)
		drop(e);
	if (e->token && now < e->good_until) {
		*token_r = xstrdup(e->token);
		pthread_mutex_unlock(&lock);
		return 0;
	}
	drop(e);
	if (s->oauth2_token_command)
		rc = run_command(s, &tok, error_r);
	else
		rc = refresh(s, &tok, &life, error_r);
	if (rc == 0) {
		e->token = tok;
		e->good_until = now + reuse_for(life);
		*token_r = xstrdup(tok);
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

void oauth_forget(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < CACHE_MAX; i++) {
		drop(&cache[i]);
		free(cache[i].key);
		cache[i].key = NULL;
	}
	pthread_mutex_unlock(&lock);
}
