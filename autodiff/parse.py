"""Arithmetic expressions from text, parsed with ``ast`` (never ``eval``/``exec``).

Only numbers, variable names, ``+ - * / **``, unary ``-``/``+`` and calls of the
functions in ``FUNCTIONS`` are accepted; anything else (attributes, subscripts,
keywords, comprehensions, ``__import__(...)`` ...) raises ``ExpressionError``
naming what was refused, before anything is evaluated.

Numbers stay numbers: a literal, ``-3``, and any sub-expression made only of
numbers (``2 * 3``, ``log(2)``) are Python floats, computed by the engine's own
rules, so ``x ** 2`` takes the constant-exponent rule (any real ``x``) and only
an exponent that depends on a variable (``2 ** x``) takes the Value-exponent
rule. Only the variables become ``Value`` leaves.

Limits: ``MAX_LENGTH`` characters, and ``MAX_NESTING`` levels of parentheses,
calls, signs and powers. A flat chain ``x + x - ... + x`` is one level however
long: it is checked and evaluated in loops, and where CPython's ``ast.parse``
gives up on it (a few thousand terms, on 3.11 and 3.12) ``parse_arithmetic``
reads it.
"""

from __future__ import annotations

import ast
import io
import keyword
import math
import tokenize
from collections.abc import Callable, Mapping
from typing import Union, cast

from . import elementary, ops, value
from .value import Value

Operand = Union[Value, float]

MAX_LENGTH = 10_000  # characters
MAX_NESTING = 100  # levels of parentheses, calls, signs and powers; a flat chain a + b - c ... is one level
_TOO_DEEP = (
    f"expression nests too deeply: more than {MAX_NESTING} levels of parentheses, calls, signs "
    "or powers; split it into smaller parts"
)


class ExpressionError(ValueError):
    """The expression is not one this parser accepts; the message says why."""


def _function(name: str, arity: tuple[int, int | None]) -> tuple[Callable[..., Value], str]:
    # an op of the rules table, called by its name: one argument, or any number of them
    if arity[1] is None:
        return (lambda *xs: value.apply(name, elementary.lift_all(xs, name))), "n"
    return (lambda x: value.apply(name, (x,))), "1"


# the ops callable by name: every op of the rules table named like a function and taking
# one input or a list of them (dot's weights and inputs, and neg, which is written -x, are not)
FUNCTIONS: dict[str, tuple[Callable[..., Value], str]] = {
    name: _function(name, op.arity)
    for name, op in ops.OPS.items()
    if name.isidentifier() and name not in ("neg", "dot") and op.arity in ((1, 1), (1, None))
}

_BINARY: dict[type, Callable[[Operand, Operand], Operand]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def parse(source: str) -> ast.expr:
    """Parse and check ``source``; returns its expression tree."""
    if not isinstance(source, str):
        raise ExpressionError(f"expression must be text, got {type(source).__name__}")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"expression is {len(source)} characters long; the limit is {MAX_LENGTH}")
    source = source.strip()
    try:
        tree = _syntax_tree(source)
        _check(tree, source)
    except SyntaxError as e:
        if "integer string conversion" in e.msg:  # Python's own limit on the digits of an int literal
            raise ExpressionError(
                "a number in the expression has thousands of digits: too large for a float "
                "(at most about 1.8e308); scale it down"
            ) from None
        raise ExpressionError(f"not a valid expression: {e.msg} (at column {e.offset})") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(_TOO_DEEP) from None
    return tree


def _syntax_tree(source: str) -> ast.expr:
    try:
        return ast.parse(source, mode="eval").body
    except RecursionError:
        # CPython builds its ast objects recursively and gives up on a chain of a few thousand
        # terms (x + x + ... + x, 3.11 and 3.12), flat as it is: read the arithmetic here instead
        return parse_arithmetic(source)


# + - and * / chain to the left without nesting: to a reader a + b - c + d is one level, not three
_LEVEL = {ast.Add: "sum", ast.Sub: "sum", ast.Mult: "product", ast.Div: "product"}


def _check(tree: ast.expr, source: str) -> None:
    # iterative: a chain of thousands of terms is deep as a tree, though flat to a reader
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            raise ExpressionError(_TOO_DEEP)
        stack.extend(reversed(_checked_operands(node, depth, source)))


