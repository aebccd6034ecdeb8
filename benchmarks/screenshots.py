"""The documentation's screenshots, made on request: `python -m benchmarks.screenshots [--out DIR]`.

The browser tests (tests/e2e/browser/) bring each page to the state that README.md and docs/
show and take its picture there, into each test's tmp_path: a test run never writes into the
work tree. This runs those same tests with `--screenshots DIR`, so the pictures come from the
page states the tests assert on, seeded and driven by the same code (tests/support), and a
picture is only made when its test passes. Call ids, times and the player are masked and dates
fixed, so a rerun gives the same picture up to antialiasing.

It needs Chromium (`apt-get install chromium`) and Playwright (`pip install -e '.[dev]'`), and
fails rather than skips without them; the Chinese calls, tags and topics need a CJK font
(`apt-get install fonts-noto-cjk`), or they are drawn as empty boxes (it warns). Afterwards it
checks that every `screenshots/*.png` the Markdown files name was made. The default DIR is
docs/screenshots; give another folder to compare the new pictures with the committed ones
before replacing them.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BROWSER_TESTS = Path("tests") / "e2e" / "browser"


def named_in_docs() -> set[str]:
    """The screenshots README.md and docs/*.md show."""
    names: set[str] = set()
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        names.update(re.findall(r"screenshots/([\w.-]+\.png)", page.read_text(encoding="utf-8")))
    return names


def has_cjk_font() -> bool:
    """Whether fontconfig knows a font for Chinese (True where it cannot be asked)."""
    if shutil.which("fc-list") is None:
        return True
    found = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.screenshots", description="Make the documentation's screenshots."
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="where the PNGs go")
    parser.add_argument("-k", dest="keyword", help="only the browser tests pytest's -k selects")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pytest", str(BROWSER_TESTS), "-q", "-p", "no:cacheprovider"]
    command += ["--screenshots", str(out)] + (["-k", args.keyword] if args.keyword else [])
    if not has_cjk_font():
        print("no CJK font (apt-get install fonts-noto-cjk): Chinese text will be boxes", file=sys.stderr)
    started = time.time()
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, "CALLQA_REQUIRE_SERVICES": "1"}, check=False)
    made = sorted(p.name for p in out.glob("*.png") if p.stat().st_mtime >= started)
    print(f"{len(made)} screenshots in {out}: {', '.join(made) or 'none'}")
    if done.returncode != 0:
        print("the browser tests failed: their pictures are not to be trusted", file=sys.stderr)
        return done.returncode
    missing = sorted(named_in_docs() - set(made))
    if missing and not args.keyword:
        print(f"named in the docs but not made by any browser test: {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
