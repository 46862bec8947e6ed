#!/bin/sh
# Graphviz's `dot` for `make demo` / `make test` (usage: tools/ensure_dot.sh VENV_PYTHON).
#   1. a working `dot` on PATH: use it;
#   2. root with apt-get: say so, then install Debian's graphviz; if apt-get fails, show its
#      output and say why (lock held by another process, no network, not allowed, ...);
#   3. otherwise, or when apt-get failed: the project's `dot` extra, PyPI's graphviz-pure, in the
#      venv (no root needed; autodiff finds it there by itself).
set -u
python=${1:?usage: tools/ensure_dot.sh VENV_PYTHON}

if command -v dot >/dev/null 2>&1 && dot -V >/dev/null 2>&1; then
	echo "dot: using $(command -v dot)"
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	why="no system Graphviz, and no apt-get to install one"
elif [ "$(id -u)" != 0 ]; then
	why="no system Graphviz, and installing Debian's graphviz needs root (you are $(id -un 2>/dev/null || id -u))"
else
	echo "dot: installing the Debian package graphviz (its dot draws the graphs): apt-get update && apt-get install graphviz"
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
		why="apt-get could not install graphviz: its lock is ${holder:-held by another process} (another apt or an update running); wait for it to end, or use the dot extra"
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
fi

finder='from autodiff.viz import find_dot; print(find_dot() or "")'
found=$("$python" -c "$finder" 2>/dev/null)
case $found in
*graphviz-pure*) echo "dot: $why; using PyPI's graphviz-pure from the project's dot extra: $found"; exit 0 ;;
esac
echo "dot: $why; installing the project's dot extra instead: pip install -e \".[dot]\" (PyPI's graphviz-pure, into the venv)"
if "$python" -m pip install -q -e ".[dot]" && found=$("$python" -c "$finder") && [ -n "$found" ] \
	&& "$found" -V >/dev/null 2>&1; then
	echo "dot: using $found"
	exit 0
fi
echo "dot: could not install the dot extra either (pip's output is above); drawing will not work until" \
	"Graphviz is installed: apt-get install graphviz (as root), or pip install graphviz-pure in the venv" >&2
exit 1
