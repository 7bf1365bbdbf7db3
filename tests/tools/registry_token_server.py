#!/usr/bin/python3
"""A token server for distribution's `auth: token:` (Docker Hub's flow), for integration tests.

  GET /token?service=S&scope=repository:NAME:ACTIONS[&scope=...]   (Authorization: Basic, optional)

  POST /token   grant_type=refresh_token&refresh_token=R&service=S&client_id=C&scope=A B   (OAuth 2)

answers {"token": JWT, "expires_in": N, "issued_at": ...} (or "access_token", see --token-field;
always "access_token" for a POST),
a JWT signed RS256 with a key made at start; its self-signed certificate is written to --cert-out
(the registry's rootcertbundle) and rides in the JWT header's x5c, which is how distribution 2.8
finds the key: it checks the x5c leaf against the bundle, then the signature with the leaf's key.

Who gets what:
  a known user with the right password   pull and push on every repository
  a reader with the right password       pull on every repository
  a scoped user (NAME:PASSWORD:PREFIX)   pull and push under PREFIX/ only
  no Authorization (anonymous)           pull on repositories under --public only, nothing else
  a refresh token given by --refresh-token the account it names, as with its password (and with
                                         --offline-tokens, a GET with credentials and offline_token=true
                                         gets a new refresh_token for its account besides the token)
  a wrong password or an unknown user    401, no token (an unknown refresh token: 400 invalid_grant)
Whatever a scope asks beyond that is left out of the token (the registry then refuses the
request), as real token servers do. Each request is logged as one JSON line to --log:
{"account" (whom the Basic credentials or the refresh token named), "account_parameter" (the
query's account), "grant_type" (a POST's), "scopes", "granted", "status"}, so a test can count tokens and read what was asked.

The server is ready once it listens; the certificate is written before that.
"""
import argparse
import base64
import datetime
import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


def make_signer(cert_out):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gocker-test-token-signer")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(hours=1))
                   .not_valid_after(now + datetime.timedelta(days=2))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    with open(cert_out, "wb") as f:
        f.write(certificate.public_bytes(serialization.Encoding.PEM))
    der = certificate.public_bytes(serialization.Encoding.DER)
    return key, base64.b64encode(der).decode()


