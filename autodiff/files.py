"""Writing output files whole or not at all (pictures, DOT text, the HTML page)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence


def write_files(files: Sequence[tuple[str, bytes]]) -> None:
    """Write every ``(path, data)`` or none: each goes to a temporary file beside its
    target, and only when all are written are they renamed into place (a rename is
    all but certain once its temporary file is written, but not atomic across files)."""
    done: list[tuple[str, str]] = []
    try:
        for path, data in files:
            tmp = os.path.join(os.path.dirname(path) or ".", f".stepgrad-{secrets.token_hex(6)}.tmp")
            with open(tmp, "xb") as f:  # created with the usual permissions (umask)
                done.append((tmp, path))
                f.write(data)
        for tmp, path in done:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in done:
            if os.path.exists(tmp):
                os.remove(tmp)
        raise
