"""Learn by doing (issue 24): the chain rule's sum behind a grad, and the Stepper's quiz.

``chain_rule(root, node)`` must give ``node.grad`` after ``backward()`` bit for bit (the same
products added in the same order) on graphs with shared nodes; its LaTeX must stay balanced
whatever the labels; the quiz must credit a right answer, refuse a wrong one with the rule
that gives the number, and keep its score through reveal, back, run and reset.
"""

from __future__ import annotations

import math
import random
import re

import pytest

import autodiff
from autodiff import Stepper, Value, chain_rule, quiz, topological_order


def random_dag(rnd: random.Random, n_leaves: int = 4, n_ops: int = 14) -> Value:
    # shared nodes on purpose: each op picks its inputs among every node made so far (a node used
    # twice by one op, too), so most nodes have several uses
    nodes = [Value(rnd.uniform(0.2, 1.5), label=f"x{i}") for i in range(n_leaves)]
    for _ in range(n_ops):
        a, b = rnd.choice(nodes), rnd.choice(nodes)
        kind = rnd.randrange(8)
        if kind == 0:
            v = a + b
        elif kind == 1:
            v = a * b
        elif kind == 2:
            v = a - b
        elif kind == 3:
            v = a.tanh()
        elif kind == 4:
            v = (a * 0.3).exp()
        elif kind == 5:
            v = autodiff.sum([a, b, a])
        elif kind == 6:
            v = (a - 0.7).relu()
        else:
            v = a**2
        nodes.append(v)
    return autodiff.sum(nodes[-4:])


def same_float(a: float, b: float) -> bool:
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


@pytest.mark.parametrize("seed", range(40))
def test_chain_rule_total_is_backwards_grad_bit_for_bit_on_graphs_with_shared_nodes(seed):
    root = random_dag(random.Random(seed))
    order = topological_order(root)
    root.zero_grad()
    sums = {id(v): chain_rule(root, v) for v in order}  # made before backward: it changes no grad
    assert all(v.grad == 0.0 for v in order)
    root.backward()
    for v in order:
        c = sums[id(v)]
        assert same_float(c.total, v.grad), (v, c)
        # each term is the product the pass added, and the terms are every use of the node
        assert all(same_float(t.product, t.local * t.upstream) for t in c.terms)
        uses = sum(1 for child in order for p in child.parents if p is v)
        assert len(c.terms) == uses and c.applied == (uses if v is not root else 1)  # the root: its seed


def test_chain_rule_changes_no_grad_and_shows_each_term_with_its_numbers():
    x = Value(3.0, label="x")
    w = Value(-2.0, label="w")
    y = x * w + x * x
    y.label = "y"
    x.grad, w.grad = 5.0, -1.0  # what a user holds stays
    c = chain_rule(y, x)
    assert (x.grad, w.grad) == (5.0, -1.0)
    text = str(c)
    assert text.splitlines()[0] == "∂y/∂x = Σ over the 3 uses of x of ∂y/∂use × ∂use/∂x"
    assert "(-2.0)" in text and "x as input 1" in text and "x as input 2" in text
    assert text.splitlines()[-1] == f"  = {c.total!r}" and c.total == -2.0 + 3.0 + 3.0
    assert str(chain_rule(y, y)) == "∂y/∂y = 1: the root's own derivative; step 1 added it, so y.grad = 1.0"


def test_chain_rule_writes_powers_and_negations_by_name_and_the_roots_own_latex():
    x = Value(1.5, label="x")
    y = x**3 - x + (-x).exp()
    y.label = "y"
    c = chain_rule(y, x)
    text = str(c)
    assert "n1 = x**3, x as input 1" in text
    assert "= -x, x as input 1" in text  # the negation, whatever number it got
    y.backward()
    assert c.total == x.grad == 3 * 1.5**2 - 1.0 - math.exp(-1.5)
    root = chain_rule(y, y)
    assert root.latex == r"\frac{\partial \mathrm{y}}{\partial \mathrm{y}} = 1"


def test_chain_rule_refuses_a_node_outside_the_graph_and_a_non_value():
    x, z = Value(1.0, label="x"), Value(2.0, label="z")
    y = x * 2.0
    with pytest.raises(ValueError, match="not in the graph of root"):
        chain_rule(y, z)
    with pytest.raises(TypeError, match="node must be a Value, got float"):
        chain_rule(y, 1.0)
    with pytest.raises(TypeError, match="root must be a Value"):
        chain_rule("y", x)


