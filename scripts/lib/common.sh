# common.sh — helpers shared by scripts/up, scripts/test and scripts/stack.
# Sourced, not run. Every function is prefixed cf_ and fails loudly.

CF_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# A message that cannot be written (our output is gone) is not an error.
cf_say() { printf '==> %s\n' "$*" >&2 || true; }
cf_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

cf_require_root() {
    [ "$(id -u)" -eq 0 ] || cf_die "$1 must run as root: it installs packages, and the sandbox needs root (ptrace, namespaces, cgroups)"
}

# The package groups of scripts/lib/packages (the one list).
cf_packages() { sed -n "s/^$1://p" "$CF_ROOT/scripts/lib/packages"; }
CF_PACKAGES_BUILD=$(cf_packages build)
CF_PACKAGES_RUN="$CF_PACKAGES_BUILD $(cf_packages run)"
CF_PACKAGES_TEST=$(cf_packages test)

# Installs the Debian packages of the list that are missing; no-op otherwise.
# policy-rc.d keeps the packages from starting system-wide Redis or
# PostgreSQL services: the stack runs private instances under .run/.
cf_install_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    if ! command -v node >/dev/null 2>&1; then missing+=(nodejs npm); fi
    [ ${#missing[@]} -eq 0 ] && return 0
    cf_require_root "installing ${missing[*]}"
    cf_say "installing Debian packages: ${missing[*]}"
    local policy=/usr/sbin/policy-rc.d own_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
    fi
    mkdir -p /etc/postgresql-common/createcluster.d
    [ -e /etc/postgresql-common/createcluster.d/codefights.conf ] ||
        echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/codefights.conf
    local rc=0
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
        >"${CF_LOG_DIR:-/tmp}/apt-install.log" 2>&1 || rc=$?
    [ "$own_policy" -eq 1 ] && rm -f "$policy"
    [ "$rc" -eq 0 ] || { tail -n 30 "${CF_LOG_DIR:-/tmp}/apt-install.log" >&2; cf_die "apt-get install failed"; }
}

# Configures and builds into $1 with the extra CMake arguments that follow.
cf_build() {
    local dir=$1; shift
    cf_say "building in ${dir#$CF_ROOT/}"
    cmake -S "$CF_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$dir.configure.log" 2>&1 ||
        { cat "$dir.configure.log" >&2; cf_die "cmake configure failed"; }
    cmake --build "$dir" -j "$(nproc)" >"$dir.build.log" 2>&1 ||
        { grep -E 'error|Error' "$dir.build.log" | head -n 40 >&2; cf_die "build failed (full log: $dir.build.log)"; }
}

# Installs the npm packages of package-lock.json: playwright-core for the
# browser tests, CodeMirror and esbuild for scripts/build-editor (the editor's
# bundle itself is committed: serving the site needs no npm package).
cf_npm_install() {
    local p missing=0
    for p in playwright-core codemirror @codemirror/lang-python esbuild; do
        [ -d "$CF_ROOT/node_modules/$p" ] || missing=1
    done
    if [ "$missing" = 1 ]; then
        cf_say "installing npm packages (playwright-core, CodeMirror, esbuild)"
        (cd "$CF_ROOT" && npm ci --no-audit --no-fund >"${CF_LOG_DIR:-/tmp}/npm.log" 2>&1) ||
            { tail -n 20 "${CF_LOG_DIR:-/tmp}/npm.log" >&2; cf_die "npm ci failed"; }
    fi
}
