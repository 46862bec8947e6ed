"""One compiled tape over a whole batch: numpy arrays (one element per sample) in place of floats.

``Compiled.batch`` runs here. The tape's nodes are grouped by level (a node's level
is one more than its deepest parent's) and by op: the nodes of one group depend on
none of each other, so each group is one numpy operation over a (nodes, samples)
array: the op's definition (``autodiff.rules``) run on numpy arrays. An MLP layer's
neurons are one group: their ``dot`` nodes, with parameters as weights and the same
inputs, are one matrix product (BLAS adds each sum in its own order, not the rule's),
and backward's two; their activations one ``where``. ``nn.fit`` passes the parameters
as one float64 array.

Values live in rows of ``V`` (a row per input or node, a column per sample);
parameters and constants, the same for every sample, in the vector ``U``.
Backward walks the groups in reverse and adds ``local * grad`` into the parents'
rows (``G``), or, for parameters, that summed over the samples (``GU``). Only the
order of additions differs from a sample at a time. numpy's exp, log and tanh may
differ from Python's in the last bit.

This module decides the groups and where each reads and adds (``Plan``, with its
``_Source``, ``_Block`` and ``_Layer`` layouts); ``autodiff.batched_code`` writes the
plan as straight-line numpy code, which is what runs. The ops it does not write out
(a ``sum``, ``dot`` or ``logsumexp`` of many inputs, a user primitive) it hands back
to the group objects here (``_Group.forward`` and ``backward``).

Nothing here raises eager mode's errors: a rule's input outside its domain makes a
NaN or an inf, and the caller (``Compiled``) looks at every number once
(``finite``) and, on an alarm, runs the samples one at a time for eager's own error.
A user primitive runs its definition on the arrays too; one written with ``math``
(which takes no arrays) runs its float rule once per sample and node (a Python loop:
correct, errors included, but not fast).
"""

from __future__ import annotations

from typing import Any

from . import batched_code, ops, vocabulary

# a tape entry: (kind, arg, parents), as autodiff.compile writes it
Entry = tuple[str, Any, tuple[int, ...]]


def numpy(who: str) -> Any:
    """numpy, imported when a batch first needs it (it is an optional extra)."""
    try:
        import numpy as np
    except ImportError:
        raise ImportError(
            f"{who}: batches need numpy, which stepgrad does not require; install it with "
            'pip install numpy (in a clone of stepgrad, pip install ".[fast]" brings it)'
        ) from None
    return np


def finite_vector(np: Any, x: object, n: int) -> Any:
    """``x`` if it is a float64 array of ``n`` finite numbers (what ``nn.fit`` passes), else None."""
    if isinstance(x, np.ndarray) and x.dtype == np.float64 and x.shape == (n,) and np.isfinite(x).all():
        return x
    return None


def check_vector(np: Any, into: Any, n: int, who: str) -> None:
    """Raise unless the array ``into`` is a float64 array of ``n`` finite numbers (a running sum of grads)."""
    if into.dtype != np.float64 or into.shape != (n,):
        raise TypeError(
            f"{who}: into must be a list of {n} floats or a float64 array of shape ({n},), "
            f"got an array of dtype {into.dtype} and shape {into.shape}"
        )
    if not np.isfinite(into).all():
        k = int(np.flatnonzero(~np.isfinite(into))[0])
        raise ValueError(
            f"{who}: into[{k}] must be finite, got {float(into[k])!r}; start it as zeros and add finite grads"
        )


class _Source:
    """Where one parent position of a group's nodes is read from: rows of V, or entries of U."""

    def __init__(self, np: Any, kind: str, idx: list[int]) -> None:
        self.kind = kind  # "v" (per sample) or "u" (one number for all)
        self.idx = np.asarray(idx, dtype=np.intp)
        k = len(idx)
        self.shared = len(set(idx)) == 1 and k > 1  # the same parent for every node of the group
        self.unique = len(set(idx)) == k
        self.span = slice(idx[0], idx[0] + k) if idx == list(range(idx[0], idx[0] + k)) else None
        self.at = self.span if self.span is not None else self.idx

    def get(self, V: Any, U: Any) -> Any:
        # shape (k, B) or one that broadcasts to it: (1, B), (k, 1)
        if self.kind == "u":
            return U[self.at, None]
        if self.shared:
            i = int(self.idx[0])
            return V[i : i + 1]
        return V[self.at]

    def add(self, np: Any, G: Any, GU: Any, c: Any) -> None:
        # G[rows] += c, or GU[entries] += c summed over the samples; c has shape (k, B)
        if self.kind == "u":
            c = c.sum(axis=1)
            if self.unique:
                GU[self.at] += c
            else:
                np.add.at(GU, self.idx, c)
        elif self.shared:
            G[int(self.idx[0])] += c.sum(axis=0)
        elif self.span is not None:
            G[self.span] += c
        elif self.unique:
            G[self.idx] += c
        else:
            np.add.at(G, self.idx, c)


