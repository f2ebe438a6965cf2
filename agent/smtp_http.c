/*
 * smtp_http.c - one HTTPS form POST, for the OAuth2 token endpoint.
 *
 * It lives in the smtp module because that module is the only one that
 * includes libcurl (see smtp.h); the oauth module asks for the POST and
 * reads the JSON answer through view.h.  The care is the SMTP code's:
 * peer certificate and host name verified, TLS 1.2 or later, no protocol
 * but http(s), and plain http only to a loopback address, where the test
 * endpoint lives (the answer carries an access token, RFC 6749 section
 * 10.3 wants TLS).  Redirects are not followed: a token endpoint answers
 * itself (RFC 6749 section 3.2 names one URL), and following one would
 * send the refresh token to wherever the redirect points.
 *
 * The form carries the client secret and the refresh token: it is built
 * here, handed to libcurl, and wiped; verbose mode stays off so no
 * callback sees it, and errors say what failed, never what was sent.
 */
#include "smtp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "log.h"
#include "smtp_p.h"
#include "util.h"

/* Token endpoints answer with a few hundred bytes of JSON. */
#define MAX_ANSWER      (64u << 10)
#define DEFAULT_TIMEOUT 30

struct answer {
	struct buf b;
	int too_large;
};

static size_t on_write(char *p, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	size_t len = size * n;

	if (a->b.len + len > MAX_ANSWER) {
		a->too_large = 1;
		return 0; /* libcurl stops with CURLE_WRITE_ERROR */
	}
	buf_add(&a->b, p, len);
	return len;
}

/* Checks the URL: https, or http to loopback.  Sets *is_loopback. */
static int url_ok(const char *url, int *is_loopback, char **error_r)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int rc = -1;

	if (u == NULL)
		fatal("out of memory (libcurl URL)");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		*error_r = xasprintf("'%s' is not a URL", url);
		goto out;
	}
	*is_loopback = host_is_loopback(host);
	if (strcmp(scheme, "https") != 0 && !(strcmp(scheme, "http") == 0 && *is_loopback)) {
		*error_r = xasprintf("refusing %s://%s: the token endpoint must be https "
		                     "(http only on a loopback address)",
		                     scheme, host);
		goto out;
	}
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/* name=value&name=value, percent-encoded by libcurl. */
static char *form(CURL *h, const char *const *fields)
{
	struct buf b = {0};

	for (size_t i = 0; fields[i] != NULL && fields[i + 1] != NULL; i += 2) {
		char *name = curl_easy_escape(h, fields[i], 0);
		char *value = curl_easy_escape(h, fields[i + 1], 0);

		if (name == NULL || value == NULL)
			fatal("out of memory (libcurl escape)");
		if (b.len)
			buf_addc(&b, '&');
		buf_printf(&b, "%s=%s", name, value);
		explicit_bzero(value, strlen(value));
		curl_free(name);
		curl_free(value);
	}
	return buf_steal(&b);
}

#define SET(opt, val)                                                                              \
	do {                                                                                       \
		if (curl_easy_setopt(h, opt, val) != CURLE_OK) {                                   \
			*error_r = xasprintf("libcurl: cannot set %s", #opt);                      \
			goto out;                                                                  \
		}                                                                                  \
	} while (0)

int smtp_http_post(const char *url, const char *const *fields, int timeout, long *status_r,
                   char **body_r, size_t *len_r, char **error_r)
{
	struct answer a = {{0}, 0};
	struct curl_slist *headers = NULL;
	char errbuf[CURL_ERROR_SIZE] = "", *body = NULL;
	CURL *h = NULL;
	CURLcode rc;
	int lo = 0, ret = -1;
	long t = timeout > 0 ? timeout : DEFAULT_TIMEOUT;

	if (smtp_global_init(error_r) != 0)
		return -1;
	if (url_ok(url, &lo, error_r) != 0)
		return -1;
	h = curl_easy_init();
	if (h == NULL) {
		*error_r = xstrdup("libcurl: cannot make a handle");
		return -1;
	}
	body = form(h, fields);
	headers = curl_slist_append(headers, "Accept: application/json");
	if (headers == NULL)
		fatal("out of memory (libcurl headers)");

	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	/* a proxy from the environment would see a loopback request leave
	 * the machine; https goes through one as usual */
	if (lo)
		SET(CURLOPT_NOPROXY, "*");
	SET(CURLOPT_POSTFIELDS, body);
	SET(CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	SET(CURLOPT_HTTPHEADER, headers);
	SET(CURLOPT_USERAGENT, "refagent");
	SET(CURLOPT_CONNECTTIMEOUT, t);
	SET(CURLOPT_TIMEOUT, 2 * t);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_WRITEFUNCTION, on_write);
	SET(CURLOPT_WRITEDATA, &a);

	rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		if (a.too_large)
			*error_r = xasprintf("%s: the answer is larger than %u KiB", url,
			                     MAX_ANSWER >> 10);
		else
			*error_r = xasprintf("%s: %s", url,
			                     errbuf[0] ? errbuf : curl_easy_strerror(rc));
		goto out;
	}
	if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status_r) != CURLE_OK)
		*status_r = 0;
	if (a.b.s == NULL)
		buf_adds(&a.b, "");
	*len_r = a.b.len;
	*body_r = buf_steal(&a.b);
	ret = 0;
out:
	curl_easy_cleanup(h);
	curl_slist_free_all(headers);
	explicit_bzero(body, strlen(body));
	free(body);
	if (a.b.s) {
		explicit_bzero(a.b.s, a.b.len);
		buf_free(&a.b);
	}
	return ret;
}