ALLOWED_LATEX = {r"\frac", r"\partial", r"\mathrm", r"\cdot", r"\times", r"\cdots", r"\backslash", r"\sim", r"\wedge"}


def balanced(latex: str) -> bool:
    depth = 0
    for m in re.finditer(r"\\[{}]|[{}]", latex):
        token = m.group()
        if token in ("\\{", "\\}"):
            continue
        depth += 1 if token == "{" else -1
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize("label", ["x", "w_{1}", "a}b", "c\\d", "$%&#", "~^", "α", "tab\there", "{{{", "a b"])
def test_chain_rule_latex_is_balanced_and_uses_only_standard_commands_whatever_the_label(label):
    x = Value(1.0, label=label)
    y = (x * 1e-5).tanh() + x  # d(x * 1e-5)/dx = 1e-05, written as a power of ten
    c = chain_rule(y, x)
    latex = c.latex
    assert balanced(latex), latex
    commands = set(re.findall(r"\\[a-zA-Z]+", latex))
    assert commands <= ALLOWED_LATEX, commands - ALLOWED_LATEX
    assert latex.isascii()
    assert r"1 \times 10^{-5}" in latex and "e-05" not in latex  # numbers in LaTeX form
    assert latex.endswith(autodiff.why.latex_number(c.total))
    assert c._repr_latex_() == f"$${latex}$$"
    # a label that plain LaTeX cannot set is named by its index, as in the pictures
    assert ("n_{" in latex) == (not label.isascii() or not label.isprintable())
    assert (r"\mathrm{a\ b}" in latex) == (label == "a b")  # a space kept: math mode drops a plain one


def test_latex_numbers_write_exponents_as_powers_of_ten():
    assert autodiff.why.latex_number(1e-05) == r"1 \times 10^{-5}"
    assert autodiff.why.latex_number(-2.5e300) == r"-2.5 \times 10^{300}"
    assert autodiff.why.latex_number(0.75) == "0.75"


# -- the quiz --------------------------------------------------------------------------------------


def one_node_per_op() -> list[tuple[str, Value]]:
    a, b = Value(0.8, label="a"), Value(-1.3, label="b")
    return [
        ("+", a + b),
        ("-", a - b),
        ("*", a * b),
        ("/", a / b),
        ("neg", -a),
        ("**n", a**3),
        ("**", a**a),
        ("exp", a.exp()),
        ("log", a.log()),
        ("sqrt", a.sqrt()),
        ("tanh", b.tanh()),
        ("sigmoid", b.sigmoid()),
        ("relu", a.relu()),
        ("abs", abs(b)),
        ("sum", autodiff.sum([a, b, a])),
        ("dot", autodiff.dot([a, b], [b, a], 0.5)),
        ("logsumexp", autodiff.logsumexp([a, b])),
    ]


def test_every_op_is_quizzed_and_each_has_a_rule_to_show():
    assert {op for op, _ in one_node_per_op()} == set(autodiff.OPS)


@pytest.mark.parametrize("mode", ["contribution", "local"])
@pytest.mark.parametrize("op,root", one_node_per_op(), ids=[op for op, _ in one_node_per_op()])
def test_quiz_on_every_rule_right_wrong_and_score(op, root, mode):
    s = Stepper(root, quiz=mode)
    for k, step in enumerate(s.steps):
        want = step.local if mode == "local" and step.kind == "edge" else step.contribution
        assert s.question().startswith(f"Step {k + 1}:")
        wrong = want + max(1.0, abs(want))
        assert s.answer(wrong) is False
        assert s.position == k  # a wrong answer applies nothing
        if step.kind == "edge":
            assert quiz.rule_words(step.node.op) in s.feedback  # the rule the number comes from
            assert f"{step.parent.data!r}" in s.feedback  # with the numbers of this step (a dot: its pair, or its bias)
        assert s.answer(f"{want:.3g}" if want else "0") is True  # text, as a widget's box gives it
        assert s.position == k + 1
    assert s.done and s.question() is None
    assert s.score == (0, len(s.steps))  # every step had a wrong answer first: none at the first try
    s.reset()
    assert s.score == (0, 0)
    for step in s.steps:
        assert s.answer(step.local if mode == "local" and step.kind == "edge" else step.contribution)
    assert s.score == (len(s.steps), len(s.steps))
    assert [v.grad for v in s.nodes] == s._final  # answered to the end: backward()'s grads


