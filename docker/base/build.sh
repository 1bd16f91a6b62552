#!/usr/bin/env bash
# docker/base/build.sh — the one way Codefights images are built, by operators
# and by the deploy tests alike (so a broken image build breaks CI).
#
#   docker/base/build.sh [--no-cache] [--base-only] [IMAGE ...]
#
# 1. Installs docker.io, docker-compose and debootstrap from Debian when they
#    are missing (apt-get).
# 2. Starts dockerd in the background when none answers, logging to
#    $CF_DOCKER_LOG_DIR/dockerd.log (default /var/log/codefights).
# 3. Builds the base image debian:bookworm-slim with
#    `debootstrap --variant=minbase bookworm` from the mirror this machine's own
#    apt sources name, and `docker import`s it. Nothing is pulled from a
#    registry: there may be none. Skipped when the image exists.
# 4. Builds every project image (or the IMAGEs named: web simulator
#    result_processor redis postgres nginx) with --network host, tagged
#    codefights/<name>:$CF_IMAGE_TAG (default latest), the names compose.yaml
#    uses. The project is compiled once, in codefights/build:$CF_IMAGE_TAG
#    (docker/build/Dockerfile), which web, simulator and result_processor
#    copy their programs from.
#
# Environment: CF_IMAGE_TAG, CF_DOCKER_LOG_DIR, CF_DEBIAN_MIRROR (overrides the
# mirror found in the apt sources), DOCKER (the docker client, default docker).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TAG=${CF_IMAGE_TAG:-latest}
LOG_DIR=${CF_DOCKER_LOG_DIR:-/var/log/codefights}
DOCKER=${DOCKER:-docker}
BASE_IMAGE=debian:bookworm-slim
ALL_IMAGES=(web simulator result_processor redis postgres nginx)
NO_CACHE=()
BASE_ONLY=0

say() { printf 'build.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

while [ $# -gt 0 ]; do
    case $1 in
        --no-cache) NO_CACHE=(--no-cache); shift ;;
        --base-only) BASE_ONLY=1; shift ;;
        -h|--help) sed -n '2,25p' "${BASH_SOURCE[0]}"; exit 0 ;;
        -*) die "unknown option $1" ;;
        *) break ;;
    esac