class _Block:
    """Several parent positions of an n-ary group read together: an array (positions, k, B)."""

    def __init__(self, np: Any, sources: list[_Source]) -> None:
        self.sources = sources
        kinds = {s.kind for s in sources}
        self.kind = kinds.pop() if len(kinds) == 1 else "mixed"  # "mixed" also when empty (no bias)
        if not sources:
            return
        idx = np.stack([s.idx for s in sources])
        self.idx = idx  # (positions, k)
        # the same parents, in the same positions, for every node (an MLP layer's inputs)
        self.shared = self.kind == "v" and bool((idx == idx[:, :1]).all())
        self.rows = idx[:, 0]
        first = self.rows.tolist()
        contiguous = first == list(range(first[0], first[0] + len(first)))
        self.span = slice(first[0], first[0] + len(first)) if contiguous else None
        flat = idx.ravel().tolist()
        self.unique = len(set(flat)) == len(flat)
        self.rows_unique = len(set(first)) == len(first)

    def get(self, np: Any, V: Any, U: Any, B: int) -> Any:
        # shape (positions, k, B), or one that broadcasts to it
        if self.kind == "u":
            return U[self.idx][:, :, None]
        if self.shared:
            rows = V[self.span] if self.span is not None else V[self.rows]
            return rows[:, None, :]
        if self.kind == "v":
            return V[self.idx]
        k = self.idx.shape[1]
        return np.stack([np.broadcast_to(s.get(V, U), (k, B)) for s in self.sources])

    def add(self, np: Any, G: Any, GU: Any, c: Any) -> None:
        # c: (positions, k, B)
        if self.kind == "u":
            c = c.sum(axis=2)
            if self.unique:
                GU[self.idx] += c
            else:
                np.add.at(GU, self.idx, c)
        elif self.shared:
            c = c.sum(axis=1)
            if self.span is not None:
                G[self.span] += c
            elif self.rows_unique:
                G[self.rows] += c
            else:
                np.add.at(G, self.rows, c)
        elif self.kind == "v":
            if self.unique:
                G[self.idx] += c
            else:
                np.add.at(G, self.idx, c)
        else:
            for s, part in zip(self.sources, c):
                s.add(np, G, GU, part)


def _as_slice(idx: list[int]) -> slice | None:
    # indices in steps of one size >= 1 as a slice (a view, not a copy), else None
    step = idx[1] - idx[0] if len(idx) > 1 else 1
    if step < 1 or idx != list(range(idx[0], idx[0] + step * len(idx), step)):
        return None
    return slice(idx[0], idx[0] + step * (len(idx) - 1) + 1, step)


class _Layer:
    """A dot group that is an MLP layer: parameters as weights and bias, the same inputs for every neuron.

    Where it reads and adds: its code (``autodiff.batched_code``) is one matrix product
    forward, two backward. Where the weights lie in U as rows of a matrix (as ``nn.Layer``
    lays them out: each neuron's weights, then its bias), they are read and their grads
    added through a view (``grid``), not gathered and scattered.
    """

    def __init__(self, w: _Block, x: _Block, b: _Block, size: int) -> None:
        self.w_idx = w.idx.T  # (k, n)
        self.w_unique = w.unique
        self.grid = _grid(self.w_idx.tolist(), size) if w.unique else None
        self.x_at = x.span if x.span is not None else x.rows
        self.x_unique = x.span is not None or x.rows_unique
        self.b_idx = b.idx[0] if b.sources else None
        self.b_unique = b.unique if b.sources else True
        if self.b_idx is not None and self.b_unique:
            self.b_at = _as_slice(self.b_idx.tolist()) or self.b_idx


def _grid(rows: list[list[int]], size: int) -> tuple[int, int, int, int] | None:
    # (start, stride, k, n) when row i of the (k, n) indices is start + i * stride + (0 .. n-1), stride >= n,
    # and the k strides fit in an array of `size`
    k, n = len(rows), len(rows[0])
    start = rows[0][0]
    stride = rows[1][0] - start if k > 1 else n
    if stride < n or start + k * stride > size:
        return None
    if any(row != list(range(start + i * stride, start + i * stride + n)) for i, row in enumerate(rows)):
        return None
    return start, stride, k, n


