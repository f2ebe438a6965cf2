/*
 * oauth.h - OAuth2 access tokens for the IMAP and SMTP servers, for
 * providers that refuse passwords (Gmail, Microsoft 365).
 *
 * A server with auth = xoauth2 | oauthbearer (config.h) gets its token
 * from one of two sources:
 *
 *  - oauth2_token_command, run with /bin/sh -c (as mbsync's PassCmd or
 *    msmtp's passwordeval): the first line of its standard output is the
 *    token.  A helper such as mutt_oauth2.py or oama keeps the refresh
 *    token and refreshes; the agent only asks.
 *  - the built-in refresh flow (RFC 6749 section 6): a POST of
 *    grant_type=refresh_token, client_id, client_secret (when a
 *    secret file is set) and the refresh token to oauth2_token_url; the
 *    answer's access_token and expires_in are used, and a new
 *    refresh_token in it (Microsoft rotates them) replaces the file's,
 *    atomically (a temporary file, then rename), mode 0600.
 *
 * Tokens are cached in memory per source: an [imap] and an [smtp] with the
 * same source share one.  A cached token is handed out until shortly before
 * it expires (60 s, or a quarter of its life when that is shorter); a
 * command's token, whose life the agent does not know, for 5 minutes.  When
 * the server refuses a token the caller passes it back as refused, and the
 * next call gets a fresh one; callers retry once and then give up, so a
 * token that is refused for good costs one fresh token per attempt, never
 * a loop.
 *
 * Outside libraries: the POST goes through smtp_http_post() (smtp.h, the
 * one module that includes libcurl) and the JSON answer is read with
 * view_json_string() (view.h, the one module that includes jansson).
 *
 * Secrets (client secret, refresh and access tokens) never appear in an
 * error text or the log.  Errors are one line, without the server (the
 * IMAP and SMTP modules put theirs in front): "oauth2_token_command exited
 * with status 2: no account 'x'", "oauth2 refresh at https://...: HTTP 400
 * invalid_grant: Token has been expired or revoked. ...".
 *
 * The cache is guarded by a mutex; a command or a refresh runs while it is
 * held, so two threads wanting a token for one source wait for one answer.
 */
#ifndef REFAGENT_OAUTH_H
#define REFAGENT_OAUTH_H

#include "config.h"

/* Command output and endpoint answers longer than this are refused. */
#define OAUTH_MAX_TOKEN 16384

/*
 * The access token for s (auth must be xoauth2 or oauthbearer).  A
 * server_token_fn (config.h): refused is NULL, or the token the server
 * just refused, which is then dropped from the cache.  Returns 0 and sets
 * *token_r (caller frees and should wipe), or -1 with *error_r (caller
 * frees).  A command runs with the server's timeout (default 30 s) and is
 * killed, with its process group, when it takes longer.
 */
int oauth_token(const struct server_config *s, const char *refused, char **token_r, char **error_r);

/* Drops (and wipes) every cached token.  For tests, and before exit. */
void oauth_forget(void);

#endif
