#!/bin/sh
# Graphviz's `dot` for `make demo` / `make test` (usage: tools/ensure_dot.sh VENV_PYTHON).
#   1. a working `dot` on PATH (the system's, or the venv's from an earlier run): use it;
#   2. otherwise the project's `dot` extra, PyPI's graphviz-pure, in the venv (no root, nothing
#      outside the venv), linked as the venv's `dot`: autodiff finds graphviz-pure by itself, and
#      the link lets the `graphviz` package (a micrograd-style draw_dot of your own) find it too;
#   3. only if pip cannot install it: Debian's graphviz when root with apt-get, said before it is
#      done; if apt-get fails, its output is shown and why it failed (lock, network, rights ...).
set -u
python=${1:?usage: tools/ensure_dot.sh VENV_PYTHON}
bindir=${python%/*}

if command -v dot >/dev/null 2>&1 && dot -V >/dev/null 2>&1; then
	echo "dot: using $(command -v dot)"
	exit 0
fi

# with no dot on PATH, find_dot finds graphviz-pure only (beside the venv's python, or on PATH)
finder='from autodiff.viz import find_dot; print(find_dot() or "")'
found=$("$python" -c "$finder" 2>/dev/null)
if [ -z "$found" ]; then
	echo "dot: no Graphviz dot on PATH; installing the project's dot extra into the venv:" \
		"pip install -e \".[dot]\" (PyPI's graphviz-pure: no root needed, nothing outside the venv)"
	"$python" -m pip install -q -e ".[dot]" && found=$("$python" -c "$finder")
fi
if [ -n "$found" ] && "$found" -V >/dev/null 2>&1; then
	if ln -sf "$found" "$bindir/dot" 2>/dev/null; then
		echo "dot: using $found (PyPI's graphviz-pure, the dot extra), linked as $bindir/dot for the graphviz package"
	else
		echo "dot: using $found (PyPI's graphviz-pure, the dot extra)"
	fi
	exit 0
fi

# 3. the fallback: pip could not bring graphviz-pure (offline, or no wheel for this machine)
fail() {
	echo "dot: $1; drawing will not work until Graphviz is installed: pip install graphviz-pure in the venv," \
		"or apt-get install graphviz (as root)" >&2
	exit 1
}
if ! command -v apt-get >/dev/null 2>&1; then
	fail "could not install the dot extra (pip's output is above), and there is no apt-get to install Graphviz"
elif [ "$(id -u)" != 0 ]; then
	fail "could not install the dot extra (pip's output is above), and installing Debian's graphviz needs root (you are $(id -un 2>/dev/null || id -u))"
fi
echo "dot: could not install the dot extra (pip's output is above); installing the Debian package graphviz instead" \
	"(its dot draws the graphs): apt-get update && apt-get install graphviz"
log=$(mktemp)
if { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends graphviz; } \
	>"$log" 2>&1 && command -v dot >/dev/null 2>&1 && dot -V >/dev/null 2>&1; then
	rm -f "$log"
	echo "dot: installed $(command -v dot)"
	exit 0
fi
echo "---- apt-get's output ----" >&2
cat "$log" >&2
echo "--------------------------" >&2
# the reason, in apt's own words
if grep -qiE "could not get lock|unable to acquire the dpkg frontend lock|unable to lock" "$log"; then
	holder=$(grep -oE "held by process [0-9]+( \([^)]*\))?" "$log" | head -n 1)
	why="apt-get could not install graphviz: its lock is ${holder:-held by another process} (another apt or an update running); wait for it to end"
elif grep -qiE "temporary failure resolving|could not resolve|network is unreachable|could not connect|connection (failed|timed out|refused)|failed to fetch|unable to fetch" "$log"; then
	why="apt-get could not install graphviz: no network (it could not reach its package servers)"
elif grep -qiE "permission denied|are you root" "$log"; then
	why="apt-get could not install graphviz: permission denied (a container without the rights root usually has?)"
elif grep -qiE "unable to locate package|has no installation candidate" "$log"; then
	why="apt-get could not install graphviz: its package lists have no graphviz"
else
	why="apt-get could not install graphviz (its output is above)"
fi
rm -f "$log"
fail "$why"