class _Group:
    """Nodes of one op and level: their values are rows start..stop of V."""

    def __init__(
        self, np: Any, key: str, arg: Any, nodes: list[int], start: int, sources: list[_Source], size: int
    ) -> None:
        self.key: Any = key  # a key of ops.OPS, or a user primitive's op (autodiff.primitives.OpName)
        self.arg, self.nodes = arg, nodes
        self.start, self.stop = start, start + len(nodes)
        self.sources = sources
        self.reached = True  # False: no output depends on these nodes, so backward skips them
        self.layer: _Layer | None = None
        self.blocks: list[_Block] = []
        op = ops.OPS.get(key) if type(key) is str else None
        self.define = op.define if op is not None else None
        self.nary = op is not None and op.arity[1] is None
        if key in ("sum", "logsumexp"):
            self.blocks = [_Block(np, sources)]
        elif key == "dot":
            n = len(sources) // 2
            self.blocks = [_Block(np, sources[:n]), _Block(np, sources[n : 2 * n]), _Block(np, sources[2 * n :])]
            w, x, b = self.blocks
            # an MLP layer: parameters as weights, the same inputs for every neuron, a parameter bias
            if w.kind == "u" and x.kind == "v" and x.shared and (not b.sources or b.kind == "u"):
                self.layer = _Layer(w, x, b, size)

    def forward(self, np: Any, V: Any, U: Any, B: int) -> Any:
        """Write the group's values into V; return its local derivatives (what backward needs).

        For the groups the plan's code calls (``autodiff.batched_code``): n-ary ops (``sum``,
        ``logsumexp``, a ``dot`` that is not a layer) and user primitives."""
        if self.define is not None:
            return self._nary(np, V, U, B)
        try:  # a user primitive: its definition on arrays, or its float rule sample by sample
            value, local = self.key.define(*[np.broadcast_to(s.get(V, U), (len(self.nodes), B)) for s in self.sources])
        except Exception:  # written with math, which takes no arrays
            return self._each(np, V, U, B)
        V[self.start : self.stop] = value
        return np.stack([np.broadcast_to(d, (len(self.nodes), B)) for d in local])

    def _nary(self, np: Any, V: Any, U: Any, B: int) -> Any:
        # sum, dot (not a layer), logsumexp: the definition over every parent position at once
        parts = [blk.get(np, V, U, B) for blk in self.blocks if blk.sources]
        k = len(self.nodes)
        xs = np.concatenate([np.broadcast_to(p, (p.shape[0], k, B)) for p in parts]) if len(parts) > 1 else parts[0]
        value, local = self.define(*xs)  # type: ignore[misc]
        V[self.start : self.stop] = value
        if all(type(d) is float and d == 1.0 for d in local):  # a sum: every parent gets the grad as it is
            return None
        shape = xs.shape[1:]
        if all(getattr(d, "shape", None) == shape for d in local):
            return np.stack(local)
        return np.stack([np.broadcast_to(d, shape) for d in local])

    def _each(self, np: Any, V: Any, U: Any, B: int) -> Any:
        rule = self.key.rule
        args = [np.broadcast_to(s.get(V, U), (len(self.nodes), B)).tolist() for s in self.sources]
        local = np.zeros((len(self.sources), len(self.nodes), B))
        out = np.empty((len(self.nodes), B))
        for k in range(len(self.nodes)):
            for b in range(B):
                try:
                    v, d = rule(*[a[k][b] for a in args])
                except Exception:  # eager's error, found again when the sample is replayed
                    v, d = float("nan"), (0.0,) * len(args)
                out[k, b] = v
                local[:, k, b] = d
        V[self.start : self.stop] = out
        return local

    def backward(self, np: Any, G: Any, GU: Any, local: Any) -> None:
        """Add the grads of what ``forward`` ran into its parents' rows (G) or entries (GU)."""
        g = G[self.start : self.stop]
        if not self.nary:  # a user primitive: one (k, B) array of local derivatives per input
            for s, d in zip(self.sources, local):
                s.add(np, G, GU, d * g)
            return
        c = g if local is None else local * g  # (positions, k, B)
        k, B = g.shape
        c = np.broadcast_to(c, (len(self.sources), k, B))
        at = 0
        for blk in self.blocks:
            n = len(blk.sources)
            if n:
                blk.add(np, G, GU, c[at : at + n])
            at += n