def test_quiz_zero_reveal_back_and_misuse():
    x = Value(-0.5, label="x")
    y = x.relu() * 2.0
    y.label = "y"
    s = Stepper(y, quiz=True)
    # steps: the seed (1), relu's grad += 2.0 x 1, the constant's grad += relu(x) x 1 = 0, x's grad += 0
    assert s.answer(1.0) and s.answer(2.0)
    assert s.steps[2].contribution == 0.0
    assert not s.answer(1e-300)  # where the step adds 0, only 0 is right
    assert s.answer(0.0)
    assert s.score == (2, 3)  # the third had a wrong answer first
    s.reveal()  # no credit
    assert s.score == (2, 4)
    s.back()  # the revealed step is asked again
    assert s.score == (2, 3)
    s.run()  # the rest revealed
    assert s.score == (2, len(s.steps))
    with pytest.raises(ValueError, match="every step is applied"):
        s.answer(0.0)
    with pytest.raises(ValueError, match="not a number"):
        Stepper(y, quiz=True).answer("one half")
    with pytest.raises(TypeError, match="give a number"):
        Stepper(y, quiz=True).answer(True)
    with pytest.raises(ValueError, match="asks nothing"):
        Stepper(y).answer(1.0)
    with pytest.raises(ValueError, match="quiz must be True, False, 'contribution' or 'local'"):
        Stepper(y, quiz="locals")


def test_a_non_finite_answer_is_refused_and_nothing_is_applied():
    x, w = Value(0.5, label="x"), Value(-1.2, label="w")
    q = Stepper((x * w).tanh(), quiz=True)
    for answer in (math.inf, -math.inf, math.nan):
        with pytest.raises(ValueError, match=r"^Stepper\.answer: -?(inf|nan) is not a finite number; every step's"):
            q.answer(answer)
    assert q.position == 0 and q.score == (0, 0)


def test_a_step_that_adds_zero_takes_only_zero():
    x = Value(-0.5, label="x")
    y = x.relu()
    y.label = "y"
    s = Stepper(y, quiz=True)
    s.answer(1.0)
    assert s.steps[1].contribution == 0.0
    assert not s.answer(1e-300) and not s.answer(-1e-12)
    assert s.answer(0.0) and s.score == (1, 2)


def test_answers_are_right_to_three_significant_digits_no_more_no_less():
    want = 0.7864477329659274
    assert quiz.is_right(0.786, want) and quiz.is_right(0.7864, want) and quiz.is_right(want, want)
    assert not quiz.is_right(0.787, want) and not quiz.is_right(0.79, want) and not quiz.is_right(-0.786, want)
    assert quiz.is_right(-1230.0, -1234.5) and not quiz.is_right(-1240.0, -1234.5)
    assert quiz.is_right(1.23e-300, 1.2345e-300) and not quiz.is_right(1.24e-300, 1.2345e-300)


def test_quiz_is_refused_for_scope_steps():
    x = Value(1.0, label="x")
    with autodiff.scope("S"):
        y = x * 2.0
    with pytest.raises(ValueError, match="one question per edge"):
        Stepper(y, quiz=True, granularity="scope", collapse=1)


def test_stepper_why_is_the_sum_so_far_and_ends_as_chain_rule():
    x = Value(0.5, label="x")
    w = Value(-1.2, label="w")
    y = (x * w + x).tanh()
    y.label = "y"
    s = Stepper(y)
    assert s.why(x).applied == 0 and "not added yet" in str(s.why(x))
    totals = []
    while s.step() is not None:
        totals.append(s.why(x).total)
        assert same_float(s.why(x).total, x.grad)  # the sum so far is the grad the picture shows
    assert same_float(totals[-1], chain_rule(y, x).total)
    with pytest.raises(ValueError, match="not a node of this Stepper's graph"):
        s.why(Value(1.0))


LATEX_DOCUMENT = ALLOWED_LATEX | {r"\documentclass", r"\begin", r"\end", r"\item", r"\mathrel", r"\quad", r"\bar"}


@pytest.mark.parametrize("method", ["push", "pull"])
def test_to_latex_is_one_line_per_step_balanced_and_plain(method):
    # pdflatex is not installable on this machine (no TeX Live in the package lists), so the test
    # checks what plain LaTeX needs: balanced braces and environments, no package's commands, ASCII
    x = Value(0.5, label="x_1")
    w = Value(-1.2, label="w{")
    y = (x * w + x).tanh()
    y.label = "y%"
    s = Stepper(y, method=method)
    latex = s.to_latex()
    assert latex.count(r"\item[") == len(s.steps)
    for step in s.edge_steps[1:]:
        assert f"= {autodiff.why.latex_number(step.grad_after)}$" in latex
    doc = s.to_latex(document=True)
    assert doc.startswith(r"\documentclass{article}") and doc.rstrip().endswith(r"\end{document}")
    body = [line for line in doc.splitlines() if not line.startswith("%")]
    assert all(balanced(line) for line in body)
    assert re.findall(r"\\begin\{(\w+)\}", doc) == re.findall(r"\\end\{(\w+)\}", doc)[::-1]
    assert set(re.findall(r"\\[a-zA-Z]+", doc)) <= LATEX_DOCUMENT
    assert doc.isascii() and all(line.count("$") % 2 == 0 for line in body)


