"""Files served from the media volume: never through a symbolic link, never outside their root.

Whoever can write to the volume (another container, a careless script) could replace a cached
thumbnail or an export file by a link to /etc/passwd; every file the app serves from a cache or an
export directory goes through ``contained_file`` first.
"""

from pathlib import Path


def contained_file(root, path):
    """``path`` if it is a regular file inside ``root`` that no symbolic link leads to, else None."""
    root, path = Path(root), Path(path)
    try:
        resolved, real_root = path.resolve(strict=True), root.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if path.is_symlink() or real_root not in resolved.parents or not resolved.is_file():
        return None
    if resolved != path.absolute():  # a linked directory on the way
        return None
    return path
