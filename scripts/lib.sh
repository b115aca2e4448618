# Shell helpers shared by setup.sh and test.sh (sourced, not run).

# Install Debian packages (as root, with apt) when a command is missing; a
# failure is a note, not an error: the lesson falls back, and the tests that
# need the command say so (and fail the run under CI=true, see tests/conftest.py).
apt_install() {  # apt_install COMMAND PACKAGE... -- NOTE
    local command=$1; shift
    local packages=() note
    while [ "$1" != "--" ]; do packages+=("$1"); shift; done
    note=$2
    command -v "$command" >/dev/null && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y -q "${packages[@]}" >/dev/null 2>&1 \
            || { apt-get update -q >/dev/null && apt-get install -y -q "${packages[@]}" >/dev/null; } \
            && return 0
    fi
    echo "note: ${packages[*]} could not be installed; $note" >&2
}
