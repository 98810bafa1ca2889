#!/usr/bin/env python3
"""Writes literal_expectations.json: strings and what CPython's ast.literal_eval makes of them.

yacs decodes every YAML string and every KEY VALUE override with ast.literal_eval (CfgNode._decode_cfg_value),
keeping the string when it raises ValueError or SyntaxError. Used by
tests/Import.Config.Tests/PythonLiteralDifferentialTests.cs. Inputs are hand-written cases plus seeded random token
soups. Regenerate with:  python3 make_literal_expectations.py
Canonical form as make_pyyaml_expectations.py, plus T(...) for tuples, KEEP when literal_eval raises
ValueError/SyntaxError, and UNSUPPORTED:<type> for a top-level dict/set/bytes/complex/Ellipsis (yacs refuses those).
Results Detserve refuses by design (ints beyond 64 bits, unsupported values nested in a list) are left out.
"""
import ast
import json
import random
import sys

HAND_WRITTEN = [
    "800", "(800,)", "800,", "[1, 2]", "()", "[]", "True", "None", "'abc'", "abc", "1e-4", "0777", "00", "1_000",
    "-1", "+1.5", "-(-1)", "-(1)", "1+2", "1+2j", "{}", "{1: 2}", "{1}", "set()", "b'x'", "1j", "'a' 'b'", "r'\\n'",
    "'\\n'", "u'x'", "f'x'", "...", "--1", "+True", "inf", "nan", "1_", "1__0", "0_0", "07.5", "1.", ".5", "5.e3",
    "0x_1f", "0X1F", "0o7_7", "0b_1", "0b2", "0xg", "1e", "1e+", "1.5e-3_0", "1_000.000_1", "'\\x41'", "'\\101'",
    "'\\u00e9'", "'\\U0001F642'", "'\\q'", "\"it's\"", "'''tri\nple'''", "\"\"\"a\"b\"\"\"", "rb'x'", "Rb'x'", "br'\\x'",
    "'unterminated", "[1, 2", "(1, [2, (3,)], 'x')", "[[], ()]", "((),)", "(((1)))", "- 1", "+ 1", "-1.5e3",
    "1 if 1 else 2", "x.y", "len([])", "[1][0]", "True + 1", "None,", "'a' b'c'", "'a' f'b'", "[1,,2]", "[,]", "(,)",
    " 5", "5 ", "5 # c", "\n5", "5\n", "\t[1]", "1;2", "1 = 2", "a: b", "detectron2://x.pkl", "./output",
    "res4", "p2", "FrozenBN", "cuda:0", "/abs/path.yaml", "~/x", "100%", "@x", "$x", "`x`", "[1, 'a', None, True]",
    "(1.0, 2.0, 3.0)", "[103.530, 116.280, 123.675]", "[[32, 64], [128]]", "((10.0, 10.0), (5.0, 5.0))",
    "9223372036854775807", "-9223372036854775808", "1e308", "1e309", "-1e309", "4.9e-324", "2.5e-324",
    "0.1", "0.30000000000000004", "123456789012345678901234567890.0",
]

TOKENS = ["1", "0", "-", "+", "(", ")", "[", "]", ",", " ", "'a'", "\"b\"", "1.5", "e", "_", "x", "True", "None",
          ".", "j", "0x", "#", "\n", "{", "}", ":", "r'\\'", "'\\n'", "2", "07", "b'", "'", "\\", "1e-3", "*"]


def canon(v, top=True):
    if v is None:
        return "N"
    if isinstance(v, bool):
        return "B:%s" % v
    if isinstance(v, int):
        if not -2**63 <= v < 2**63:
            raise OverflowError
        return "I:%d" % v
    if isinstance(v, float):
        return "F:" + repr(v)
    if isinstance(v, str):
        return "S:" + v.encode("utf-8", "surrogatepass").hex()
    if isinstance(v, tuple):
        return "T(" + ",".join(canon(x, False) for x in v) + ")"
    if isinstance(v, list):
        return "[" + ",".join(canon(x, False) for x in v) + "]"
    name = {dict: "dict", set: "set", bytes: "bytes", complex: "complex", type(Ellipsis): "ellipsis"}.get(type(v))
    if name and top:
        return "UNSUPPORTED:" + name
    raise OverflowError


def main():
    rnd = random.Random(20261122)
    texts = list(HAND_WRITTEN)
    for _ in range(2500):
        texts.append("".join(rnd.choice(TOKENS) for _ in range(rnd.randint(1, 12))))
    cases, seen = [], set()
    for text in texts:
        if text in seen:
            continue
        seen.add(text)
        try:
            result = canon(ast.literal_eval(text))
        except (ValueError, SyntaxError):
            result = "KEEP"
        except (OverflowError, TypeError, MemoryError, RecursionError):
            continue
        cases.append({"text": text, "result": result})
    with open("literal_expectations.json", "w", encoding="utf-8") as f:
        json.dump({"python": sys.version.split()[0], "cases": cases}, f, ensure_ascii=False, indent=0)
    print(len(cases), "cases")


if __name__ == "__main__":
    main()
