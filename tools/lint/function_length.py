#!/usr/bin/env python3
"""Fails when a Swift function, initializer or closure-bodied declaration is too long.

Usage: python3 tools/lint/function_length.py [--limit N] [PATH ...]   (default: Sources/, 80 lines)

Counts a declaration from the line of its keyword (`func`, `init`, `deinit`, `subscript`, or a
`var`/`let` whose body or initializer is a braced block) to the line of its closing brace.
Braces are matched on the text with comments (`//`, nested `/* */`) and string literals
(`"…"`, multi-line `\"\"\"…\"\"\"`, raw `#"…"#`) blanked out; interpolations `\\(…)` stay code.
Prints `file:line: name is N lines (limit L)` per offender and exits 1 when there is any, 0 when
there is none, 2 for a path that does not exist.
"""
import argparse
import os
import re
import sys

DEFAULT_LIMIT = 80
STRING_START = re.compile(r'(#*)("""|")')
DECLARATION = re.compile(r'\b(func|init|deinit|subscript|var|let)\b')
# At bracket depth 0 these start the next declaration: a head without a body ends before them.
NEXT_DECLARATION = re.compile(r'\b(func|init|deinit|subscript|var|let|case|struct|class|enum|extension|protocol)\b')
FUNC_NAME = re.compile(r'func\s+([^\s(<]+)')


def blank_comments_and_strings(src):
    """`src` with comment and string-literal characters replaced by spaces (newlines kept)."""
    out = list(src)
    n = len(src)
    # Frames: ('code', paren depth or None at top level), ('string', closing delimiter, hashes),
    # ('comment', nesting depth).
    stack = [('code', None)]
    i = 0

    def blank(a, b):
        for k in range(a, min(b, n)):
            if out[k] != '\n':
                out[k] = ' '

    while i < n:
        frame = stack[-1]
        if frame[0] == 'code':
            if src.startswith('//', i):
                end = src.find('\n', i)
                end = n if end < 0 else end
                blank(i, end)
                i = end
                continue
            if src.startswith('/*', i):
                stack.append(('comment', 1))
                blank(i, i + 2)
                i += 2
                continue
            m = STRING_START.match(src, i) if src[i] in '#"' else None
            if m:
                hashes, quote = m.group(1), m.group(2)
                stack.append(('string', quote + hashes, hashes))
                blank(i, m.end())
                i = m.end()
                continue
            depth = frame[1]
            if depth is not None:
                if src[i] == '(':
                    stack[-1] = ('code', depth + 1)
                elif src[i] == ')':
                    if depth == 1:
                        stack.pop()  # back into the string around the interpolation
                        blank(i, i + 1)
                        i += 1
                        continue
                    stack[-1] = ('code', depth - 1)
            i += 1
        elif frame[0] == 'comment':
            if src.startswith('/*', i):
                stack[-1] = ('comment', frame[1] + 1)
                blank(i, i + 2)
                i += 2
            elif src.startswith('*/', i):
                blank(i, i + 2)
                i += 2
                stack.pop() if frame[1] == 1 else stack.__setitem__(-1, ('comment', frame[1] - 1))
            else:
                blank(i, i + 1)
                i += 1
        else:
            closing, hashes = frame[1], frame[2]
            escape = '\\' + hashes
            if src.startswith(escape + '(', i):
                blank(i, i + len(escape) + 1)
                i += len(escape) + 1
                stack.append(('code', 1))
            elif src.startswith(escape, i):
                blank(i, i + len(escape) + 1)
                i += len(escape) + 1
            elif src.startswith(closing, i):
                blank(i, i + len(closing))
                i += len(closing)
                stack.pop()
            else:
                blank(i, i + 1)
                i += 1
    return ''.join(out)


def matching_braces(code):
    """Map from the offset of each `{` to the offset of its `}`."""
    pairs, open_ = {}, []
    for i, c in enumerate(code):
        if c == '{':
            open_.append(i)
        elif c == '}' and open_:
            pairs[open_.pop()] = i
    return pairs


