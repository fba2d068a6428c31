#!/usr/bin/env python3
"""Signs in to a Whereabouts server with password and TOTP (enrolling on first sign-in) and
prints the session cookie, for the load benchmark. Standard library only.

usage: web-login.py BASE_URL USERNAME PASSWORD
"""
import base64
import hashlib
import hmac
import http.cookiejar
import re
import struct
import sys
import time
import urllib.parse
import urllib.request


def totp(secret_b32: str, at: float) -> str:
    secret = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = struct.pack(">Q", int(at) // 30)
    digest = hmac.new(secret, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def main() -> None:
    base, username, password = sys.argv[1:4]
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": username, "password": password, "csrf": csrf})
    page = opener.open(f"{base}/login", data=form.encode()).read().decode()
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page)
    if secret is None:
        sys.exit("the account is already enrolled; the benchmark uses a fresh user")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    form = urllib.parse.urlencode({"code": totp(secret.group(1), time.time()), "csrf": csrf})
    opener.open(f"{base}/login/second-factor", data=form.encode()).read()
    for cookie in jar:
        if cookie.name == "whereabouts":
            print(f"whereabouts={cookie.value}")
            return
    sys.exit("sign-in failed: no session cookie")


if __name__ == "__main__":
    main()
