"""autodiff: scalar reverse-mode automatic differentiation, built to be read.

>>> from autodiff import Value
>>> x, w = Value(0.5, label="x"), Value(-1.2, label="w")
>>> y = (x * w).tanh()
>>> y.backward()
>>> round(w.grad, 6)
0.355789
"""

from .backprop import Step, backward, backward_steps, zero_grad
from .compile import Compiled, TraceError, compile  # noqa: A004 - autodiff.compile, as torch.compile
from .elementary import exp, log, relu, sigmoid, sqrt, tanh
from .functional import JacobianResult, grad, hessian, hvp, jacobian, jvp
from .gradcheck import GradcheckError, GradcheckWarning, Row, compare_grads, gradcheck, numerical_grad
from .graph import Edge, topological_order, trace
from .primitives import Primitive, PrimitiveWarning, RuleReport, RuleRow, check_rule, primitive
from .rules import KINKS, OPS, RULES
from .scopes import current_scope, enter_scope, leave_scope, scope
from .stepper import Stepper
from .value import Value, dot, logsumexp, sum  # noqa: A004 - autodiff.sum is an n-ary node
from .viz import GraphvizError, GraphvizNotFound, draw, save, to_svg

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
]

# the one place the version is written: pyproject.toml reads it, `autodiff --version` prints it
__version__ = "0.1.0"