def body_start(code, start, keyword):
    """Offset of the `{` opening the body of the declaration whose keyword ends at `start`, or None."""
    depth = 0
    i = start
    n = len(code)
    while i < n:
        c = code[i]
        if c in '([':
            depth += 1
        elif c in ')]':
            depth -= 1
            if depth < 0:
                return None
        elif depth == 0:
            if c == '{':
                return i
            if c in '};':
                return None
            if keyword in ('var', 'let') and c == '\n':
                # A stored property or local ends with its line unless the next line continues it.
                rest = code[i + 1:code.find('\n', i + 1) if code.find('\n', i + 1) >= 0 else n].lstrip()
                if not rest.startswith(('{', '.', '?', ':', '=', '->', '&&', '||', '+', '-', '*')):
                    return None
            m = NEXT_DECLARATION.match(code, i) if c.isalpha() and not code[i - 1].isalnum() else None
            if m and keyword not in ('var', 'let'):
                return None
        i += 1
    return None


CONDITION = re.compile(r'\b(if|guard|while|for|case|catch|where)\b')


def declares(code, start):
    """Whether the `var`/`let` at `start` declares a name rather than binding one in a condition
    or pattern (`if let`, `guard var`, `case let`, `for var`, `a, let b` …)."""
    line_start = code.rfind('\n', 0, start) + 1
    if CONDITION.search(code, line_start, start):
        return False
    before = code[:start].rstrip()
    return not before.endswith((',', '('))


def declaration_name(code, match):
    if match.group(1) == 'func':
        m = FUNC_NAME.match(code, match.start())
        return m.group(1) if m else 'func'
    if match.group(1) in ('var', 'let'):
        m = re.match(r'(?:var|let)\s+([A-Za-z_][A-Za-z0-9_]*)', code[match.start():])
        return m.group(1) if m else match.group(1)
    return match.group(1)


def long_declarations(src, limit):
    """(line, name, length) of each declaration in `src` longer than `limit` lines."""
    code = blank_comments_and_strings(src)
    pairs = matching_braces(code)
    found = []
    for m in DECLARATION.finditer(code):
        if m.start() > 0 and (code[m.start() - 1] in '.$_' or code[m.start() - 1].isalnum()):
            continue  # `self.init`, `$init`, part of an identifier
        if m.group(1) in ('var', 'let') and not declares(code, m.start()):
            continue
        brace = body_start(code, m.end(), m.group(1))
        if brace is None or brace not in pairs:
            continue
        first = code.count('\n', 0, m.start()) + 1
        last = code.count('\n', 0, pairs[brace]) + 1
        length = last - first + 1
        if length > limit:
            found.append((first, declaration_name(code, m), length))
    return found


def swift_files(paths):
    for path in paths:
        if os.path.isfile(path):
            yield path
            continue
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                # Code generated by protoc (`*.pb.swift`, committed, never edited) is not linted.
                if name.endswith('.swift') and not name.endswith('.pb.swift'):
                    yield os.path.join(root, name)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--limit', type=int, default=DEFAULT_LIMIT, help='longest allowed declaration in lines')
    parser.add_argument('paths', nargs='*', help='Swift files or folders (default: Sources/ of this repository)')
    args = parser.parse_args(argv)
    paths = args.paths or [os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'Sources')]
    for path in paths:
        if not os.path.exists(path):
            print(f'function_length: {path}: no such file or folder', file=sys.stderr)
            return 2
    offenders = 0
    for path in swift_files(paths):
        with open(path, encoding='utf-8') as f:
            src = f.read()
        shown = os.path.relpath(path)
        for line, name, length in long_declarations(src, args.limit):
            print(f'{shown}:{line}: {name} is {length} lines (limit {args.limit})')
            offenders += 1
    if offenders:
        print(f'function_length: {offenders} declaration(s) over {args.limit} lines', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
