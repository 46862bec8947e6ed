"""The expression parser of the command line: every refusal names what it refused, and a
long flat chain (x + x + ... + x) is flat, however deep its tree."""

from __future__ import annotations

import ast
import random

import pytest

from autodiff import Value
from autodiff.parse import MAX_LENGTH, MAX_NESTING, ExpressionError, evaluate, names, parse, parse_arithmetic

# -- every refusal of the validator, with what it names ---------------------------------------


def nested(n: int) -> str:
    # ((x+1)*2+1)*2 ...: a sum in a product in a sum, two levels a pair of parentheses
    expr = "x"
    for _ in range(n):
        expr = f"({expr}+1)*2"
    return expr


REFUSED = {
    # operators
    "modulo": ("x % 2", "operator Mod is not allowed; use + - * / **"),
    "floor division": ("x // 2", "operator FloorDiv is not allowed"),
    "matrix product": ("x @ y", "operator MatMult is not allowed"),
    "shift": ("x << 1", "operator LShift is not allowed"),
    "bit or": ("x | y", "operator BitOr is not allowed"),
    "invert": ("~x", "unary operator Invert is not allowed; use - or +"),
    "not": ("not x", "unary operator Not is not allowed"),
    # names
    "underscore name": ("_x + 1", "names may not start with '_', got '_x'"),
    "dunder name": ("x + __builtins__", "names may not start with '_', got '__builtins__'"),
    "function as a variable": ("exp + 1", "'exp' is a function, not a variable; call it as exp(...)"),
    # calls
    "keyword argument": ("exp(x, key=1)", "exp(): keyword arguments are not allowed"),
    "keyword only": ("exp(x=1)", "exp(): keyword arguments are not allowed"),
    "double-star argument": ("sum(x, **d)", "sum(): keyword arguments are not allowed"),
    "star argument": ("sum(x, *y)", "sum(): *arguments are not allowed"),
    "star as the one argument": ("exp(*x)", "exp(): *arguments are not allowed"),
    "two arguments to a unary": ("exp(x, y)", "exp() takes one argument, got 2"),
    "no argument": ("exp()", "exp() takes one argument, got 0"),
    "no argument to sum": ("sum()", "sum() takes one or more arguments, got 0"),
    "call of a variable": ("x(1)", "function 'x' is not allowed; use one of exp, log"),
    "call of a builtin": ("open('f')", "function 'open' is not allowed"),
    "call of __import__": ("__import__('os')", "function '__import__' is not allowed"),
    "call of a call": ("exp(x)(1)", "function 'exp(x)' is not allowed"),
    "call of a lambda": ("(lambda: 1)()", "function 'lambda"),
    # constants
    "huge float": ("x + 1e400", "the number 1e400 is too large for a float"),
    "huge int": ("x + 1" + "0" * 400, "the number 1000000000000000000000000000000000000... is too large for a float"),
    "thousands of digits": ("x + " + "9" * 5000, "has thousands of digits: too large for a float"),
    "string": ("x + 'a'", "only numbers are allowed as constants, got 'a'"),
    "bool": ("x + True", "only numbers are allowed as constants, got True"),
    "None": ("x + None", "only numbers are allowed as constants, got None"),
    "complex": ("x + 1j", "only numbers are allowed as constants, got 1j"),
    # everything else by its node
    "attribute": ("x.real", "Attribute is not allowed in an expression (got 'x.real')"),
    "subscript": ("x[0]", "Subscript is not allowed in an expression (got 'x[0]')"),
    "list comprehension": ("[x for x in y]", "ListComp is not allowed"),
    "generator": ("sum(x for x in y)", "GeneratorExp is not allowed"),
    "set comprehension": ("{x for x in y}", "SetComp is not allowed"),
    "dict comprehension": ("{x: 1 for x in y}", "DictComp is not allowed"),
    "lambda": ("lambda: 1", "Lambda is not allowed in an expression (got 'lambda"),
    "conditional": ("x if y else 1", "IfExp is not allowed"),
    "comparison": ("x < y", "Compare is not allowed"),
    "boolean": ("x and y", "BoolOp is not allowed"),
    "tuple": ("x, y", "Tuple is not allowed"),
    "walrus": ("(y := 1)", "NamedExpr is not allowed"),
    "f-string": ("f'{x}'", "JoinedStr is not allowed"),
    # the input itself
    "syntax": ("x +", "not a valid expression: invalid syntax"),
    "too long": ("x" + "+x" * 5000, "expression is 10001 characters long; the limit is 10000"),
    "signs too deep": ("-" * (MAX_NESTING + 1) + "x", "nests too deeply: more than 100 levels"),
    "calls too deep": ("exp(" * (MAX_NESTING + 1) + "x" + ")" * (MAX_NESTING + 1), "nests too deeply"),
    "parentheses too deep": (nested(MAX_NESTING // 2 + 1), "nests too deeply"),
    "powers too deep": ("**".join(["x"] * (MAX_NESTING + 2)), "nests too deeply"),
    "deeper than Python's parser": ("-" * 5000 + "x", "nests too deeply"),
}


@pytest.mark.parametrize("expr, message", REFUSED.values(), ids=REFUSED.keys())
def test_every_refusal_names_what_it_refused(expr, message):
    with pytest.raises(ExpressionError) as refused:
        parse(expr)
    assert message in str(refused.value)


def test_refused_expression_is_never_computed(capsys, tmp_path, monkeypatch):
    from autodiff.__main__ import BAD_INPUT, main

    monkeypatch.chdir(tmp_path)
    for expr, message in REFUSED.values():
        assert main(["grad", expr, "x=1", "y=1"]) == BAD_INPUT
        out, err = capsys.readouterr()
        assert out == "" and message in err
    assert list(tmp_path.iterdir()) == []


def test_non_text_is_refused_by_type():
    with pytest.raises(ExpressionError, match="expression must be text, got int"):
        parse(3)  # type: ignore[arg-type]


def test_evaluate_names_a_missing_variable_and_refuses_an_unchecked_tree():
    with pytest.raises(ExpressionError, match="no value given for y, z; pass e.g. y=1.0"):
        evaluate(parse("x * y + z"), {"x": Value(1.0)})
    with pytest.raises(ExpressionError, match="Attribute is not allowed in an expression"):
        evaluate(ast.parse("2 * x.real", mode="eval").body, {"x": Value(1.0)})


@pytest.mark.parametrize(
    "expr",
    [
        "-" * MAX_NESTING + "x",
        "exp(" * MAX_NESTING + "x" + ")" * MAX_NESTING,
        "**".join(["x"] * (MAX_NESTING + 1)),
        nested(MAX_NESTING // 2),
    ],
)
def test_nesting_up_to_the_limit_is_allowed(expr):
    assert names(parse(expr)) == ["x"]


# -- a long flat chain is one level --------------------------------------------------------------


def ast_gives_up(monkeypatch):
    # as on CPython 3.11 and 3.12: ast.parse gives up on a chain of 3000 terms (3.10 and 3.13 read it)
    real = ast.parse

    def gives_up(source, *args, **kwargs):
        mode = kwargs.get("mode", args[1] if len(args) > 1 else "exec")
        if mode == "eval" and len(source) > 1000:  # an expression, not pytest reading a test's source
            raise RecursionError("maximum recursion depth exceeded during ast construction")
        return real(source, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", gives_up)


@pytest.fixture(params=["ast.parse", "parse_arithmetic"])
def path(request, monkeypatch):
    """Each test twice: the chain read by ast.parse, and by parse_arithmetic, past ast.parse."""
    if request.param == "parse_arithmetic":
        ast_gives_up(monkeypatch)
    return request.param


def computed_directly(terms, ops, env):
    # the chain with Values, as Python groups it: products (* /) first, then the sum (+ -) of them
    binary = {"+": Value.__add__, "-": Value.__sub__, "*": Value.__mul__, "/": Value.__truediv__}
    total, sign, product = None, "+", env[terms[0]]
    for op, term in zip([*ops, "+"], [*terms[1:], None]):
        if op in "*/":
            product = binary[op](product, env[term])
            continue
        total = product if total is None else binary[sign](total, product)
        sign, product = op, env[term] if term else None
    return total


@pytest.mark.parametrize("ops", ["+", "+-", "*", "*/", "+-*/"])
def test_a_flat_chain_of_3000_terms_computes_value_and_gradient(ops, path):
    rng = random.Random(0)
    terms = [rng.choice("xyz") for _ in range(3000)]
    chosen = [rng.choice(ops) for _ in range(2999)]
    expr = terms[0] + "".join(op + t for op, t in zip(chosen, terms[1:]))
    assert len(expr) < MAX_LENGTH
    point = {"x": 1.0001, "y": 0.9999, "z": 1.5}
    leaves = {n: Value(v) for n, v in point.items()}
    out = evaluate(parse(expr), leaves)
    out.backward()
    direct = {n: Value(v) for n, v in point.items()}
    want = computed_directly(terms, chosen, direct)
    want.backward()
    assert out.data == want.data
    assert [leaves[n].grad for n in "xyz"] == [direct[n].grad for n in "xyz"]


def test_a_3000_term_sum_inside_a_call_and_parentheses(path):
    chain = "+".join(["x"] * 3000)
    x = Value(0.5)
    out = evaluate(parse(f"2 * exp(({chain}) - 1500)"), {"x": x})
    out.backward()
    assert out.data == 2.0 and x.grad == 6000.0


def test_a_chain_of_1500_terms_is_one_level():
    # ast.parse builds this tree on every Python; checking it must not recurse through it
    x = Value(2.0)
    out = evaluate(parse("-".join(["x"] * 1500)), {"x": x})
    out.backward()
    assert out.data == -2.0 * 1498 and x.grad == -1498.0


def test_evaluation_is_iterative_far_beyond_the_recursion_limit():
    tree: ast.expr = ast.Name(id="x", ctx=ast.Load())
    for _ in range(19_999):
        tree = ast.BinOp(left=tree, op=ast.Add(), right=ast.Name(id="x", ctx=ast.Load()))
    x = Value(1.0)
    out = evaluate(tree, {"x": x})
    out.backward()
    assert out.data == 20_000.0 and x.grad == 20_000.0


@pytest.mark.parametrize(
    "tail, message",
    [
        (" % 2", "'%' (at column 6001) is not allowed in an expression this long"),
        (" + x.real", "'.' (at column 6004) is not allowed"),
        ("+(x < 1)", "'<' (at column 6004) is not allowed"),
        ("+(lambda: 1)", "'lambda' (at column 6002) is not allowed"),
        ("+_y", "names may not start with '_', got '_y'"),
        ("+exp(x, x)", "exp() takes one argument, got 2"),
        ("+x(1)", "function 'x' is not allowed"),
        ("+1e400", "the number 1e400 is too large for a float"),
        ("+'a'", "\"'a'\" (at column 6001) is not allowed"),
        ("+True", "only numbers are allowed as constants, got True"),
        ("+" + "-" * (MAX_NESTING + 1) + "x", "nests too deeply"),
        ("+", "not a valid expression"),
    ],
)
def test_a_long_chain_still_refuses_anything_but_arithmetic(tail, message, monkeypatch):
    ast_gives_up(monkeypatch)
    with pytest.raises(ExpressionError) as refused:
        parse("+".join(["x"] * 3000) + tail)
    assert message in str(refused.value)


def test_a_huge_number_after_a_long_chain_of_non_ascii_names_is_quoted_exactly(path):
    with pytest.raises(ExpressionError, match="the number 1.5e400 is too large"):
        parse("+".join(["é"] * 3000) + "+1.5e400")


# -- parse_arithmetic builds the tree ast.parse builds ---------------------------------------------


def random_expression(rng: random.Random, depth: int = 0) -> str:
    if depth > 4 or rng.random() < 0.3:
        return rng.choice(["x", "y", "ﬁ", "é", "2", "0.5", "1_000", "3e-2", "0x10", "True", "_z"])
    kind = rng.choice(["binary", "binary", "unary", "call", "parens"])
    if kind == "binary":
        op = rng.choice(["+", "-", "*", "/", "**"])
        return random_expression(rng, depth + 1) + rng.choice(["", " "]) + op + random_expression(rng, depth + 1)
    if kind == "unary":
        return rng.choice(["-", "+"]) + random_expression(rng, depth + 1)
    if kind == "call":
        args = [random_expression(rng, depth + 1) for _ in range(rng.randint(0, 3))]
        return rng.choice(["exp", "sum", "x"]) + "(" + ", ".join(args) + rng.choice(["", ","] if args else [""]) + ")"
    return "(" + random_expression(rng, depth + 1) + ")"


def test_parse_arithmetic_agrees_with_ast_parse():
    rng = random.Random(21)
    cases = ["-x**2", "2**-x", "x**y**z", "-x*y", "x - -y", "x*-y*z", "(exp)(x)", "f(x,)(y)", "x\n+ y", "x # a note"]
    cases += [random_expression(rng) for _ in range(2000)]
    for expr in cases:
        source = f"({expr})" if "\n" in expr else expr
        assert ast.dump(parse_arithmetic(source)) == ast.dump(ast.parse(source, mode="eval").body), expr


@pytest.mark.parametrize(
    "source, message",
    [
        ("(x", "not a valid expression: "),
        ("x +", "not a valid expression: it ends too early"),
        ("x y", "'y' (at column 3) is not allowed"),
        ("exp(x", "not a valid expression: "),
    ],
)
def test_parse_arithmetic_refuses_what_is_no_expression(source, message):
    with pytest.raises(ExpressionError) as refused:
        parse_arithmetic(source)
    assert message in str(refused.value)


# -- the limits' exact edges (each test fails on a planted off-by-one, make mutate) ------------------


def test_an_expression_of_exactly_the_length_limit_is_allowed():
    expr = "x" + "+x" * ((MAX_LENGTH - 1) // 2)
    expr += " " * (MAX_LENGTH - len(expr))
    assert len(expr) == MAX_LENGTH and names(parse(expr)) == ["x"]


def test_powers_nested_to_the_left_count_a_level_each():
    # (((x**x)**x)**x ...: a power is no flat chain, whichever side it nests on
    deep = "(" * (MAX_NESTING + 1) + "x" + "**x)" * (MAX_NESTING + 1)
    with pytest.raises(ExpressionError, match="nests too deeply"):
        parse(deep)
    assert names(parse("(" * (MAX_NESTING - 1) + "x" + "**x)" * (MAX_NESTING - 1))) == ["x"]


@pytest.mark.parametrize(
    "number, shown",
    [("1" + "0" * 35 + "e400", "1" + "0" * 35 + "e400"), ("1" + "0" * 36 + "e400", "1" + "0" * 36 + "...")],
)
def test_a_huge_number_is_quoted_whole_up_to_40_characters(number, shown):
    assert len(number) in (40, 41)
    with pytest.raises(ExpressionError) as refused:
        parse(f"x + {number}")
    assert f"the number {shown} is too large" in str(refused.value)


def test_unary_plus_and_minus_evaluate_on_values_and_numbers():
    x = Value(3.0)
    out = evaluate(parse("+x * -2 + -(+4)"), {"x": x})
    out.backward()
    assert out.data == -10.0 and x.grad == -2.0
    assert evaluate(parse("+2 - -3"), {}) == 5.0


def test_a_huge_number_on_the_second_line_of_a_long_chain_is_quoted_exactly(path):
    # the number's columns are counted in its own line (the first holds two-byte characters)
    with pytest.raises(ExpressionError, match=r"the number 1\.5e400 is too large"):
        parse("(" + "+".join(["é"] * 3000) + "\n+ 1.5e400)")
