"""The expression parser of the command line: every refusal names what it refused, and
only real nesting counts towards the nesting limit."""

from __future__ import annotations

import ast

import pytest

from autodiff import Value
from autodiff.parse import MAX_NESTING, ExpressionError, evaluate, names, parse

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
