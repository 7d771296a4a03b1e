"""Server paths out of messages people read: a job's error, a health answer.

``hide_paths`` replaces an absolute path under one of the server's own roots (the project, the media,
image, export, thumbnail and static roots, the temporary directory, the Python installation) by its
last component: "Permission denied: '/data/media/exports/zip-1.zip.part'" reads
"Permission denied: 'zip-1.zip.part'".
"""

import os
import re
import sys
import tempfile
from pathlib import Path

from django.conf import settings

ROOT_SETTINGS = ("BASE_DIR", "MEDIA_ROOT", "IMAGE_ROOT", "EXPORT_ROOT", "THUMBNAIL_ROOT", "STATIC_ROOT")
# a path component: anything up to white space, a quote or a path separator
COMPONENT = r"[^\s'\"/]"


def server_roots():
    roots = [getattr(settings, name, None) for name in ROOT_SETTINGS]
    roots += [tempfile.gettempdir(), sys.prefix, sys.base_prefix]
    found = set()
    for root in filter(None, roots):
        found.add(str(root).rstrip("/"))
        found.add(str(Path(root).resolve()).rstrip("/"))
    return sorted((r for r in found if r), key=len, reverse=True)


def hide_paths(text):
    roots = "|".join(re.escape(root) for root in server_roots())
    if not roots:
        return text
    # a root not followed by more of a name, then any number of "/component"
    pattern = re.compile(rf"(?:{roots})(?!{COMPONENT})(?:/{COMPONENT}*)*")
    return pattern.sub(lambda match: os.path.basename(match.group(0).rstrip("/")) or "…", text)