def _checked_operands(node: ast.AST, depth: int, source: str) -> list[tuple[ast.AST, int]]:
    """Check ``node`` itself; return its operands, each with its level of nesting."""
    if isinstance(node, ast.Constant):
        _check_number(node, source)
    elif isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise ExpressionError(f"names may not start with '_', got {node.id!r}")
        if node.id in FUNCTIONS:
            raise ExpressionError(f"{node.id!r} is a function, not a variable; call it as {node.id}(...)")
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed; use + - * / **")
        level = _LEVEL.get(type(node.op))
        flat = level is not None and isinstance(node.left, ast.BinOp) and _LEVEL.get(type(node.left.op)) == level
        return [(node.left, depth if flat else depth + 1), (node.right, depth + 1)]
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise ExpressionError(f"unary operator {type(node.op).__name__} is not allowed; use - or +")
        return [(node.operand, depth + 1)]
    elif isinstance(node, ast.Call):
        return [(a, depth + 1) for a in _check_call(node)]
    else:
        raise ExpressionError(f"{type(node).__name__} is not allowed in an expression (got {ast.unparse(node)!r})")
    return []


def _check_number(node: ast.Constant, source: str) -> None:
    if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
        raise ExpressionError(f"only numbers are allowed as constants, got {node.value!r}")
    try:
        finite = math.isfinite(float(node.value))
    except OverflowError:  # an int literal past float range
        finite = False
    if not finite:
        text = ast.get_source_segment(source, node) or repr(node.value)
        text = text if len(text) <= 40 else text[:37] + "..."
        raise ExpressionError(f"the number {text} is too large for a float (at most about 1.8e308); scale it down")


def _check_call(node: ast.Call) -> list[ast.expr]:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        what = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
        raise ExpressionError(f"function {what!r} is not allowed; use one of {', '.join(FUNCTIONS)}")
    if node.keywords:
        raise ExpressionError(f"{node.func.id}(): keyword arguments are not allowed")
    one = FUNCTIONS[node.func.id][1] == "1"
    if (one and len(node.args) != 1) or not node.args:
        wanted = "one argument" if one else "one or more arguments"
        raise ExpressionError(f"{node.func.id}() takes {wanted}, got {len(node.args)}")
    if any(isinstance(a, ast.Starred) for a in node.args):
        raise ExpressionError(f"{node.func.id}(): *arguments are not allowed")
    return node.args


def names(tree: ast.expr) -> list[str]:
    """The variable names of a checked tree, in order of first appearance."""
    found: dict[str, None] = {}
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            found.setdefault(node.id, None)
        children: list[ast.AST] = list(node.args) if isinstance(node, ast.Call) else list(ast.iter_child_nodes(node))
        stack.extend(reversed(children))
    return list(found)


def evaluate(tree: ast.expr, variables: Mapping[str, Value]) -> Operand:
    """Build the Value graph of a checked tree with the given leaves.

    Returns a ``Value``, or a ``float`` when the expression has no variable.
    A math error (domain, overflow) raises what the engine raises.
    """
    missing = [n for n in names(tree) if n not in variables]
    if missing:
        raise ExpressionError(f"no value given for {', '.join(missing)}; pass e.g. {missing[0]}=1.0")
    # iterative, operands left to right before their node: a chain of thousands of terms is fine
    results: list[Operand] = []
    stack: list[tuple[ast.expr, bool]] = [(tree, False)]
    while stack:
        node, operands_done = stack.pop()
        operands = _operands(node)
        if operands_done:
            args = results[len(results) - len(operands) :]
            del results[len(results) - len(operands) :]
            results.append(_apply(node, args))
        elif operands:
            stack.append((node, True))
            stack.extend((a, False) for a in reversed(operands))
        else:
            results.append(_leaf(node, variables))
    return results[0]


def _operands(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    return node.args if isinstance(node, ast.Call) else []


def _leaf(node: ast.expr, env: Mapping[str, Value]) -> Operand:
    if isinstance(node, ast.Constant):
        return float(cast(float, node.value))  # _check let numbers only through
    if isinstance(node, ast.Name):
        return env[node.id]
    raise ExpressionError(f"{type(node).__name__} is not allowed in an expression")  # _check stops it first


def _apply(node: ast.expr, args: list[Operand]) -> Operand:
    if isinstance(node, ast.BinOp):
        a, b = args
        if isinstance(a, Value) or isinstance(b, Value):
            # a number on either side stays a number: x ** 2 is the constant-exponent rule
            return _BINARY[type(node.op)](a, b)
        # numbers only: the engine's float arithmetic and its errors, no node kept
        return cast(Value, _BINARY[type(node.op)](Value(a), b)).data
    if isinstance(node, ast.UnaryOp):
        return -args[0] if isinstance(node.op, ast.USub) else args[0]
    fn = FUNCTIONS[cast(ast.Name, cast(ast.Call, node).func).id][0]  # _check let named calls only through
    if any(isinstance(a, Value) for a in args):
        return fn(*args)
    return fn(*[Value(cast(float, a)) for a in args]).data


# -- arithmetic too long for ast.parse -------------------------------------------------------


def parse_arithmetic(source: str) -> ast.expr:
    """The unchecked tree ``ast.parse`` builds for arithmetic (numbers, names, + - * / **, calls),
    with flat chains built in a loop, so that a chain's length costs no recursion."""
    tokens = _Tokens(source)
    tree = _sum(tokens)
    if tokens.peek():
        raise tokens.refused()
    return tree


_OPERATORS = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult, "/": ast.Div}


