#!/usr/bin/env python3
"""Writes pyyaml_expectations.json: crafted YAML documents and what PyYAML's yaml.safe_load makes of them.

Used by tests/Import.Config.Tests/PyYamlDifferentialTests.cs to check that Detserve's YAML reader types and
structures documents exactly as PyYAML does (Detectron2 reads and dumps configs with PyYAML). The inputs are
hand-written syntax cases plus seeded random documents built from scalar spellings at the edges of YAML 1.1's
implicit resolvers. Regenerate with:  python3 make_pyyaml_expectations.py   (PyYAML 6.0)
Canonical form: N, B:True, I:<int>, F:<repr>, S:<utf-8 hex>, [a,b], {<key hex>=v,...} in insertion order;
ERROR when PyYAML raises; values Detserve refuses by design (non-string keys, timestamps, mappings in lists) are left out.
"""
import json
import random

import yaml

HAND_WRITTEN = [
    "a: |\n  line1\n  line2\nb: 1\n",
    "a: |-\n  keep\n\n\nb: 1\n",
    "a: |+\n  keep\n\n\nb: 1\n",
    "a: >\n  folded\n  text\n\n  para\nb: 1\n",
    "a: >-\n  x\n   indented\n  y\n",
    "a: plain\n  continued\n  lines\n",
    "a: [1, 2,\n  3]\n",
    "a: {x: 1, y: [a, b], z: {q: ~}}\n",
    "a: \"esc \\x41 \\u00e9 \\U0001F642 \\t \\\\ \\\" \\N \\_ \\L \\P \\0 \\a \\e\"\n",
    "a: \"folded\n  double\n\n  quoted\"\n",
    "a: 'single ''quoted'' text'\n",
    "a: 'multi\n  line\n\n  single'\n",
    "# comment\na: 1 # trailing\n# end\n",
    "---\na: 1\n...\n",
    "--- \na: 1\n",
    "a:\n  - 1\n  - - 2\n    - 3\n  -\n    - 4\n",
    "a:\n- x\n- y\n",
    "? a\n: 1\n",
    "a: &x [1, 2]\nb: *x\nc: [*x, *x]\n",
    "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n",
    "a: 1\na: 2\n",
    "'quoted key': 1\n\"dq key\": 2\nkey with spaces: 3\n",
    "a: -\nb: - x\n",
    "a: 1:2:3\nb: -1:30\nc: 1:2.5\n",
    "a: [.inf, -.Inf, +.INF, .nan, .NaN, .NAN]\n",
    "a: [0b1010, -0b1, 0x_ff, 017, 0o17, 09, 1_2_3, +12, -0]\n",
    "a: [1e3, 1.e3, 1.0e+3, 1.0E-3, .1e-1, 1_0.5, 6.8523015e+5]\n",
    "a: [yes, Yes, YES, yEs, no, NO, on, ON, off, Off, y, n, Y, N, true, FALSE]\n",
    "a: [null, Null, NULL, nULL, ~, '']\n",
    "a: [=, '=', \"<<\"]\n",
    "{}\n",
    "[]\n",
    "",
    "# only a comment\n",
    "a:\n",
    "a: !!str 12\nb: !!int \"12\"\nc: !!float '1'\nd: !!bool yes\ne: !!null x\n",
    "a: !!seq [1]\nb: !!map {x: 1}\n",
    "a: ! 12\nb: ! '12'\nc: ! [1]\n",
    "a: 'tab\there'\nb: \"tab\\there\"\n",
    "a: é\nb: 日本語\nc: \"\\u65e5\"\n",
    "\ufeffa: 1\n",
    "a: [a, b]: c\n",
    "a: b: c\n",
    "a: [1, 2\n",
    "a: 'unterminated\n",
    "- 1\n- 2\n",
    "just a scalar\n",
    "a:\n\tb: 1\n",
    "a: 1\n---\nb: 2\n",
    "a: *undefined\n",
    "a: &x 1\nb: &x 2\nc: *x\n",
    "a: {? b : c}\n",
    "a: [b: c]\n",
    "%YAML 1.1\n---\na: 1\n",
    "a: \"x\" # c\nb: 'y'#notcomment\n",
    "a: x#y\nb: x #y\n",
    "a: 'a''b'''\n",
    "a: >\n\n  leading blank\n",
    "a: |2\n   two extra\n",
    "key:    value   \n",
    "a: [ ]\nb: { }\n",
    "a:\n  b:\n    c:\n      d: deep\n",
    "a: 0.\nb: -0.0\nc: +.5\nd: ._5\ne: 1._\n",
    "a: 2001-12-14x\nb: 12:30:00\n",
]

