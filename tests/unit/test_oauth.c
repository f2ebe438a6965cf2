/*
 * test_oauth.c - OAuth2 access tokens: the token command (ok, failing,
 * silent, too slow, printing junk), and the refresh flow against a fake
 * token endpoint (a thread speaking HTTP/1.1 on 127.0.0.1 that answers
 * each POST with a canned status and JSON body and keeps the form it
 * got), with the cache, expiry by expires_in, refusal, the rotation of the
 * refresh token file, the endpoint's errors, and no secret in any error
 * text.  smtp_http_post (the smtp module's HTTPS POST that the refresh
 * flow uses) is checked here too, since its peer is this fake.
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "clock.h"
#include "config.h"
#include "oauth.h"
#include "smtp.h"

#define SECRET  "s3/cr+t"
#define REFRESH "1//rt-one"

/* --- the fake token endpoint ------------------------------------------------ */

struct endpoint {
	int lfd;
	int port;
	pthread_t thread;
	pthread_mutex_t mu;
	int stop;
	int requests;
	long status;      /* of the next answers */
	char answer[128]; /* JSON of the next answers; "" with big: a large one */
	int big;
	char form[1024]; /* the last request's body */
	char path[128];  /* and its path */
};

static struct endpoint ep;

static int ep_stopping(void)
{
	int s;

	pthread_mutex_lock(&ep.mu);
	s = ep.stop;
	pthread_mutex_unlock(&ep.mu);
	return s;
}

/* One request: headers, then Content-Length bytes of form. */
static void serve(int fd)
{
	char req[8192], *end = NULL, *cl;
	size_t n = 0;
	long len = 0;
	struct buf b = {0};

	while (n < sizeof(req) - 1) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t r;

		if (poll(&p, 1, 3000) <= 0)
			return;
		r = recv(fd, req + n, sizeof(req) - 1 - n, 0);
		if (r <= 0)
			return;
		n += (size_t)r;
		req[n] = '\0';
		end = strstr(req, "\r\n\r\n");
		cl = strcasestr(req, "Content-Length:");
		if (end && cl) {
			char num[32];

			snprintf(num, sizeof(num), "%.*s", (int)strcspn(cl + 15, "\r"), cl + 15);
			if (parse_long(str_trim(num), 0, 4096, &len) != 0)
				len = 0;
		}
		if (end && (long)(n - (size_t)(end + 4 - req)) >= len)
			break;
	}
	if (end == NULL)
		return;
	pthread_mutex_lock(&ep.mu);
	ep.requests++;
	snprintf(ep.form, sizeof(ep.form), "%.*s", (int)len, end + 4);
	snprintf(ep.path, sizeof(ep.path), "%.*s", (int)strcspn(req, "\r\n"), req);
	if (ep.big) {
		buf_adds(&b, "{\"access_token\":\"");
		for (int i = 0; i < 70000; i++)
			buf_addc(&b, 'a');
		buf_adds(&b, "\"}");
	} else {
		buf_adds(&b, ep.answer);
	}
	{
		char head[256];
		int hn = snprintf(head, sizeof(head),
		                  "HTTP/1.1 %ld X\r\nContent-Type: application/json\r\n"
		                  "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		                  ep.status, b.len);

		pthread_mutex_unlock(&ep.mu);
		test_send_all(fd, head, (size_t)hn);
	}
	test_send_all(fd, b.s, b.len);
	buf_free(&b);
}

static void *ep_run(void *arg)
{
	(void)arg;
	while (!ep_stopping()) {
		struct pollfd p = {ep.lfd, POLLIN, 0};
		int fd;

		if (poll(&p, 1, 100) <= 0)
			continue;
		fd = accept(ep.lfd, NULL, NULL);
		if (fd < 0)
			continue;
		serve(fd);
		close(fd);
	}
	return NULL;
}

static char dir[64];

