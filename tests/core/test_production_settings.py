"""Production settings (DEBUG=0): `check --deploy` is clean, and HTTPS, HSTS and CSP headers are sent.

Settings are read once per process from the environment, so each check runs in a fresh process
with the production environment.
"""

import json
import os
import secrets
import subprocess
import sys

from django.conf import settings

HOST = "herdbook.example.org"


def production_env(tmp_path, **extra):
    # the test process's own switches (the browser tests allow async-unsafe ORM calls) are not production's
    dropped = ("DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        SQLITE_PATH=str(tmp_path / "prod.sqlite3"),
        **extra,
    )
    return env


def run(args, env):
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


PROBE = f"""
import django, json
django.setup()
from django.test import Client
client = Client()
plain = client.get("/accounts/login/", HTTP_HOST="{HOST}")
proxied = client.get("/accounts/login/", HTTP_HOST="{HOST}", HTTP_X_FORWARDED_PROTO="https")
health = client.get("/healthz", HTTP_HOST="{HOST}")
print(json.dumps({{
    "plain": [plain.status_code, plain.get("Location")],
    "proxied": [proxied.status_code, proxied.get("Strict-Transport-Security"),
                proxied.get("Content-Security-Policy")],
    "health": health.status_code,
}}))
"""


def test_https_behind_a_proxy_gets_hsts_and_csp_plain_http_is_redirected(tmp_path):
    result = run(["-c", PROBE], production_env(tmp_path, BEHIND_HTTPS_PROXY="1"))
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers["plain"] == [301, f"https://{HOST}/accounts/login/"]
    status, hsts, csp = answers["proxied"]
    assert status == 200
    assert hsts == "max-age=31536000; includeSubDomains"
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert answers["health"] != 301  # health checks call it over plain HTTP
