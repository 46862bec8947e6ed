#!/bin/sh
# The playground's npm packages (Pyodide, viz.js, a font), as pinned by playground/package-lock.json,
# into playground/node_modules, for `make playground` and `make test` (usage: tools/ensure_npm.sh [--optional]).
#   1. npm: on PATH, else Debian's npm installed when root with apt-get (said before; apt's output shown
#      and the reason said if it fails);
#   2. `npm ci --prefix playground` when node_modules is missing or older than the lock file.
# With --optional (make test) a failure is said and the exit status is 0: the playground test then
# skips, naming what is missing. Without it (make playground) a failure stops make.
set -u
optional=${1:-}

give_up() {
	if [ "$optional" = --optional ]; then
		echo "npm: $1; the playground test will be skipped"
		exit 0
	fi
	echo "npm: $1" >&2
	exit 1
}

if ! command -v npm >/dev/null 2>&1; then
	if ! command -v apt-get >/dev/null 2>&1; then
		give_up "no npm, and no apt-get to install Debian's npm (install Node.js with npm)"
	elif [ "$(id -u)" != 0 ]; then
		give_up "no npm, and installing Debian's npm needs root (you are $(id -un 2>/dev/null || id -u))"
	fi
	echo "npm: installing the Debian package npm: apt-get update && apt-get install npm"
	log=$(mktemp)
	if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm; } \
		>"$log" 2>&1 || ! command -v npm >/dev/null 2>&1; then
		echo "---- apt-get's output ----" >&2
		cat "$log" >&2
		echo "--------------------------" >&2
		rm -f "$log"
		give_up "apt-get could not install npm (its output is above)"
	fi
	rm -f "$log"
	echo "npm: installed $(command -v npm)"
fi

stamp=playground/node_modules/.package-lock.json
if [ -f "$stamp" ] && [ ! playground/package-lock.json -nt "$stamp" ]; then
	echo "npm: playground/node_modules is up to date with playground/package-lock.json"
	exit 0
fi
echo "npm: npm ci --prefix playground (the packages pinned by playground/package-lock.json)"
if ! npm ci --prefix playground --no-audit --no-fund --loglevel=error; then
	give_up "npm ci --prefix playground failed (its output is above)"
fi
