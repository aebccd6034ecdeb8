"""Every relative link and image in the README and docs/ resolves, and the README stays short.

The README is a newcomer's first page and sends them into docs/ for everything else; the docs pages
link to each other, to screenshots and to code. A file moved, a screenshot renamed or a heading
reworded leaves a link that leads nowhere, and nobody notices in review. So this test reads every
markdown link and image (`[text](target)`, `![alt](target)`, `[ref]: target`) and HTML `<img src>`
outside code, leaves out absolute URLs, `mailto:` and links to a heading of the same page, and
checks that the file or folder named exists and that a `#fragment` into a markdown file names one
of its headings, by GitHub's rule for heading anchors. It also holds the README to 250 lines: the
depth belongs in docs/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
README_MAX_LINES = 250

FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^\s)>]+)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
IMG_SRC = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
HTML_ANCHOR = re.compile(r"<a\b[^>]*?\b(?:name|id)\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
HTML_TAG = re.compile(r"<[^>]+>")
LINK_TEXT = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
NOT_IN_SLUG = re.compile(r"[^\w\- ]")


@dataclass(frozen=True)
class Link:
    source: Path
    line: int
    target: str

    def __str__(self) -> str:
        return f"{self.source.relative_to(ROOT)}:{self.line}: {self.target}"


def markdown_files() -> list[Path]:
    return [README, *sorted((ROOT / "docs").rglob("*.md"))]


def prose_lines(text: str) -> list[tuple[int, str]]:
    """The lines outside fenced code blocks, numbered from 1, with inline code spans removed."""
    lines: list[tuple[int, str]] = []
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        opened = FENCE.match(line)
        if fence is None and opened:
            fence = opened.group(1)[0] * 3
            continue
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            continue
        lines.append((number, INLINE_CODE.sub("", line)))
    return lines


def links_in(path: Path) -> list[Link]:
    found = []
    for number, line in prose_lines(path.read_text(encoding="utf-8")):
        for pattern in (LINK, REFERENCE, IMG_SRC):
            found += [Link(path, number, match.group(1)) for match in pattern.finditer(line)]
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: the text as shown, lower case, without punctuation other
    than hyphens, spaces turned into hyphens (letters of any script are kept)."""
    shown = HTML_TAG.sub("", LINK_TEXT.sub(r"\1", heading))
    return NOT_IN_SLUG.sub("", shown.strip().lower()).replace(" ", "-")


def anchors_of(path: Path) -> set[str]:
    """Every anchor a page has: its headings' slugs (a repeated one gets -1, -2 ...) and HTML anchors."""
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    text = path.read_text(encoding="utf-8")
    for _, line in prose_lines(text):
        heading = HEADING.match(line)
        if heading:
            base = slug(heading.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            anchors.add(base if count == 0 else f"{base}-{count}")
    anchors.update(match.group(1) for match in HTML_ANCHOR.finditer(text))
    return anchors


def problem_with(link: Link) -> str | None:
    """Why the link leads nowhere, or None when it resolves (or is not checked)."""
    target = link.target
    if SCHEME.match(target) or target.startswith("#"):
        return None
    path_part, _, fragment = target.partition("#")
    path_part = unquote(path_part.split("?", 1)[0])
    base = ROOT if path_part.startswith("/") else link.source.parent
    resolved = (base / path_part.lstrip("/")).resolve()
    if not resolved.exists():
        shown = resolved.relative_to(ROOT) if resolved.is_relative_to(ROOT) else resolved
        return f"{link}: no such file ({shown})"
    if fragment and resolved.suffix == ".md" and unquote(fragment) not in anchors_of(resolved):
        return f"{link}: {resolved.relative_to(ROOT)} has no heading whose anchor is #{fragment}"
    return None


def test_every_relative_link_and_image_resolves() -> None:
    links = [link for path in markdown_files() for link in links_in(path)]
    assert len(links) > 20, "the README and docs/ link to each other: finding almost none is a parsing bug"
    problems = [problem for link in links if (problem := problem_with(link)) is not None]
    assert not problems, "links that lead nowhere:\n" + "\n".join(problems)


def test_the_readme_stays_short() -> None:
    lines = len(README.read_text(encoding="utf-8").splitlines())
    assert lines <= README_MAX_LINES, (
        f"README.md has {lines} lines; keep it to {README_MAX_LINES} and move the depth into docs/"
    )


def test_slugs_follow_githubs_rule() -> None:
    assert slug("Retention, erasure, backup") == "retention-erasure-backup"
    assert slug("Calibration: the machine learns from corrections") == (
        "calibration-the-machine-learns-from-corrections"
    )
    assert slug("The trainers' library") == "the-trainers-library"
    assert slug("Complaint topics (投诉溯源)") == "complaint-topics-投诉溯源"
    assert slug("Pages and API with 10,000 calls stored") == "pages-and-api-with-10000-calls-stored"
    assert slug("The `callqa` command, [see](cli.md)") == "the-callqa-command-see"


def test_links_in_code_are_not_read(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\nSee [the API](api.md#x) and ![shot](s.png), `[not](a-link.md)`.\n"
        '<img src="logo.png" alt="">\n\n```\n[nor](this.md)\n```\n[ref]: other.md\n',
        encoding="utf-8",
    )
    assert [link.target for link in links_in(page)] == ["api.md#x", "s.png", "logo.png", "other.md"]