static int ep_start(void **state)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int one = 1;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/refagent-oauth-XXXXXX");
	assert_non_null(mkdtemp(dir));
	memset(&ep, 0, sizeof(ep));
	pthread_mutex_init(&ep.mu, NULL);
	ep.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(ep.lfd >= 0);
	setsockopt(ep.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(ep.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ep.lfd, 8), 0);
	assert_int_equal(getsockname(ep.lfd, (struct sockaddr *)&sa, &sl), 0);
	ep.port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&ep.thread, NULL, ep_run, NULL), 0);
	return 0;
}

static int ep_stop(void **state)
{
	char cmd[128];

	(void)state;
	pthread_mutex_lock(&ep.mu);
	ep.stop = 1;
	pthread_mutex_unlock(&ep.mu);
	pthread_join(ep.thread, NULL);
	close(ep.lfd);
	pthread_mutex_destroy(&ep.mu);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Each test: an empty cache, a free clock, the endpoint answering at-1. */
static int reset(void **state)
{
	(void)state;
	oauth_forget();
	clock_set(0);
	pthread_mutex_lock(&ep.mu);
	ep.requests = 0;
	ep.status = 200;
	ep.big = 0;
	snprintf(ep.answer, sizeof(ep.answer),
	         "{\"access_token\":\"at-1\",\"expires_in\":3600,\"token_type\":\"Bearer\"}");
	ep.form[0] = '\0';
	pthread_mutex_unlock(&ep.mu);
	return 0;
}

static void ep_answer(long status, const char *json)
{
	pthread_mutex_lock(&ep.mu);
	ep.status = status;
	snprintf(ep.answer, sizeof(ep.answer), "%s", json);
	pthread_mutex_unlock(&ep.mu);
}

static int ep_requests(void)
{
	int n;

	pthread_mutex_lock(&ep.mu);
	n = ep.requests;
	pthread_mutex_unlock(&ep.mu);
	return n;
}

/* --- helpers ------------------------------------------------------------------ */

static char *write_file(const char *name, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	chmod(path, mode);
	return path;
}

static char *read_back(const char *path)
{
	char *data = NULL;
	size_t len = 0;

	assert_int_equal(file_read(path, 4096, &data, &len), 0);
	return data;
}

static struct server_config command_server(const char *cmd, int timeout)
{
	struct server_config s;

	memset(&s, 0, sizeof(s));
	s.server = "imap.gmail.com";
	s.user = "agent@biz.test";
	s.auth = AUTH_XOAUTH2;
	s.timeout = timeout;
	s.oauth2_token_command = (char *)cmd;
	return s;
}

/* A refresh-flow server; the caller frees the three strings. */
static struct server_config refresh_server(void)
{
	struct server_config s;

	memset(&s, 0, sizeof(s));
	s.server = "outlook.office365.com";
	s.user = "agent@biz.test";
	s.auth = AUTH_XOAUTH2;
	s.timeout = 5;
	s.oauth2_token_url = xasprintf("http://127.0.0.1:%d/common/oauth2/v2.0/token", ep.port);
	s.oauth2_client_id = "cid";
	s.oauth2_client_secret_file = write_file("secret", SECRET "\n", 0600);
	s.oauth2_refresh_token_file = write_file("refresh", REFRESH "\n", 0600);
	return s;
}

static void free_refresh_server(struct server_config *s)
{
	free(s->oauth2_token_url);
	free(s->oauth2_client_secret_file);
	free(s->oauth2_refresh_token_file);
}

/* Gets a token or fails the test; caller frees. */
static char *token(const struct server_config *s, const char *refused)
{
	char *t = NULL, *err = NULL;

	if (oauth_token(s, refused, &t, &err) != 0)
		fail_msg("oauth_token: %s", err);
	return t;
}

/* Expects an error holding want; returns it (caller frees). */
static char *token_error(const struct server_config *s, const char *want)
{
	char *t = NULL, *err = NULL;

	if (oauth_token(s, NULL, &t, &err) == 0)
		fail_msg("got a token %s, want an error with \"%s\"", t, want);
	assert_null(t);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
	assert_null(strchr(err, '\n'));
	return err;
}

/* --- the token command -------------------------------------------------------- */

static void test_command(void **state)
{
	char *count = xasprintf("%s/count", dir);
	char *cmd = xasprintf("echo x >> %s; echo \"  tok-$(wc -l < %s)  \"; echo second", count,
	                      count);
	struct server_config s = command_server(cmd, 5);
	char *t;

	(void)state;
	t = token(&s, NULL);
	assert_string_equal(t, "tok-1");
	free(t);
	/* cached: the command does not run again */
	t = token(&s, NULL);
	assert_string_equal(t, "tok-1");
	free(t);
	/* refused: it runs again */
	t = token(&s, "tok-1");
	assert_string_equal(t, "tok-2");
	free(t);
	/* a refusal of a token no longer cached changes nothing */
	t = token(&s, "tok-1");
	assert_string_equal(t, "tok-2");
	free(t);
	/* a command's token is reused 5 minutes */
	clock_set(time(NULL) + 301);
	t = token(&s, NULL);
	assert_string_equal(t, "tok-3");
	free(t);
	free(cmd);
	free(count);
}

static void test_command_fails(void **state)
{
	struct server_config s = command_server("echo 'starting' >&2; "
	                                        "echo \"oama: no account 'x'\" >&2; exit 3",
	                                        5);
	char *err;

	(void)state;
	err = token_error(&s, "oauth2_token_command exited with status 3: oama: no account 'x'");
	free(err);
	s = command_server("echo tok-a; exit 1", 5);
	free(token_error(&s, "oauth2_token_command exited with status 1"));
	s = command_server("kill -9 $$", 5);
	free(token_error(&s, "oauth2_token_command was killed by signal 9"));
	s = command_server("/nonexistent/helper", 5);
	free(token_error(&s, "exited with status 127: sh: 1: /nonexistent/helper: not found"));
}

static void test_command_empty_or_junk(void **state)
{
	struct server_config s = command_server("true", 5);
	char *err;

	(void)state;
	free(token_error(&s, "oauth2_token_command printed no token"));
	s = command_server("printf '\\n\\n'", 5);
	free(token_error(&s, "oauth2_token_command printed no token"));
	/* a message instead of a token is not sent to the server, nor echoed */
	s = command_server("echo 'Error: run oama authorize google agent@biz.test'", 5);
	err = token_error(&s, "printed a first line that is not an access token");
	assert_null(strstr(err, "authorize"));
	free(err);
	s = command_server("printf 'tok\\001x\\n'", 5);
	free(token_error(&s, "not an access token"));
	/* a JWT (Microsoft) is fine */
	s = command_server("echo eyJ0eXAi.eyJhdWQi.c2lnbmF0dXJl_-", 5);
	free(token(&s, NULL));
}

static void test_command_timeout(void **state)
{
	struct server_config s = command_server("sleep 30; echo tok", 1);
	time_t t0 = time(NULL);
	char *t;

	(void)state;
	free(token_error(&s, "oauth2_token_command did not finish within 1 s; killed it"));
	assert_true(time(NULL) - t0 < 20); /* killed at 1 s, not the 30 s sleep */
	/* a process left behind holding the pipes does not make it wait */
	s = command_server("(sleep 30 &); echo tok-bg", 5);
	t0 = time(NULL);
	t = token(&s, NULL);
	assert_string_equal(t, "tok-bg");
	assert_true(time(NULL) - t0 < 20); /* not the 30 s of the one left behind */
	free(t);
}

/* --- the refresh flow ------------------------------------------------------- */

static void test_refresh(void **state)
{
	struct server_config s = refresh_server();
	char *t;

	(void)state;
	clock_set(1000000);
	t = token(&s, NULL);
	assert_string_equal(t, "at-1");
	free(t);
	pthread_mutex_lock(&ep.mu);
	assert_string_equal(ep.path, "POST /common/oauth2/v2.0/token HTTP/1.1");
	/* RFC 6749 section 6, percent-encoded (the secret holds / and +) */
	assert_string_equal(ep.form, "grant_type=refresh_token&refresh_token=1%2F%2Frt-one&"
	                             "client_id=cid&client_secret=s3%2Fcr%2Bt");
	pthread_mutex_unlock(&ep.mu);

	/* cached until 60 s before expires_in */
	ep_answer(200, "{\"access_token\":\"at-2\",\"expires_in\":3600}");
	clock_set(1000000 + 3600 - 61);
	t = token(&s, NULL);
	assert_string_equal(t, "at-1");
	free(t);
	assert_int_equal(ep_requests(), 1);
	clock_set(1000000 + 3600 - 60);
	t = token(&s, NULL);
	assert_string_equal(t, "at-2");
	free(t);
	assert_int_equal(ep_requests(), 2);

	/* refused: a new one at once */
	ep_answer(200, "{\"access_token\":\"at-3\",\"expires_in\":\"3599\"}");
	t = token(&s, "at-2");
	assert_string_equal(t, "at-3");
	free(t);
	assert_int_equal(ep_requests(), 3);

	/* a short life: reused for three quarters of it */
	ep_answer(200, "{\"access_token\":\"at-4\",\"expires_in\":8}");
	clock_set(2000000);
	free(token(&s, "at-3"));
	clock_set(2000000 + 5);
	t = token(&s, NULL);
	assert_string_equal(t, "at-4");
	free(t);
	assert_int_equal(ep_requests(), 4);
	clock_set(2000000 + 6);
	free(token(&s, NULL));
	assert_int_equal(ep_requests(), 5);
	free_refresh_server(&s);
}

/* An [imap] and an [smtp] with the same source share the token. */
static void test_shared_source(void **state)
{
	struct server_config a = refresh_server(), b = a;
	char *t;

	(void)state;
	b.server = "smtp.office365.com";
	b.auth = AUTH_OAUTHBEARER;
	free(token(&a, NULL));
	t = token(&b, NULL);
	assert_string_equal(t, "at-1");
	free(t);
	assert_int_equal(ep_requests(), 1);
	free_refresh_server(&a);
}

/* Microsoft rotates refresh tokens: the new one replaces the file's. */
static void test_refresh_rotation(void **state)
{
	struct server_config s = refresh_server();
	struct stat st;
	char *data;

	(void)state;
	ep_answer(200, "{\"access_token\":\"at-1\",\"expires_in\":3600,"
	               "\"refresh_token\":\"0.AQ-rt-two\"}");
	chmod(s.oauth2_refresh_token_file, 0400);
	free(token(&s, NULL));
	data = read_back(s.oauth2_refresh_token_file);
	assert_string_equal(data, "0.AQ-rt-two\n");
	free(data);
	assert_int_equal(stat(s.oauth2_refresh_token_file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* the next refresh sends it */
	free(token(&s, "at-1"));
	pthread_mutex_lock(&ep.mu);
	assert_non_null(strstr(ep.form, "refresh_token=0.AQ-rt-two&"));
	pthread_mutex_unlock(&ep.mu);
	/* a refresh token that cannot be a line of a file is not stored */
	ep_answer(200, "{\"access_token\":\"at-3\",\"refresh_token\":\"bad\\ntoken\"}");
	free(token(&s, "at-1"));
	data = read_back(s.oauth2_refresh_token_file);
	assert_string_equal(data, "0.AQ-rt-two\n");
	free(data);
	free_refresh_server(&s);
}

static void test_refresh_errors(void **state)
{
	struct server_config s = refresh_server();
	char *err, *url;

	(void)state;
	ep_answer(400, "{\"error\":\"invalid_grant\","
	               "\"error_description\":\"Token has been expired or revoked.\"}");
	err = token_error(&s, ": HTTP 400: invalid_grant (Token has been expired or revoked.); "
	                      "the refresh token is expired or revoked: sign in again");
	url = xasprintf("oauth2 refresh at http://127.0.0.1:%d/", ep.port);
	assert_non_null(strstr(err, url));
	free(url);
	/* no secret in any error text */
	assert_null(strstr(err, "rt-one"));
	assert_null(strstr(err, "s3"));
	free(err);

	ep_answer(503, "<html>down</html>");
	err = token_error(&s, ": HTTP 503");
	assert_null(strstr(err, "html"));
	free(err);
	ep_answer(200, "{\"token_type\":\"Bearer\"}");
	free(token_error(&s, "the answer holds no access_token"));
	ep_answer(200, "{\"access_token\":\"at 1\"}");
	free(token_error(&s, "the access_token in the answer is not a bearer token"));
	ep_answer(200, "{\"access_token\":\"at-1\",\"token_type\":\"mac\"}");
	free(token_error(&s, "token_type is 'mac', not Bearer"));
	ep_answer(200, "not json");
	free(token_error(&s, "the answer holds no access_token"));
	pthread_mutex_lock(&ep.mu);
	ep.big = 1;
	pthread_mutex_unlock(&ep.mu);
	free(token_error(&s, "the answer is larger than 64 KiB"));

	/* the secret files are checked like password_file */
	chmod(s.oauth2_refresh_token_file, 0644);
	err = token_error(&s, "refresh: readable by group or others; chmod 600 it");
	assert_null(strstr(err, "rt-one"));
	free(err);
	chmod(s.oauth2_refresh_token_file, 0600);
	chmod(s.oauth2_client_secret_file, 0640);
	free(token_error(&s, "secret: readable by group or others"));
	free_refresh_server(&s);
}

/* Nothing listens: the error names the URL, not what would have been sent. */
static void test_refresh_unreachable(void **state)
{
	struct server_config s = refresh_server();
	char *err;

	(void)state;
	free(s.oauth2_token_url);
	s.oauth2_token_url = xstrdup("http://127.0.0.1:1/token");
	err = token_error(&s, "oauth2 refresh: http://127.0.0.1:1/token: ");
	assert_null(strstr(err, "rt-one"));
	free(err);
	free_refresh_server(&s);
}

static void test_http_post_refuses(void **state)
{
	const char *fields[] = {"refresh_token", "hush", NULL};
	long status = 0;
	char *body = NULL, *err = NULL;
	size_t len = 0;

	(void)state;
	/* plain http leaves the machine only over TLS */
	assert_int_equal(smtp_http_post("http://oauth2.googleapis.com/token", fields, 2, &status,
	                                &body, &len, &err),
	                 -1);
	assert_string_equal(err, "refusing http://oauth2.googleapis.com: the token endpoint must "
	                         "be https (http only on a loopback address)");
	free(err);
	assert_int_equal(
	        smtp_http_post("gopher://127.0.0.1/", fields, 2, &status, &body, &len, &err), -1);
	free(err);
	assert_int_equal(smtp_http_post("not a url", fields, 2, &status, &body, &len, &err), -1);
	assert_null(strstr(err, "hush"));
	free(err);
}

static void test_password_server(void **state)
{
	struct server_config s = command_server("echo tok", 5);
	char *t = NULL, *err = NULL;

	(void)state;
	s.auth = AUTH_PASSWORD;
	assert_int_equal(oauth_token(&s, NULL, &t, &err), -1);
	free(err);
	s.auth = AUTH_XOAUTH2;
	s.oauth2_token_command = NULL;
	assert_int_equal(oauth_token(&s, NULL, &t, &err), -1);
	assert_string_equal(err, "no oauth2_token_command and no refresh flow configured");
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup(test_command, reset),
	        cmocka_unit_test_setup(test_command_fails, reset),
	        cmocka_unit_test_setup(test_command_empty_or_junk, reset),
	        cmocka_unit_test_setup(test_command_timeout, reset),
	        cmocka_unit_test_setup(test_refresh, reset),
	        cmocka_unit_test_setup(test_shared_source, reset),
	        cmocka_unit_test_setup(test_refresh_rotation, reset),
	        cmocka_unit_test_setup(test_refresh_errors, reset),
	        cmocka_unit_test_setup(test_refresh_unreachable, reset),
	        cmocka_unit_test_setup(test_http_post_refuses, reset),
	        cmocka_unit_test_setup(test_password_server, reset),
	};
	int rc = cmocka_run_group_tests(tests, ep_start, ep_stop);

	oauth_forget();
	return rc;
}