PLAIN_SPELLINGS = [
    "1", "-1", "+1", "0", "00", "010", "08", "0x1F", "0b11", "1_000", "1:30", "1.5", "1.", ".5", "1e5", "1.0e5",
    "1.0e+5", "-1.5E-3", ".inf", "-.inf", ".nan", "yes", "No", "on", "OFF", "true", "False", "y", "n", "~", "null",
    "Null", "res4", "p2", "FrozenBN", "detectron2://x/y.pkl", "./output", "a.b", "-x", "x-", "~x", "1e-4", "(1, 2)",
    "[1]", "a b", "null x", "yes please", "0.0001", "103.530", "-90", "4096", "é", "a_b", "_", "$", "%x", "a:b",
]


def scalar(rnd):
    s = rnd.choice(PLAIN_SPELLINGS)
    style = rnd.random()
    if style < 0.6:
        if s in ("[1]",) or s.startswith(("%", "-x")) or " " in s and rnd.random() < 0.5:
            return "'" + s.replace("'", "''") + "'"
        return s
    if style < 0.8:
        return "'" + s.replace("'", "''") + "'"
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def flow(rnd, depth):
    if depth == 0 or rnd.random() < 0.5:
        return scalar(rnd)
    if rnd.random() < 0.7:
        return "[" + ", ".join(flow(rnd, depth - 1) for _ in range(rnd.randint(0, 4))) + "]"
    keys = rnd.sample(["A", "B", "C", "D"], rnd.randint(0, 3))
    return "{" + ", ".join(k + ": " + flow(rnd, depth - 1) for k in keys) + "}"


def block(rnd, indent, depth):
    lines = []
    for key in rnd.sample(["A", "B", "C", "D", "E"], rnd.randint(1, 4)):
        r = rnd.random()
        pad = " " * indent
        if depth > 0 and r < 0.3:
            lines.append(f"{pad}{key}:")
            lines.extend(block(rnd, indent + 2, depth - 1))
        elif r < 0.5:
            lines.append(f"{pad}{key}:")
            for _ in range(rnd.randint(1, 3)):
                lines.append(f"{pad}- {flow(rnd, 1)}")
        else:
            comment = "  # note" if rnd.random() < 0.2 else ""
            lines.append(f"{pad}{key}: {flow(rnd, 2)}{comment}")
    return lines


def canon(v):
    if v is None:
        return "N"
    if isinstance(v, bool):
        return "B:%s" % v
    if isinstance(v, int):
        return "I:%d" % v
    if isinstance(v, float):
        return "F:" + repr(v)
    if isinstance(v, str):
        return "S:" + v.encode("utf-8").hex()
    if isinstance(v, list):
        if any(isinstance(x, dict) for x in v):
            raise TypeError("mapping in a list")
        return "[" + ",".join(canon(x) for x in v) + "]"
    if isinstance(v, dict):
        parts = []
        for k, x in v.items():
            if not isinstance(k, str):
                raise TypeError("non-string key")
            parts.append(k.encode("utf-8").hex() + "=" + canon(x))
        return "{" + ",".join(parts) + "}"
    raise TypeError(type(v).__name__)


def main():
    rnd = random.Random(20261122)
    docs = list(HAND_WRITTEN)
    for _ in range(400):
        docs.append("\n".join(block(rnd, 0, 2)) + "\n")
    cases = []
    for text in docs:
        try:
            result = canon(yaml.safe_load(text))
        except yaml.YAMLError:
            result = "ERROR"
        except TypeError:
            continue
        cases.append({"text": text, "result": result})
    with open("pyyaml_expectations.json", "w", encoding="utf-8") as f:
        json.dump({"pyyaml": yaml.__version__, "cases": cases}, f, ensure_ascii=False, indent=0)
    print(len(cases), "cases")


if __name__ == "__main__":
    main()
