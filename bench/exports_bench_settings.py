"""Settings for bench/exports_api.py: the app's settings plus one bare JSON view to compare with."""

from config.settings import *  # noqa: F401,F403

ROOT_URLCONF = "exports_bench_urls"
