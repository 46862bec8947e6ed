"""autodiff: scalar reverse-mode automatic differentiation, built to be read.

>>> from autodiff import Value
>>> x, w = Value(0.5, label="x"), Value(-1.2, label="w")
>>> y = (x * w).tanh()
>>> y.backward()
>>> round(w.grad, 6)
0.355789
"""

from . import (
    arrays,
    backprop,
    batched_code,
    diagnostics,
    eager,
    export,
    rules,
    second_order,
    source,
    steps,
    value,
    vocabulary,
)
from . import lesson as lesson  # autodiff.lesson.check, for the exercise cells of the notebooks
from . import teach as teach  # autodiff.teach.check_engine, for a student's own engine
from .backprop import backward, zero_grad
from .compile import Compiled, TraceError, compile  # noqa: A004 - autodiff.compile, as torch.compile
from .edges import Edge, trace
from .elementary import dot, exp, log, logsumexp, relu, sigmoid, sqrt, sum, tanh  # noqa: A004 - autodiff.sum is an n-ary node
from .export import Exported
from .functional import JacobianResult, grad, hessian, hvp, jacobian, jvp
from .gradcheck import KINKS, GradcheckError, GradcheckWarning, Row, compare_grads, gradcheck, numerical_grad
from .graph import topological_order
from .ops import OPS
from .primitives import Primitive, PrimitiveWarning, RuleReport, RuleRow, check_rule, primitive
from .rules import RULES
from .scopes import current_scope, enter_scope, leave_scope, scope
from .stepper import Stepper
from .steps import Step, backward_steps
from .value import Value
from .viz import GraphvizError, GraphvizNotFound, draw, save, to_svg
from .why import ChainRule, chain_rule

__all__ = [
    "Value",
    "sum",
    "logsumexp",
    "dot",
    "topological_order",
    "trace",
    "Edge",
    "backward",
    "backward_steps",
    "Step",
    "zero_grad",
    "numerical_grad",
    "gradcheck",
    "compare_grads",
    "Row",
    "GradcheckError",
    "GradcheckWarning",
    "RULES",
    "KINKS",
    "draw",
    "to_svg",
    "save",
    "GraphvizNotFound",
    "GraphvizError",
    "Stepper",
    "scope",
    "current_scope",
    "enter_scope",
    "leave_scope",
    "compile",
    "Compiled",
    "TraceError",
    "Exported",
    "exp",
    "log",
    "sqrt",
    "tanh",
    "sigmoid",
    "relu",
    "primitive",
    "Primitive",
    "PrimitiveWarning",
    "check_rule",
    "RuleReport",
    "RuleRow",
    "OPS",
    "grad",
    "hessian",
    "hvp",
    "jacobian",
    "JacobianResult",
    "jvp",
    "chain_rule",
    "ChainRule",
]

# The core (value, rules, graph, backprop) imports nothing outside itself; what it leaves to the
# interpreters is handed in here, once: the words each kind of number speaks, eager's rules
# specialised for floats, and the two passes that are not the idea.
vocabulary.speak(float, eager.WORDS)
vocabulary.speak(Value, second_order.WORDS)
vocabulary.speak("array", arrays.WORDS)
vocabulary.speak(source.Sym, source.VOCABULARY)
vocabulary.speak(export.Tensor, export.WORDS)
vocabulary.speak(batched_code.NumpySym, batched_code.WORDS)
vocabulary.hand_in()
value.other_number = diagnostics.other_number
value.HELP.update(diagnostics.HELP)
rules.RULES.update(eager.specialised())
backprop.explain, backprop.value_pass = steps.explain, second_order.value_pass

# the one place the version is written: pyproject.toml reads it, `autodiff --version` prints it
__version__ = "0.1.0"
"""stepgrad's version (``autodiff --version`` prints it); written here only."""
