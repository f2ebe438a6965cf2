/*
 * smtp_p.h - what the files of the smtp module share (smtp.c: SMTP,
 * smtp_http.c: the HTTPS form POST of the OAuth2 refresh flow).  Not for
 * other modules.
 */
#ifndef REFAGENT_SMTP_P_H
#define REFAGENT_SMTP_P_H

/* curl_global_init() once per process (not thread-safe, see smtp.h).
 * Returns 0, or -1 with *error_r (caller frees). */
int smtp_global_init(char **error_r);

#endif