class _Tokens:
    """The tokens of an expression, read left to right (line breaks and comments dropped)."""

    def __init__(self, source: str) -> None:
        skip = {tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.ENDMARKER}
        try:
            self.tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type not in skip]
        except (tokenize.TokenError, SyntaxError) as e:  # 3.12 and later raise either
            raise ExpressionError(f"not a valid expression: {e.args[0]}") from None
        self.lines = source.splitlines()
        self.at = 0

    def peek(self) -> str:
        return self.tokens[self.at].string if self.at < len(self.tokens) else ""

    def take(self, wanted: str | None = None) -> tokenize.TokenInfo:
        if self.at == len(self.tokens) or (wanted is not None and self.peek() != wanted):
            raise self.refused()
        self.at += 1
        return self.tokens[self.at - 1]

    def refused(self) -> ExpressionError:
        if self.at == len(self.tokens):
            return ExpressionError("not a valid expression: it ends too early")
        token = self.tokens[self.at]
        return ExpressionError(
            f"{token.string!r} (at column {token.start[1] + 1}) is not allowed in an expression this long; "
            f"use numbers, names, + - * / ** and calls of {', '.join(FUNCTIONS)}"
        )

    def leaf(self) -> ast.expr:
        """The number or name here, as Python reads it (1_000, 0x10, NFKC-normalised names), where it stands."""
        token = self.tokens[self.at] if self.at < len(self.tokens) else None
        if token is None or not _is_leaf(token):
            raise self.refused()
        self.at += 1
        node = ast.parse(token.string, mode="eval").body
        (row, col), (end_row, end_col) = token.start, token.end
        node.lineno, node.end_lineno = row, end_row
        # ast counts columns in bytes of UTF-8
        node.col_offset = len(self.lines[row - 1][:col].encode())
        node.end_col_offset = len(self.lines[end_row - 1][:end_col].encode())
        return node


def _sum(tokens: _Tokens) -> ast.expr:
    return _chain(tokens, ("+", "-"), _product)


def _product(tokens: _Tokens) -> ast.expr:
    return _chain(tokens, ("*", "/"), _factor)


def _chain(tokens: _Tokens, ops: tuple[str, str], operand: Callable[[_Tokens], ast.expr]) -> ast.expr:
    node = operand(tokens)
    while tokens.peek() in ops:
        op = _OPERATORS[tokens.take().string]()
        node = ast.BinOp(left=node, op=op, right=operand(tokens))
    return node


def _factor(tokens: _Tokens) -> ast.expr:
    # -x ** 2 is -(x ** 2), and 2 ** -x is 2 ** (-x), as in Python
    if tokens.peek() in ("+", "-"):
        op = ast.USub() if tokens.take().string == "-" else ast.UAdd()
        return ast.UnaryOp(op=op, operand=_factor(tokens))
    base = _primary(tokens)
    if tokens.peek() != "**":
        return base
    tokens.take()
    return ast.BinOp(left=base, op=ast.Pow(), right=_factor(tokens))


def _primary(tokens: _Tokens) -> ast.expr:
    if tokens.peek() == "(":
        tokens.take()
        node = _sum(tokens)
        tokens.take(")")
    else:
        node = tokens.leaf()
    while tokens.peek() == "(":
        node = ast.Call(func=node, args=_arguments(tokens), keywords=[])
    return node


def _is_leaf(token: tokenize.TokenInfo) -> bool:
    # a number, or a name that is no keyword (True, False and None are constants, refused by _check)
    if token.type != tokenize.NAME:
        return token.type == tokenize.NUMBER
    return not keyword.iskeyword(token.string) or token.string in ("True", "False", "None")


def _arguments(tokens: _Tokens) -> list[ast.expr]:
    tokens.take("(")
    args: list[ast.expr] = []
    while tokens.peek() != ")":
        args.append(_sum(tokens))
        if tokens.peek() != ")":
            tokens.take(",")
    tokens.take(")")
    return args