def test_the_widget_checks_what_is_typed_and_shows_question_score_and_hint():
    pytest.importorskip("ipywidgets")
    x = Value(0.5, label="x")
    f = (x * -1.2).tanh()
    f.label = "f"
    s = Stepper(f, quiz=True)
    s.widget()
    view = s._views.widgets[0]()
    assert "autodiff-question" in view.picture.value and s.question() in view.picture.value
    view.answer.value = "2"  # what Enter in the box sends: wrong, nothing applied
    assert s.position == 0 and s.feedback.startswith("Not quite (2.0)") and "Not quite" in view.picture.value
    assert view.answer.value == ""  # the box is emptied for the next try
    view.answer.value = "two"  # not a number: said in the page, no exception out of the widget
    assert s.position == 0 and "is not a number" in view.picture.value
    view.answer.value = " 1 "
    assert s.position == 1 and "right at the first try: 0 of 1" in view.picture.value
    s.run()
    view.answer.value = "0"
    assert "every step is applied" in s.feedback and "Every step is applied" in view.picture.value
    plain = Stepper(f)
    plain.widget()
    assert "autodiff-quiz" not in plain._views.widgets[0]().picture.value  # no quiz, no quiz row
    assert not hasattr(plain._views.widgets[0](), "answer")


def test_the_page_carries_each_drawn_nodes_sum_and_the_quiz_only_when_asked():
    from autodiff import share

    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.1, label="b")
    y = (x * w + b + x).tanh()
    y.label = "y"
    _, data = share.walk_data(Stepper(y))
    assert "quiz" not in data
    y.backward()
    s = Stepper(y, quiz=True)
    _, data = share.walk_data(s)
    for i, v in enumerate(s.nodes):
        why = data["why"][f"node-n{i}"]
        if v is y:
            assert why["root"]
            continue
        assert why["totals"][-1][1] == repr(v.grad)  # the last term leaves backward()'s grad
        assert [t[0] for t in why["terms"]] == [k for k, st in enumerate(s.steps, 1) if st.parent is v]
        assert why["head"] == chain_rule(y, v).head()
    assert len(data["quiz"]) == len(s.steps)
    for q, st in zip(data["quiz"], s.steps):
        assert q["low"] <= st.contribution <= q["high"] and q["question"].startswith(f"Step {st.index}:")
    page = share.page(s)
    assert 'id="quiz-on"' in page and 'id="why"' in page


def test_a_collapsed_page_gives_each_shown_grad_its_sum():
    import nn
    from autodiff import share

    model = nn.MLP(2, [3, 1], seed=0)
    out = model([Value(0.5), Value(-0.3)])
    s = Stepper(out, collapse=1)
    _, data = share.walk_data(s)
    s.run()
    owner = {e: i for i, e, _ in s.picture.grad_cells()}
    assert data["why"] and set(data["why"]) <= set(owner)
    for element, why in data["why"].items():
        node = s.nodes[owner[element]]
        if not why["root"]:
            assert why["totals"][-1][1] == repr(node.grad)
            assert why["terms"][-1][0] <= len(s.steps)  # added at a box step of this page


def test_a_revealed_or_missed_step_earns_no_first_try_credit_after_going_back():
    # found by a probe: back() wiped the record, so reveal, back, answer gave "right at the first try"
    x = Value(0.5, label="x")
    y = (x * 2.0).tanh()
    s = Stepper(y, quiz=True)
    s.reveal()
    s.back()
    assert s.answer(1.0) and s.score == (0, 1)
    assert not s.answer(999.0)
    s.back()
    s.answer(1.0)
    assert s.answer(s.steps[1].contribution) and s.score == (0, 2)
    s.reset()  # a fresh start: credit can be earned again
    assert s.answer(1.0) and s.score == (1, 1) and s.feedback.startswith("Right")
    s.reset()
    assert s.feedback == ""