def parse_scope(text):
    """'repository:me/app:pull,push' -> ('repository', 'me/app', ['pull', 'push']); None if malformed."""
    kind, _, rest = text.partition(":")
    name, _, actions = rest.rpartition(":")
    if not kind or not name:
        return None
    return kind, name, [action for action in actions.split(",") if action]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # the JSON lines in --log say what happened
        pass

    def answer(self, status, document, account, scopes, granted, grant_type=""):
        # Logged before the answer goes out: a test that counts the lines once its client has the
        # answer must find this request's line there already.
        options = self.server.options
        account_parameter = parse_qs(urlsplit(self.path).query).get("account", [""])[0]
        line = {"account": account, "account_parameter": account_parameter, "grant_type": grant_type, "scopes": scopes,
                "granted": granted, "status": status}
        with self.server.log_lock, open(options.log, "a") as log:
            log.write(json.dumps(line) + "\n")
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="gocker-test-token"')
        self.end_headers()
        self.wfile.write(body)

    def authenticate(self):
        """(account, refused): account "" for anonymous."""
        header = self.headers.get("Authorization", "")
        if not header:
            return "", False
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return "", True
        try:
            user, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except ValueError:
            return "", True
        known = self.server.accounts.get(user)
        if known is None or known[0] != password:
            return user, True
        return user, False

    def do_GET(self):
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        scopes = query.get("scope", [])
        if url.path != "/token":
            return self.answer(404, {"details": "not found"}, "", scopes, [])
        account, refused = self.authenticate()
        if refused:
            return self.answer(401, {"details": "incorrect username or password"}, account, scopes, [])
        refresh_token = ""
        if account and self.server.options.offline_tokens and query.get("offline_token", [""])[0] == "true":
            refresh_token = "refresh-" + secrets.token_hex(8)
            self.server.refresh_tokens[refresh_token] = account
        self.grant(account, query.get("service", [""])[0], scopes, self.server.options.token_field, "", refresh_token)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode())
        scopes = form.get("scope", [])
        grant_type = form.get("grant_type", [""])[0]
        if urlsplit(self.path).path != "/token":
            return self.answer(404, {"details": "not found"}, "", scopes, [], grant_type)
        if grant_type != "refresh_token" or not form.get("client_id", [""])[0]:
            return self.answer(400, {"error": "unsupported_grant_type"}, "", scopes, [], grant_type)
        account = self.server.refresh_tokens.get(form.get("refresh_token", [""])[0])
        if account is None:
            return self.answer(400, {"error": "invalid_grant"}, "", scopes, [], grant_type)
        self.grant(account, form.get("service", [""])[0], scopes, "access_token", grant_type)

    def grant(self, account, service, scopes, token_field, grant_type, refresh_token=""):
        options = self.server.options
        if service != options.service:
            return self.answer(400, {"details": "unknown service"}, account, scopes, [], grant_type)
        granted = []
        for text in scopes:
            for scope in text.split(" "):  # one value may carry several, separated by spaces
                parsed = parse_scope(scope)
                if parsed is None or parsed[0] != "repository":
                    continue
                kind, name, actions = parsed
                if account:
                    allowed = self.server.accounts[account][1](name)
                elif any(name.startswith(prefix + "/") for prefix in options.public):
                    allowed = {"pull"}
                else:
                    allowed = set()
                given = [action for action in actions if action in allowed]
                if given:
                    granted.append({"type": kind, "name": name, "actions": given})
        now = int(time.time())
        claims = {"iss": options.issuer, "sub": account, "aud": options.service, "iat": now, "nbf": now - 5,
                  "exp": now + options.expires_in, "jti": secrets.token_hex(16), "access": granted}
        token = jwt.encode(claims, self.server.key, algorithm="RS256", headers={"x5c": [self.server.x5c]})
        document = {"expires_in": options.expires_in,
                    "issued_at": datetime.datetime.fromtimestamp(now, datetime.timezone.utc).isoformat()}
        if token_field in ("token", "both"):
            document["token"] = token
        if token_field in ("access_token", "both"):
            document["access_token"] = token
        if refresh_token:
            document["refresh_token"] = refresh_token
        self.answer(200, document, account, scopes, granted, grant_type)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", required=True, help="IP:PORT")
    parser.add_argument("--cert-out", required=True, help="where the signing certificate (PEM) goes")
    parser.add_argument("--log", required=True, help="JSON lines, one per token request")
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--service", required=True)
    parser.add_argument("--user", action="append", default=[], help="NAME:PASSWORD (repeatable)")
    parser.add_argument("--reader", action="append", default=[], help="NAME:PASSWORD of a pull-only user")
    parser.add_argument("--scoped-user", action="append", default=[],
                        help="NAME:PASSWORD:PREFIX, a user with pull and push under PREFIX/ only")
    parser.add_argument("--refresh-token", action="append", default=[],
                        help="TOKEN:ACCOUNT, an OAuth refresh token standing for ACCOUNT (a --user, --reader or --scoped-user)")
    parser.add_argument("--offline-tokens", action="store_true",
                        help="answer a GET with offline_token=true and credentials with a new refresh_token too")
    parser.add_argument("--public", action="append", default=[], help="a repository prefix anonymous users may pull")
    parser.add_argument("--expires-in", type=int, default=300)
    parser.add_argument("--token-field", choices=["token", "access_token", "both"], default="token")
    options = parser.parse_args()

    key, x5c = make_signer(options.cert_out)
    host, _, port = options.listen.rpartition(":")
    server = ThreadingHTTPServer((host, int(port)), Handler)
    server.options = options
    server.key = key
    server.x5c = x5c
    # name -> (password, the actions a repository name allows)
    server.accounts = {}
    for user in options.user:
        name, password = user.split(":", 1)
        server.accounts[name] = (password, lambda repository: {"pull", "push"})
    for user in options.reader:
        name, password = user.split(":", 1)
        server.accounts[name] = (password, lambda repository: {"pull"})
    for user in options.scoped_user:
        name, password, prefix = user.split(":", 2)
        server.accounts[name] = (password, lambda repository, prefix=prefix:
                                 {"pull", "push"} if repository.startswith(prefix + "/") else set())
    server.refresh_tokens = {token: account for token, account in (entry.rsplit(":", 1) for entry in options.refresh_token)}
    server.log_lock = threading.Lock()
    print("listening on " + options.listen, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
