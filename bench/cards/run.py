"""Measure business-card recognition on the test set in bench/cards/data/.

    .venv/bin/python bench/cards/run.py            # or: make bench-cards
    .venv/bin/python bench/cards/run.py -v         # show every miss
    .venv/bin/python bench/cards/run.py 07 12      # only the cards whose names start so

Each card picture goes through the same recognition as the app (``relata.cards``:
preparation, QR code, Tesseract, parsing), and its fields are compared with the JSON next
to it. For each field the script prints precision (of the values proposed, how many are
exactly right) and recall (of the values expected, how many were proposed exactly right);
emails and phones count each address or number, the other fields count one value per
card. Then the time per card: median and 95th percentile. Targets (issue 9): emails and
phones ≥ 90 %, names and companies ≥ 80 % exactly right, under 3 s per card.
The table is also saved under ``bench/results/`` (ignored by git).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
RESULTS_DIR = ROOT / "bench" / "results"
SCALARS = ("given_name", "family_name", "job_title", "company", "website", "address", "tax_id")
TARGETS = {"emails": 0.9, "phones": 0.9, "name": 0.8, "company": 0.8}


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (Tesseract runs as a child)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def norm(value: str) -> str:
    return " ".join(str(value).split())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="*", help="card name prefixes to run")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every miss")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("RELATA_DATA_DIR", tempfile.mkdtemp(prefix="relata-bench-cards-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relata.config.settings")
    import django

    django.setup()
    from relata.cards import imaging
    from relata.cards.ocr import tesseract_version
    from relata.cards.recognition import recognise

    pictures = sorted(p for p in DATA.iterdir() if p.suffix in (".jpg", ".png"))
    if args.only:
        pictures = [p for p in pictures if p.name.startswith(tuple(args.only))]
    counts = {
        name: {"proposed": 0, "expected": 0, "right": 0}
        for name in (*SCALARS, "name", "emails", "phones", "phone_type")
    }
    timings: list[float] = []
    cpu_timings: list[float] = []
    misses = []
    for picture in pictures:
        expected = json.loads(picture.with_suffix(".json").read_text(encoding="utf-8"))
        start, cpu_start = time.perf_counter(), cpu_seconds()
        checked = imaging.check_image(picture.read_bytes())
        got = recognise(checked.image).fields.as_dict()
        timings.append(time.perf_counter() - start)
        cpu_timings.append(cpu_seconds() - cpu_start)
        for name in SCALARS:
            want, have = norm(expected[name]), norm(got[name])
            counts[name]["expected"] += bool(want)
            counts[name]["proposed"] += bool(have)
            counts[name]["right"] += bool(want) and want == have
            if want != have:
                misses.append(f"{picture.stem}: {name}: expected {want!r}, got {have!r}")
        whole_want = norm(f"{expected['given_name']} {expected['family_name']}")
        whole_have = norm(f"{got['given_name']} {got['family_name']}")
        counts["name"]["expected"] += 1
        counts["name"]["proposed"] += bool(whole_have)
        counts["name"]["right"] += (
            whole_want == whole_have and expected["given_name"] == got["given_name"]
        )
        want_emails = {e.lower() for e in expected["emails"]}
        have_emails = {e.lower() for e in got["emails"]}
        counts["emails"]["expected"] += len(want_emails)
        counts["emails"]["proposed"] += len(have_emails)
        counts["emails"]["right"] += len(want_emails & have_emails)
        if want_emails != have_emails:
            misses.append(
                f"{picture.stem}: emails: expected {sorted(want_emails)}, got {sorted(have_emails)}"
            )
        want_phones = {p["number"]: p for p in expected["phones"]}
        have_phones = {p["number"]: p for p in got["phones"]}
        counts["phones"]["expected"] += len(want_phones)
        counts["phones"]["proposed"] += len(have_phones)
        counts["phones"]["right"] += len(want_phones.keys() & have_phones.keys())
        for number in want_phones.keys() & have_phones.keys():
            counts["phone_type"]["expected"] += 1
            counts["phone_type"]["proposed"] += 1
            same = want_phones[number]["type"] == have_phones[number]["type"] and (
                want_phones[number]["country"] == have_phones[number]["country"]
            )
            counts["phone_type"]["right"] += same
        if want_phones.keys() != have_phones.keys():
            misses.append(
                f"{picture.stem}: phones: expected {sorted(want_phones)}, got {sorted(have_phones)}"
            )
        print(f"{picture.name:36} {timings[-1]:5.2f} s", file=sys.stderr, flush=True)

    lines = [
        f"Business cards: {len(pictures)} pictures from {DATA.relative_to(ROOT)}",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        f"Python {platform.python_version()}, Tesseract {tesseract_version()}",
        f"Run: {datetime.now(UTC).isoformat(timespec='seconds')}, load average "
        + ", ".join(f"{load:.1f}" for load in os.getloadavg()),
        "",
        f"{'field':14} {'precision':>9} {'recall':>7}   right/proposed/expected",
    ]
    failed = False
    for name, count in counts.items():
        precision = count["right"] / count["proposed"] if count["proposed"] else 1.0
        recall = count["right"] / count["expected"] if count["expected"] else 1.0
        target = TARGETS.get(name)
        mark = ""
        if target is not None:
            ok = precision >= target and recall >= target
            failed |= not ok
            mark = f"  target {target:.0%}: {'ok' if ok else 'MISSED'}"
        label = "phone type+country" if name == "phone_type" else name
        lines.append(
            f"{label:14} {precision:9.0%} {recall:7.0%}   "
            f"{count['right']}/{count['proposed']}/{count['expected']}{mark}"
        )
    median, p95 = statistics.median(timings), percentile(timings, 95)
    slow = p95 >= 3.0
    lines += [
        "",
        f"time per card: median {median:.2f} s, p95 {p95:.2f} s, max {max(timings):.2f} s"
        f"  target < 3 s: {'MISSED' if slow else 'ok'}",
        f"CPU per card:  median {statistics.median(cpu_timings):.2f} s, "
        f"p95 {percentile(cpu_timings, 95):.2f} s (the same on a busy machine)",
    ]
    if args.verbose and misses:
        lines += ["", "Misses:", *misses]
    report = "\n".join(lines)
    print(report)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    (RESULTS_DIR / f"cards-{stamp}.txt").write_text(report + "\n", encoding="utf-8")
    return 1 if failed or slow else 0


if __name__ == "__main__":
    sys.exit(main())