class Plan:
    """A tape's groups, built once per Compiled when a batch first runs."""

    def __init__(self, np: Any, tape: list[Entry], n_inputs: int, n_params: int, outputs: list[int]) -> None:
        self.np = np
        self.n_inputs, self.n_params = n_inputs, n_params
        where: dict[int, tuple[str, int]] = {}  # tape index -> ("v", row) or ("u", entry)
        consts: list[float] = []
        level = [0] * len(tape)
        groups: dict[tuple[Any, ...], list[int]] = {}
        for i, (kind, arg, parents) in enumerate(tape):
            if kind == "x":
                where[i] = ("v", arg)
            elif kind == "p":
                where[i] = ("u", arg)
            elif kind == "c":
                where[i] = ("u", n_params + len(consts))
                consts.append(arg)
            else:
                level[i] = 1 + max(level[j] for j in parents)
                flags = tuple(where[j][0] if j in where else "v" for j in parents)
                groups.setdefault((level[i], kind, arg, len(parents), flags), []).append(i)
        # the nodes some output depends on (the others are computed, as eager computes them, but get no grad)
        reached = set(outputs)
        for i in range(len(tape) - 1, -1, -1):
            if i in reached:
                reached.update(tape[i][2])
        row = n_inputs
        self.groups: list[_Group] = []
        for (_, kind, arg, _, _), nodes in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[1][0])):
            for part in (
                [n for n in nodes if n in reached],
                [n for n in nodes if n not in reached],
            ):
                if not part:
                    continue
                for k, i in enumerate(part):
                    where[i] = ("v", row + k)
                n_parents = len(tape[part[0]][2])
                sources = [
                    _Source(np, where[tape[part[0]][2][j]][0], [where[tape[i][2][j]][1] for i in part])
                    for j in range(n_parents)
                ]
                group = _Group(np, kind, arg, part, row, sources, n_params + len(consts))
                group.reached = part[0] in reached
                self.groups.append(group)
                row += len(part)
        self.rows = row
        self.consts = np.asarray(consts, dtype=float)
        self.outputs = [where[i] for i in outputs]
        # every output a row of V, each once (the usual): read, and seeded, by one index
        out_rows = [i for kind, i in self.outputs if kind == "v"]
        self.out_rows = out_rows if len(out_rows) == len(set(out_rows)) == len(outputs) else None
        self.code = batched_code.generate(self)
        self.params_code: batched_code.Code | None = None  # backward without the inputs' grads, when first asked

    def forward(self, X: Any, p: tuple[float, ...]) -> tuple[Any, Any, tuple[Any, ...], bool]:
        """X: (B, n_inputs). Returns V, U, what backward needs (the local derivatives), and whether every
        value is finite."""
        np = self.np
        B = X.shape[0]
        V = np.empty((self.rows, B))
        V[: self.n_inputs] = X.T
        U = np.concatenate([np.asarray(p, dtype=float), self.consts])
        with np.errstate(all="ignore"):
            try:
                saved = self.code.forward(V, U, B)
            except vocabulary.Failed:  # an input outside a rule's domain: eager's error, a sample at a time
                return V, U, (), False
        return V, U, saved, bool(np.isfinite(V).all())

    def values(self, V: Any, U: Any) -> Any:
        """The outputs, (B, n_outputs)."""
        np = self.np
        B = V.shape[1]
        if self.out_rows is not None:
            return V[self.out_rows].T
        return np.stack([V[i] if kind == "v" else np.full(B, U[i]) for kind, i in self.outputs], axis=1)

    def backward(self, V: Any, saved: tuple[Any, ...], seeds: Any, input_grads: bool = True) -> tuple[Any, Any, bool]:
        """seeds: (B, n_outputs). Returns the grads of V's rows (G), of U summed over samples (GU), and
        whether every one is finite. Without ``input_grads`` the inputs' rows of G are left as seeded
        (training wants only the parameters' grads)."""
        np = self.np
        B = V.shape[1]
        GU = np.zeros(self.n_params + len(self.consts))
        if self.out_rows is not None:  # the code sets every row it does not write (batched_code.write)
            G = np.empty((self.rows, B))
            G[self.out_rows] = seeds.T
        else:
            G = np.zeros((self.rows, B))
            for k, (kind, i) in enumerate(self.outputs):
                if kind == "v":
                    G[i] += seeds[:, k]
                else:
                    GU[i] += seeds[:, k].sum()
        with np.errstate(all="ignore"):
            if input_grads:
                self.code.backward(G, GU, V, saved)
            else:
                if self.params_code is None:
                    self.params_code = batched_code.generate(self, input_grads=False)
                self.params_code.backward(G, GU, V, saved)
        return G, GU, bool(np.isfinite(G).all() and np.isfinite(GU).all())
