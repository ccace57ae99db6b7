# Sourced by the other scripts: finds the Pythons and installs the tools they need.
# Nothing here edits your shell: the variables are set for the script's own process.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/build/tools"

# Let tox (through uv) find every supported Python. With pyenv, its shims only answer for
# the versions named in PYENV_VERSION, so name the newest installed patch of each.
if command -v pyenv >/dev/null 2>&1; then
    versions=""
    for minor in 3.12 3.13 3.11 3.10; do
        v=$(pyenv versions --bare --skip-aliases 2>/dev/null | grep -E "^${minor//./\\.}\.[0-9]+$" | sort -V | tail -n 1)
        [ -n "$v" ] && versions="${versions:+$versions:}$v"
    done
    [ -n "$versions" ] && export PYENV_VERSION="$versions"
fi
# uv must use these Pythons, never download one.
export UV_PYTHON_DOWNLOADS=never

tools_python() {
    for candidate in python3.12 python3.13 python3.11 python3.10 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
    echo "No Python 3.10+ found on PATH." >&2
    return 1
}

# A private venv with tox and tox-uv, made once and reused.
ensure_tools() {
    if [ ! -x "$TOOLS/bin/tox" ]; then
        "$(tools_python)" -m venv "$TOOLS"
        "$TOOLS/bin/python" -m pip install --quiet --upgrade pip
        "$TOOLS/bin/python" -m pip install --quiet "tox>=4.20" "tox-uv>=1.11"
    fi
}
