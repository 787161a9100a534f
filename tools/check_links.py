#!/usr/bin/env python3
"""Check the relative links of the repository's Markdown pages.

Usage: python3 tools/check_links.py [FILE.md ...]   (default: every tracked *.md file)

Every `[text](target)` whose target is not a URL must name a file or folder that exists,
relative to the page; a `#fragment` must match a heading of the target page, slugged the way
GitHub slugs headings. Links inside code (fenced blocks and `inline` spans) are ignored.
Prints one line per broken link and exits 1 if there is any, else prints a count and exits 0.
"""
import os
import re
import subprocess
import sys

LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^()\s]+(?:\([^()]*\))?[^()\s]*)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")


def github_slug(text):
    """The anchor GitHub gives a heading: markup dropped, lower case, punctuation removed."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their text
    text = text.replace("`", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def prose_lines(path, keep_code=False):
    """The page's lines outside fenced code blocks, with line numbers; inline code blanked
    unless `keep_code` (headings keep theirs: GitHub slugs the code's text)."""
    fenced = False
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if line.lstrip().startswith(("```", "~~~")):
                fenced = not fenced
                continue
            if not fenced:
                line = line.rstrip("\n")
                yield number, line if keep_code else INLINE_CODE.sub("", line)


def anchors(path, cache={}):
    """The set of heading anchors of a Markdown page (duplicates numbered as GitHub does)."""
    if path not in cache:
        seen, found = {}, set()
        for _, line in prose_lines(path, keep_code=True):
            match = HEADING.match(line)
            if not match:
                continue
            slug = github_slug(match.group(2))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            found.add(slug if count == 0 else f"{slug}-{count}")
        cache[path] = found
    return cache[path]


def broken_links(page):
    """Yield (line number, target, reason) for each broken relative link of `page`."""
    for number, line in prose_lines(page):
        for match in LINK.finditer(line):
            target = match.group(1)
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http:, https:, mailto:
                continue
            path, _, fragment = target.partition("#")
            resolved = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
            if not os.path.exists(resolved):
                yield number, target, "no such file"
            elif fragment and resolved.endswith(".md") and fragment not in anchors(resolved):
                yield number, target, "no such heading"


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.chdir(root)
    pages = argv or subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.md"], capture_output=True, text=True,
                                   check=True).stdout.split()
    broken = 0
    for page in pages:
        for number, target, reason in broken_links(page):
            print(f"{page}:{number}: {target}: {reason}")
            broken += 1
    if broken:
        return 1
    print(f"check_links: {len(pages)} pages, every relative link resolves")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
