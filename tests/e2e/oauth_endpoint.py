#!/usr/bin/env python3
"""oauth_endpoint.py - a small OAuth2 authorization server for tests/e2e/oauth.sh.

Python 3 standard library only.  Listens on 127.0.0.1:PORT and plays both
sides of a provider such as Google or Microsoft:

  POST /token       the token endpoint (RFC 6749 section 6): grant_type=
                    refresh_token with client_id, client_secret and a known
                    refresh token gives a new access token "at-N" with
                    expires_in; with rotation on, a new refresh token too
                    (Microsoft does that) and the old one stops working.
                    A wrong client or refresh token: 400 invalid_grant.
  POST /introspect  token introspection (RFC 7662), what Dovecot's oauth2
                    passdb asks (introspection_mode = post): {"active": true,
                    "email": USER} for a live token, {"active": false} else.
  POST /control     the test steering it, a form of:
                    lifetime=S      expires_in of the tokens issued next
                    dead_next=N     the next N tokens issued are dead on
                                    arrival (revoked, or a clock far off)
                    rotate=1|0      rotate refresh tokens
                    expire=TOKEN    that access token expires now
                    issue=USER      mints a token for USER and answers it
                                    (what a token helper would have got)

Every request is logged, one line each, to LOG (the test reads it):
"refresh rt-1 -> at-3 expires_in=3600", "introspect at-3 active",
"introspect at-2 inactive", "rotate rt-1 -> rt-2".

usage: oauth_endpoint.py PORT LOG CLIENT_ID CLIENT_SECRET REFRESH_TOKEN USER
"""
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, log_path, client_id, client_secret, first_rt, first_user = sys.argv[1:7]

lock = threading.Lock()
state = {
    "n": 0,
    "lifetime": 3600,
    "dead_next": 0,
    "rotate": False,
    "rotations": 0,
    "refresh": {first_rt: first_user},  # refresh token -> user
    "access": {},  # access token -> [user, expires_at]
}
log_file = open(log_path, "a", buffering=1)


def log(line):
    log_file.write(line + "\n")


def mint(user):
    """A new access token for user; state lock held."""
    state["n"] += 1
    tok = "at-%d" % state["n"]
    life = state["lifetime"]
    expires = time.time() + life
    if state["dead_next"] > 0:
        state["dead_next"] -= 1
        expires = 0
    state["access"][tok] = [user, expires]
    return tok, life


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # no access log on stderr
        pass

    def answer(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def form(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode()
        return {k: v[0] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}

    def do_POST(self):
        f = self.form()
        path = self.path.split("?")[0]
        with lock:
            if path == "/token":
                self.token(f)
            elif path == "/introspect":
                self.introspect(f)
            elif path == "/control":
                self.control(f)
            else:
                self.answer(404, {"error": "not_found"})

    def token(self, f):
        rt = f.get("refresh_token", "")
        if (f.get("grant_type") != "refresh_token" or f.get("client_id") != client_id
                or f.get("client_secret") != client_secret):
            log("refresh refused: bad client or grant")
            self.answer(401, {"error": "invalid_client"})
            return
        user = state["refresh"].get(rt)
        if user is None:
            log("refresh refused: unknown refresh token %s" % rt)
            self.answer(400, {"error": "invalid_grant",
                              "error_description": "Token has been expired or revoked."})
            return
        tok, life = mint(user)
        out = {"access_token": tok, "token_type": "Bearer", "expires_in": life,
               "scope": "https://mail.google.com/"}
        log("refresh %s -> %s expires_in=%d" % (rt, tok, life))
        if state["rotate"]:
            state["rotations"] += 1
            new = "rt-r%d" % state["rotations"]
            del state["refresh"][rt]
            state["refresh"][new] = user
            out["refresh_token"] = new
            log("rotate %s -> %s" % (rt, new))
        self.answer(200, out)

    def introspect(self, f):
        tok = f.get("token", "")
        a = state["access"].get(tok)
        if a is not None and time.time() < a[1]:
            log("introspect %s active" % tok)
            self.answer(200, {"active": True, "email": a[0], "scope": "https://mail.google.com/"})
        else:
            log("introspect %s inactive" % tok)
            self.answer(200, {"active": False})

    def control(self, f):
        out = {"ok": True}
        if "lifetime" in f:
            state["lifetime"] = int(f["lifetime"])
        if "dead_next" in f:
            state["dead_next"] = int(f["dead_next"])
        if "rotate" in f:
            state["rotate"] = f["rotate"] == "1"
        if "expire" in f and f["expire"] in state["access"]:
            state["access"][f["expire"]][1] = 0
            log("expire %s" % f["expire"])
        if "issue" in f:
            tok, life = mint(f["issue"])
            log("issue %s -> %s" % (f["issue"], tok))
            out = {"access_token": tok, "expires_in": life}
        self.answer(200, out)


server = ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
log("listening on 127.0.0.1:%s" % port)
server.serve_forever()
