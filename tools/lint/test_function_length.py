"""Self-test of function_length.py on synthetic Swift snippets.

Run: python3 -m unittest discover -s tools/lint
"""
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import function_length as fl  # noqa: E402

TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'function_length.py')


def body(lines):
    return ''.join(f'    let v{i} = {i}\n' for i in range(lines))


def func(name, inner, head='func {name}() {{\n'):
    """A declaration whose body holds `inner` lines, i.e. `inner + 2` lines long."""
    return head.format(name=name) + body(inner) + '}\n'


class BlankingTests(unittest.TestCase):
    def test_keeps_length_and_newlines(self):
        src = 'let s = "a { b" // c {\n/* d { /* e } */ */ let t = """\n  { \\(x) }\n  """\n'
        code = fl.blank_comments_and_strings(src)
        self.assertEqual(len(code), len(src))
        self.assertEqual(code.count('\n'), src.count('\n'))
        self.assertNotIn('{', code.replace('\\(x)', ''))
        self.assertIn('let t =', code)

    def test_interpolation_stays_code(self):
        code = fl.blank_comments_and_strings('"a \\(xs.map { "}" + $0 }) b"')
        self.assertEqual(code.count('{'), 1)
        self.assertEqual(code.count('}'), 1)

    def test_raw_string(self):
        code = fl.blank_comments_and_strings('let r = #"a "}" \\( b"# ; {}')
        self.assertEqual(code.count('{'), 1)
        self.assertEqual(code.count('}'), 1)


class LengthTests(unittest.TestCase):
    def test_at_limit_passes_and_one_over_fails(self):
        self.assertEqual(fl.long_declarations(func('ok', 78), 80), [])
        self.assertEqual(fl.long_declarations(func('long', 79), 80), [(1, 'long', 81)])

    def test_initializer_and_computed_property(self):
        src = func('', 90, head='init(x: Int) throws {{\n') + func('', 90, head='var total: Int {{\n')
        found = fl.long_declarations(src, 80)
        self.assertEqual([(n, l) for _, n, l in found], [('init', 92), ('total', 92)])

    def test_closure_initializer(self):
        found = fl.long_declarations(func('', 85, head='let handler: () -> Void = {{\n'), 80)
        self.assertEqual([(n, l) for _, n, l in found], [('handler', 87)])

    def test_braces_in_strings_and_comments_do_not_end_the_body(self):
        inner = '    let a = "}"\n    // }\n    /* } */\n    let b = """\n    }\n    """\n'
        src = 'func f() {\n' + inner + body(80) + '}\n'
        self.assertEqual(fl.long_declarations(src, 80), [(1, 'f', 88)])

    def test_conditions_and_bodiless_heads_are_not_declarations(self):
        src = ('protocol P {\n    func g()\n}\n'
               + 'func h() {\n    if let x = y {\n' + body(40) + '    }\n    guard var z = w else {\n'
               + body(40) + '    }\n}\n')
        found = fl.long_declarations(src, 80)
        self.assertEqual([(line, n) for line, n, _ in found], [(4, 'h')])

    def test_requirement_does_not_take_the_next_members_braces(self):
        src = 'protocol P {\n    func g() -> Int\n    var x: Int { get }\n}\n'
        self.assertEqual([n for _, n, _ in fl.long_declarations(src, 0)], ['x'])

    def test_stored_property_does_not_take_the_next_body(self):
        src = 'struct S {\n    var a: Int\n    func f() {\n' + body(85) + '    }\n}\n'
        found = fl.long_declarations(src, 80)
        self.assertEqual([(line, n) for line, n, _ in found], [(3, 'f')])


class CommandTests(unittest.TestCase):
    def run_tool(self, *files):
        with tempfile.TemporaryDirectory() as d:
            for name, text in files:
                with open(os.path.join(d, name), 'w') as f:
                    f.write(text)
            return subprocess.run([sys.executable, TOOL, d], capture_output=True, text=True, cwd=d)

    def test_exit_codes_and_listing(self):
        clean = self.run_tool(('A.swift', func('a', 10)))
        self.assertEqual((clean.returncode, clean.stdout), (0, ''))
        bad = self.run_tool(('A.swift', func('a', 10)), ('B.swift', '\n' + func('b', 99)))
        self.assertEqual(bad.returncode, 1)
        self.assertEqual(bad.stdout, 'B.swift:2: b is 101 lines (limit 80)\n')

    def test_protoc_generated_files_are_skipped_in_folders(self):
        generated = self.run_tool(('A.swift', func('a', 10)), ('onnx.pb.swift', func('decode', 99)))
        self.assertEqual((generated.returncode, generated.stdout), (0, ''))


if __name__ == '__main__':
    unittest.main()