done
IMAGES=("$@")
[ ${#IMAGES[@]} -gt 0 ] || IMAGES=("${ALL_IMAGES[@]}")
[ "$BASE_ONLY" = 1 ] && IMAGES=()
for img in ${IMAGES[@]+"${IMAGES[@]}"}; do
    [ -f "$ROOT/docker/$img/Dockerfile" ] || die "no docker/$img/Dockerfile"
done

[ "$(id -u)" = 0 ] || die "must run as root (starts dockerd, runs debootstrap)"

# The classic builder: it honours --network host and a tar context on stdin
# with every client version (BuildKit needs the buildx plugin on new clients).
export DOCKER_BUILDKIT=0

ensure_packages() {
    local missing=()
    command -v dockerd >/dev/null || missing+=(docker.io)
    command -v "$DOCKER" >/dev/null || missing+=(docker.io)
    command -v docker-compose >/dev/null || missing+=(docker-compose)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends $(printf '%s\n' "${missing[@]}" | sort -u) >&2
}

# Starts dockerd unless one already answers. setsid: the daemon outlives this
# script and is not killed with the caller's process group.
ensure_dockerd() {
    if "$DOCKER" info >/dev/null 2>&1; then return 0; fi
    mkdir -p "$LOG_DIR"
    # A dockerd killed with its session leaves its pid file and socket; a new
    # one refuses to start while the pid file is there.
    if ! pgrep -x dockerd >/dev/null; then
        rm -f /var/run/docker.sock /var/run/docker.pid
    fi
    if ! pgrep -x dockerd >/dev/null; then
        say "starting dockerd (log: $LOG_DIR/dockerd.log)"
        # 9>&-: the daemon must not inherit the build lock, or it would hold
        # it for as long as it runs.
        setsid dockerd >>"$LOG_DIR/dockerd.log" 2>&1 </dev/null 9>&- &
        echo $! >"$LOG_DIR/dockerd.started-by-build-sh.pid"
    fi
    local i
    for i in $(seq 1 90); do
        "$DOCKER" info >/dev/null 2>&1 && return 0
        sleep 1
    done
    tail -n 30 "$LOG_DIR/dockerd.log" >&2 || true
    die "dockerd did not answer within 90 s"
}

# Prints the first URI of an apt source for suite $1 (deb822 .sources files
# first, then one-line .list files), or nothing.
apt_source_uri() {
    local suite=$1 f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk -v suite="$suite" '
            function flush() {
                if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && uri != "" && enabled != "no") {
                    print uri; found = 1; exit
                }
                types = ""; suites = ""; uri = ""; enabled = ""
            }
            /^[ \t]*$/ { flush(); next }
            /^[ \t]*#/ { next }
            tolower($1) == "types:"   { $1 = ""; types = $0 }
            tolower($1) == "suites:"  { $1 = ""; suites = $0 }
            tolower($1) == "uris:"    { uri = $2 }
            tolower($1) == "enabled:" { enabled = tolower($2) }
            END { if (!found) flush() }
        ' "$f" | head -n 1 | grep . && return 0
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        sed -e 's/\[[^]]*\]//' "$f" |
            awk -v suite="$suite" '$1 == "deb" && $3 == suite { print $2; exit }' |
            grep . && return 0
    done
    return 0
}

build_base() {
    if "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
        say "$BASE_IMAGE present"
        return 0
    fi
    local mirror security dir
    mirror=${CF_DEBIAN_MIRROR:-$(apt_source_uri bookworm)}
    [ -n "$mirror" ] || die "no apt source for bookworm found; set CF_DEBIAN_MIRROR"
    security=$(apt_source_uri bookworm-security)
    say "debootstrap bookworm from $mirror"
    dir=$(mktemp -d /var/tmp/cf-base.XXXXXX)
    # debootstrap mounts /proc and /sys in the target while it runs; never
    # delete through a mount left behind by a failure.
    trap 'umount -R "'"$dir"'"/proc "'"$dir"'"/sys 2>/dev/null || true; findmnt -R "'"$dir"'" >/dev/null || rm -rf "'"$dir"'"' EXIT
    debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$LOG_DIR/debootstrap.log" 2>&1 ||
        { tail -n 30 "$LOG_DIR/debootstrap.log" >&2; die "debootstrap failed (log: $LOG_DIR/debootstrap.log)"; }
    {
        echo "deb $mirror bookworm main"
        echo "deb $mirror bookworm-updates main"
        [ -z "$security" ] || echo "deb $security bookworm-security main"
    } >"$dir/etc/apt/sources.list"
    # What the official slim image does: no recommends, no docs or man pages.
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
        >"$dir/etc/apt/apt.conf.d/01codefights-slim"
    printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
        'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' \
        'path-exclude /usr/share/locale/*' 'path-include /usr/share/locale/locale.alias' \
        >"$dir/etc/dpkg/dpkg.cfg.d/01codefights-slim"
    rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/archives/*.deb "$dir"/var/log/*.log
    tar --numeric-owner -C "$dir" -c . |
        "$DOCKER" import --change 'CMD ["bash"]' \
            --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            - "$BASE_IMAGE" >/dev/null
    say "imported $BASE_IMAGE"
}

# The build context is the source tree less what never belongs in an image
# (git history, node modules, build and run directories), sent as a tar.
# Exit status 1 of GNU tar only says a file changed while it was read (someone
# is editing the tree): the archive is still complete.
context_tar() {
    tar -C "$ROOT" -c --warning=no-file-changed \
        --exclude=./.git --exclude=./node_modules --exclude='./build' --exclude='./build-*' \
        --exclude=./.run --exclude=./tests/artifacts --exclude='*.o' . || [ $? -eq 1 ]
}

# Images whose programs come from the shared build stage (codefights/build).
COMPILED_IMAGES=" web simulator result_processor "

build_image() {
    local name=$1 repo=codefights/${1//_/-} args=()
    case $COMPILED_IMAGES in *" $name "*) args=(--build-arg "CF_BUILD_IMAGE=codefights/build:$TAG") ;; esac
    say "building $repo:$TAG"
    if ! context_tar | "$DOCKER" build --network host --force-rm ${NO_CACHE[@]+"${NO_CACHE[@]}"} \
            ${args[@]+"${args[@]}"} \
            -f "docker/$name/Dockerfile" -t "$repo:$TAG" - >"$LOG_DIR/build-$name.log" 2>&1; then
        tail -n 40 "$LOG_DIR/build-$name.log" >&2
        die "image $repo:$TAG failed to build (log: $LOG_DIR/build-$name.log)"
    fi
}

mkdir -p "$LOG_DIR"
ensure_packages
# One build at a time on a machine: the test and an operator share images.
exec 9>"$LOG_DIR/build.lock"
flock 9
ensure_dockerd
build_base
[ "$BASE_ONLY" = 0 ] || exit 0
# The project is compiled once, in codefights/build, when any image needs it.
for img in ${IMAGES[@]+"${IMAGES[@]}"}; do
    case $COMPILED_IMAGES in *" $img "*) build_image build; break ;; esac
done
for img in ${IMAGES[@]+"${IMAGES[@]}"}; do
    build_image "$img"
done
# Every rebuild leaves the previous images and build stages untagged; drop
# those of this project older than a day (newer ones are the layer cache).
"$DOCKER" image prune -f --filter label=org.codefights.project=codefights \
    --filter until=24h >/dev/null 2>&1 || say "warning: could not prune old images"
say "done: ${IMAGES[*]-base}"