@pytest.mark.parametrize("text", ["1_000", "١", "0x10", "inf", "nan", "1e", ".", "--1"])
def test_answers_take_the_pages_grammar_only(text):
    s = Stepper(Value(1.0, label="x") * 2.0, quiz=True)
    with pytest.raises(ValueError, match="not a (finite )?number"):
        s.answer(text)


def test_answers_take_any_real_number_type():
    from fractions import Fraction

    numpy = pytest.importorskip("numpy")
    s = Stepper(Value(1.0, label="x") * 2.0, quiz=True)
    assert s.answer(numpy.float32(1.0)) and s.answer(Fraction(2, 1)) and s.answer(" 1e0 ")


def test_an_extreme_number_keeps_the_quiz_interval_finite_so_the_page_is_valid_json():
    import json

    from autodiff import share

    x = Value(1.7976931348623157e308, label="x")
    y = x * Value(1.0, label="c")
    _, data = share.walk_data(Stepper(y, quiz=True))
    json.loads(json.dumps(data, allow_nan=False))  # Infinity would have broken the page's JSON.parse
    last = data["quiz"][-1]  # c.grad += x.data: the largest float, its interval capped at it
    assert last["low"] < 1.7976931348623157e308 == last["high"]
    assert all(math.isfinite(q["low"]) and math.isfinite(q["high"]) for q in data["quiz"])


def test_why_of_the_root_follows_the_seed_and_a_leaf_roots_held_grad():
    # found by a probe: a leaf root with fresh=False said 1.0 while its grad was 6.0, and at step 0 the
    # root's sum said 1.0 while nothing was applied
    r = Value(3.0, label="r")
    r.grad = 5.0
    s = Stepper(r, fresh=False)
    assert s.why(r).total == 0.0 and "not yet" in str(s.why(r))
    s.step()
    assert s.why(r).total == r.grad == 6.0 and "to the 5.0 it held, so r.grad = 6.0" in str(s.why(r))


def test_feedback_is_cleared_by_moves_other_than_an_answer_and_quiz_is_read_only():
    x = Value(0.5, label="x")
    s = Stepper((x * 2.0).tanh(), quiz=True)
    s.answer(1.0)
    for move in (s.back, s.run, lambda: s.goto(1)):
        s.feedback = "Right: ..."
        move()
        assert s.feedback == ""
    with pytest.raises(AttributeError):
        s.quiz = "local"


def test_hints_give_the_whole_rule_and_the_inputs_by_its_names():
    a, b = Value(0.8, label="a"), Value(-1.3, label="b")
    d = autodiff.dot([a, b], [b, a], 0.5)
    s = Stepper(d, quiz="local")
    s.answer(1.0)
    s.answer(99.0)
    assert "d(b + sum_i w_i x_i)/dw_i = x_i" in s.feedback and "w_1 is a (0.8)" in s.feedback
    p = Stepper(a**3, quiz=True)
    p.answer(1.0)
    p.answer(99.0)
    assert "(here n = 3)" in p.feedback
    t = Stepper(autodiff.sum([a, b]), quiz=True)
    t.answer(1.0)
    t.answer(99.0)
    assert "x_1 is a (0.8)" in t.feedback


def test_a_wide_neurons_hint_names_only_the_pair_of_its_step_not_every_input():
    ws = [Value(0.1 * (i + 1), label=f"w{i + 1}") for i in range(10)]
    xs = [Value(-0.2 * (i + 1), label=f"x{i + 1}") for i in range(10)]
    s = Stepper(autodiff.dot(ws, xs, 0.5), quiz="local")
    s.answer(1.0)  # the seed
    s.answer(99.0)  # the first edge, to w1: its local derivative is x1
    assert "w_1 is w1 (0.1)" in s.feedback and "x_1 is x1 (-0.2)" in s.feedback
    assert "w_2" not in s.feedback and "x_2" not in s.feedback and "b is" not in s.feedback


def test_a_page_over_the_limit_of_edges_carries_no_sums(monkeypatch):
    from autodiff import share

    x, w = Value(0.5, label="x"), Value(-1.2, label="w")
    y = (x * w + x).tanh()
    n = len(Stepper(y).edge_steps)  # the page's limit counts these
    monkeypatch.setattr(share, "WHY_MAX_EDGES", n)
    assert len(share.walk_data(Stepper(y))[1]["why"]) == len(Stepper(y).nodes)  # at the limit: every node's sum
    monkeypatch.setattr(share, "WHY_MAX_EDGES", n - 1)
    assert share.walk_data(Stepper(y))[1]["why"] == {}
