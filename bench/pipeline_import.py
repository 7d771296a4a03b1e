"""Benchmark: importing a MegaDetector results file for N images already on the volume (issue 13).

Writes N distinct small JPEGs (EXIF DateTimeOriginal) under a temporary IMAGE_ROOT, one folder per
camera, and a MegaDetector 1.5 file with a classifier (two boxes an image, one under the threshold),
then runs ``manage.py import_megadetector`` in a child process on its own SQLite database and
reports the wall time and the child's peak memory (ru_maxrss). The baseline, measured in the same
run on the same files: reading every file once (sha256 of its bytes), the I/O floor. The files
are flushed to disk (sync) before either is timed: a pipeline's images were on the volume long
before their import, and the kernel's write-back of 100,000 fresh files would otherwise compete
with the import's own writes.

Target: 100,000 images in at most 60 s with bounded memory.

    .venv/bin/python bench/pipeline_import.py                    # 100,000 images
    .venv/bin/python bench/pipeline_import.py --images 20000     # quicker
    .venv/bin/python bench/pipeline_import.py --images 20000 --database-url postgres://.../empty_db
"""

import argparse
import hashlib
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image as PILImage

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CAMERAS = 10


def write_images(root, count):
    names = []
    exif = PILImage.Exif()
    for index in range(count):
        folder = f"cam{index % CAMERAS:02d}"
        name = f"{folder}/IMG_{index:06d}.JPG"
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        picture = PILImage.new("RGB", (320, 240), (index % 256, (index // 256) % 256, (index // 65536) % 256))
        seconds = index % 60
        exif[0x8769] = {
            0x9003: f"2024:10:{1 + index // 86400 % 28:02d} {index // 3600 % 24:02d}:{index // 60 % 60:02d}:{seconds:02d}"
        }
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=70, exif=exif.tobytes())
        path.write_bytes(buffer.getvalue())
        names.append(name)
    return names


def results(names):
    return {
        "info": {
            "format_version": "1.5",
            "detector": "md_v5a.0.0.pt",
            "classifier": "speciesnet-v4.0.1a",
            "detector_metadata": {"typical_detection_threshold": 0.2},
        },
        "detection_categories": {"1": "animal", "2": "person", "3": "vehicle"},
        "classification_categories": {"0": "white-tailed deer", "1": "elk"},
        "images": [
            {
                "file": name,
                "detections": [
                    {"category": "1", "conf": 0.9, "bbox": [0.1, 0.2, 0.3, 0.4], "classifications": [["0", 0.9]]},
                    {"category": "1", "conf": 0.05, "bbox": [0.5, 0.5, 0.2, 0.2]},
                ],
            }
            for name in names
        ],
    }


def read_all(root, names):
    for name in names:
        hashlib.sha256((root / name).read_bytes()).hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--profile", help="write the import's cProfile statistics to this file")
    parser.add_argument(
        "--database-url", help="an EMPTY PostgreSQL database to import into (default: a fresh SQLite file)"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="herdbook-bench-import-"))
    try:
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="config.settings",
            SQLITE_PATH=str(work / "bench.sqlite3"),
            MEDIA_ROOT=str(work / "media"),
            IMAGE_ROOT=str(work / "images"),
            SECRET_KEY="bench",
            DEBUG="false",
        )
        env.pop("DATABASE_URL", None)
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        started = time.perf_counter()
        names = write_images(work / "images", args.images)
        (work / "md.json").write_text(json.dumps(results(names)))
        os.sync()  # the images were on the volume before: their write-back is not the import's
        print(f"wrote {len(names)} images and the results file in {time.perf_counter() - started:.1f} s")
        subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        for index in range(CAMERAS):
            subprocess.run(
                [
                    PYTHON,
                    "manage.py",
                    "shell",
                    "-c",
                    f"from detections.models import Location; Location.objects.create(name='cam{index:02d}')",
                ],
                cwd=ROOT,
                env=env,
                check=True,
            )
        started = time.perf_counter()
        read_all(work / "images", names)
        floor = time.perf_counter() - started
        started = time.perf_counter()
        profile = ["-m", "cProfile", "-o", os.path.abspath(args.profile)] if args.profile else []
        done = subprocess.run(
            [PYTHON, *profile, "manage.py", "import_megadetector", str(work / "md.json")],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(done.stdout.strip())
        print(f"baseline (read and hash every file): {floor:.1f} s")
        print(
            f"import: {args.images} images in {seconds:.1f} s ({args.images / seconds:.0f} images/s, "
            f"{seconds / floor:.1f}x the baseline), peak memory of the import process {peak_mb:.0f} MB"
        )
        target = 60.0 * args.images / 100_000
        print(f"target: {args.images} images in {target:.0f} s -> {'met' if seconds <= target else 'NOT met'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
