#!/usr/bin/env python3
"""Writes eval_expectations.json: expressions of the !!python/object/apply:eval subset and what CPython's eval
makes of them.

configs/Base-RetinaNet.yaml sets anchor sizes with eval; Detserve evaluates the same arithmetic / list-comprehension
subset without executing anything (src/Import/Config/SafeExpressionEvaluator.cs). Used by
tests/Import.Config.Tests/EvalDifferentialTests.cs. Expressions are seeded random draws from that subset's grammar.
Regenerate with:  python3 make_eval_expectations.py
Canonical form as make_literal_expectations.py; ERROR when Python raises or gives a complex number; BIGINT when an
int leaves the 64-bit range (Detserve refuses those by design).
"""
import json
import random
import sys


def number(rnd):
    r = rnd.random()
    if r < 0.45:
        return str(rnd.choice([0, 1, 2, 3, 5, 7, 10, 16, 32, 64, 100, 512, 1000]))
    if r < 0.8:
        return rnd.choice(["0.5", "1.0", "2.0", "3.0", "0.1", "1.5", "10.0", "1e3", "2.5e-1", ".5", "1."])
    return rnd.choice(["1/3", "2/3", "1.0/3", "2.0/3"])


def arith(rnd, depth, names):
    """A numeric expression: numbers, comprehension variables, + - * / ** and unary minus."""
    r = rnd.random()
    if depth == 0 or r < 0.3:
        if names and rnd.random() < 0.5:
            return rnd.choice(names)
        return number(rnd)
    if r < 0.8:
        op = rnd.choice(["+", "-", "*", "/", "**", "*", "+"])
        left, right = arith(rnd, depth - 1, names), arith(rnd, depth - 1, names)
        if op == "**":
            right = rnd.choice(["2", "3", "0.5", "(1.0/3)", "(2.0/3)", "-1", "(-2)", "0", "10"])
        return f"{left} {op} {right}" if rnd.random() < 0.5 else f"({left} {op} {right})"
    return "-" + arith(rnd, depth - 1, names)


def expr(rnd, depth, names):
    """A value: a numeric expression, or a list / tuple / list comprehension of values."""
    r = rnd.random()
    if depth == 0 or r < 0.4:
        return arith(rnd, 3, names)
    if r < 0.7:
        items = [expr(rnd, depth - 1, names) for _ in range(rnd.randint(0, 3))]
        if rnd.random() < 0.3:
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        return "[" + ", ".join(items) + "]"
    var = rnd.choice(["x", "y", "z"])
    if rnd.random() < 0.5:
        iterable = "range(" + ", ".join(str(rnd.randint(-3, 6)) for _ in range(rnd.randint(1, 3))) + ")"
    else:
        iterable = "[" + ", ".join(arith(rnd, 1, names) for _ in range(rnd.randint(0, 4))) + "]"
    inner = expr(rnd, depth - 1, names + [var])
    extra = ""
    if rnd.random() < 0.2:
        var2 = rnd.choice([v for v in ["x", "y", "z"] if v != var])
        extra = f" for {var2} in range({rnd.randint(0, 3)})"
        inner = expr(rnd, depth - 1, names + [var, var2])
    return f"[{inner} for {var} in {iterable}{extra}]"


def canon(v):
    if isinstance(v, bool) or v is None or isinstance(v, str):
        raise TypeError
    if isinstance(v, int):
        if not -2**63 <= v < 2**63:
            raise OverflowError("BIGINT")
        return "I:%d" % v
    if isinstance(v, float):
        return "F:" + repr(v)
    if isinstance(v, tuple):
        return "T(" + ",".join(canon(x) for x in v) + ")"
    if isinstance(v, list):
        return "[" + ",".join(canon(x) for x in v) + "]"
    raise TypeError(type(v).__name__)


def main():
    rnd = random.Random(20261122)
    texts = ["[[x, x * 2**(1.0/3), x * 2**(2.0/3) ] for x in [32, 64, 128, 256, 512 ]]"]
    for _ in range(1500):
        texts.append(expr(rnd, 3, []))
    cases, seen = [], set()
    for text in texts:
        if text in seen:
            continue
        seen.add(text)
        try:
            result = canon(eval(text, {"__builtins__": {"range": range}}, {}))
        except OverflowError as e:
            result = "BIGINT" if str(e) == "BIGINT" else "ERROR"
        except (ZeroDivisionError, TypeError, ValueError, OverflowError):
            result = "ERROR"
        cases.append({"text": text, "result": result})
    with open("eval_expectations.json", "w", encoding="utf-8") as f:
        json.dump({"python": sys.version.split()[0], "cases": cases}, f, ensure_ascii=False, indent=0)
    print(len(cases), "cases")


if __name__ == "__main__":
    main()
