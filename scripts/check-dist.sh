#!/usr/bin/env bash
# Check what scripts/dist.sh built in target/dist/: each binary needs at
# most glibc 2.17 and runs; the tarball, the .deb and the .rpm hold the
# expected files; the .deb installs with dpkg into a scratch root and its
# binary runs there. An aarch64 build is run under qemu-user when
# qemu-aarch64 and the arm64 cross libc are installed (.ci/run installs
# them), and its run is skipped with a message otherwise.
#
#   scripts/check-dist.sh
#   SIPFIX_CHECK_SOURCE_BUILD=0 scripts/check-dist.sh   # skip the build from a source export
#
# Needs: objdump (binutils), dpkg, rpm and rpm2cpio (Debian package `rpm`),
# cpio; for aarch64 also binutils-aarch64-linux-gnu.
set -euo pipefail
cd "$(dirname "$0")/.."

GLIBC_MAX=2.17
out=target/dist
target_dir=${CARGO_TARGET_DIR:-target}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
declare -A DEB_ARCH=([x86_64]=amd64 [aarch64]=arm64)

passed=0
failed=0
ok() { printf 'ok   %s\n' "$*"; passed=$((passed + 1)); }
bad() { printf 'FAIL %s\n' "$*"; failed=$((failed + 1)); }
# check DESCRIPTION COMMAND...: run the command, count the result.
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}

# Run a command, showing its output only when it fails.
quiet() {
    "$@" >"$scratch/quiet.log" 2>&1 || { sed 's/^/     /' "$scratch/quiet.log"; return 1; }
}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/data" "$scratch/config"

ls "$out"/sipfix-"$version"-*-linux-gnu.tar.gz >/dev/null 2>&1 ||
    { echo "check-dist: nothing in $out/: run scripts/dist.sh first" >&2; exit 1; }

# Run a sipfix binary the way a jump host would: bare environment, C locale,
# a data and config directory of its own. Under qemu for a foreign arch.
run() { # arch binary args...
    local arch=$1 bin=$2
    shift 2
    local pre=()
    if [ "$arch" != "$(uname -m)" ]; then
        pre=(qemu-"$arch" -L /usr/"$arch"-linux-gnu)
    fi
    env -i PATH=/usr/bin:/bin HOME="$scratch" LANG=C TERM=dumb \
        SIPFIX_DATA_DIR="$scratch/data" SIPFIX_CONFIG_DIR="$scratch/config" \
        "${pre[@]}" "$bin" "$@"
}
can_run() { # arch
    [ "$1" = "$(uname -m)" ] ||
        { command -v qemu-"$1" >/dev/null && [ -d /usr/"$1"-linux-gnu/lib ]; }
}

objdump_for() { # arch
    if [ "$1" = "$(uname -m)" ]; then echo objdump; else echo "$1-linux-gnu-objdump"; fi
}

glibc_ok() { # arch binary
    local dump need
    dump=$(objdump_for "$1")
    need=$("$dump" -T "$2" | grep -o 'GLIBC_[0-9.]*' | sort -Vu | tail -1)
    echo "     $2 needs at most $need"
    [ -n "$need" ] && [ "$(printf '%s\n' "$need" "GLIBC_$GLIBC_MAX" | sort -V | tail -1)" = "GLIBC_$GLIBC_MAX" ]
}

# The package dependencies name glibc alone: nothing else may be linked.
glibc_only() { # arch binary
    local extra
    extra=$("$(objdump_for "$1")" -p "$2" | awk '/NEEDED/ {print $2}' |
        grep -vE '^(libc|libm|libdl|libpthread|librt)\.so\.[0-9]+$|^ld-linux' || true)
    [ -z "$extra" ] || { echo "     also needs: $extra"; return 1; }
}

# What `sipfix --version` must say: the version, and the commit of HEAD when
# this is a clean git checkout.
version_ok() { # arch binary
    local v head
    v=$(run "$1" "$2" --version) || return 1
    echo "     $v"
    [[ $v == "sipfix $version (commit "* ]] || return 1
    if head=$(git rev-parse --short=12 HEAD 2>/dev/null) &&
        [ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
        [ "$v" = "sipfix $version (commit $head)" ]
    fi
}
show_ok() { run "$1" "$2" show 486 | grep -q '486 Busy Here'; }
q850_ok() { run "$1" "$2" q850 17 | grep -q 'User busy' && run "$1" "$2" q850 17 | grep -q '486'; }
man_ok() { gzip -dc "$1" | grep -q '^\.TH sipfix 1'; }

# `sipfix triage --json` of each log fixture finds calls, and gives the
# report the host's build gives: the field scan has an SSE2 path on x86-64
# and a word-at-a-time path elsewhere, which must agree.
triage_ok() { # arch binary
    local f mine host ref
    ref=$target_dir/$(uname -m)-unknown-linux-gnu/release/sipfix
    for f in tests/fixtures/logs/*.log; do
        mine=$(run "$1" "$2" triage "$f" --json) || return 1
        grep -q '"call_id"' <<<"$mine" || { echo "     $f: no call found"; return 1; }
        if [ "$1" != "$(uname -m)" ] && [ -x "$ref" ]; then
            host=$(run "$(uname -m)" "$ref" triage "$f" --json) || return 1
            [ "$mine" = "$host" ] || { echo "     $f: the report differs from $(uname -m)'s"; return 1; }
        fi
    done
}

# Every path in $1 (a listing) is one of the expected ones ($2...).
lists_all() { # listing expected...
    local listing=$1 p missing=0
    shift
    for p in "$@"; do
        if ! grep -qxF "$p" <<<"$listing"; then
            echo "     missing: $p"
            missing=1
        fi
    done
    return $missing
}

for tarball in "$out"/sipfix-"$version"-*-linux-gnu.tar.gz; do
    name=$(basename "$tarball" .tar.gz)
    arch=${name#sipfix-"$version"-}
    arch=${arch%-linux-gnu}
    deb_arch=${DEB_ARCH[$arch]}
    bin=$target_dir/$arch-unknown-linux-gnu/release/sipfix
    echo "== $arch"

    check "$arch: binary needs glibc $GLIBC_MAX or older" glibc_ok "$arch" "$bin"
    check "$arch: binary needs no shared library outside glibc" glibc_only "$arch" "$bin"
    check "$arch: binary is for $arch" \
        bash -c "$(objdump_for "$arch") -f '$bin' | grep -q 'architecture: ${arch/x86_64/i386:x86-64}'"
    if can_run "$arch"; then
        check "$arch: sipfix --version names the version and commit" version_ok "$arch" "$bin"
        check "$arch: sipfix show 486 runs" show_ok "$arch" "$bin"
        check "$arch: sipfix q850 17 runs" q850_ok "$arch" "$bin"
        check "$arch: sipfix triage of the log fixtures, the same report on every arch" \
            triage_ok "$arch" "$bin"
    else
        echo "skip $arch: cannot run here (install qemu-user and libc6-${deb_arch}-cross)"
    fi

    # Tarball: a prefix layout.
    listing=$(tar -tzf "$tarball" | sed "s|^$name/||")
    check "$arch: tarball lists the binary, man page, completions, docs and licences" \
        lists_all "$listing" bin/sipfix share/man/man1/sipfix.1.gz \
        share/bash-completion/completions/sipfix share/zsh/site-functions/_sipfix \
        share/fish/vendor_completions.d/sipfix.fish share/doc/sipfix/README.md \
        share/doc/sipfix/CHANGELOG.md share/doc/sipfix/LICENSE-MIT share/doc/sipfix/LICENSE-APACHE
    mkdir -p "$scratch/tar-$arch"
    tar -xzf "$tarball" -C "$scratch/tar-$arch"
    check "$arch: tarball man page is roff" man_ok "$scratch/tar-$arch/$name/share/man/man1/sipfix.1.gz"
    if can_run "$arch"; then
        check "$arch: tarball binary runs" show_ok "$arch" "$scratch/tar-$arch/$name/bin/sipfix"
    fi

    # Debian package.
    deb=$out/sipfix_$version-1_$deb_arch.deb
    check "$arch: $(basename "$deb") exists" test -f "$deb"
    info=$(dpkg-deb --info "$deb" 2>&1 || true)
    check "$arch: .deb control fields (package, version, arch, section, maintainer, depends)" \
        lists_all "$(sed 's/^ *//' <<<"$info")" "Package: sipfix" "Version: $version-1" \
        "Architecture: $deb_arch" "Section: net" "Priority: optional" \
        "Maintainer: sipfix maintainers <maintainers@sipfix.invalid>" \
        "Depends: libc6 (>= 2.17)"
    listing=$(dpkg -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
    check "$arch: dpkg -c lists the binary, man page, completions, docs and copyright" \
        lists_all "$listing" /usr/bin/sipfix /usr/share/man/man1/sipfix.1.gz \
        /usr/share/bash-completion/completions/sipfix /usr/share/zsh/vendor-completions/_sipfix \
        /usr/share/fish/vendor_completions.d/sipfix.fish /usr/share/doc/sipfix/README.md \
        /usr/share/doc/sipfix/CHANGELOG.md /usr/share/doc/sipfix/LICENSE-MIT \
        /usr/share/doc/sipfix/LICENSE-APACHE /usr/share/doc/sipfix/copyright

    # Install it with dpkg into an empty root of its own (no chroot: works
    # as root and as a plain user), run it, remove it.
    root=$scratch/deb-$arch
    mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
    : >"$root/var/lib/dpkg/status"
    dpkg_root=(dpkg --root="$root" --log=/dev/null --force-not-root --force-depends
        --force-architecture --force-script-chrootless)
    check "$arch: dpkg -i into a scratch root" quiet "${dpkg_root[@]}" -i "$deb"
    check "$arch: dpkg records the installed files" \
        bash -c "$(printf '%q ' "${dpkg_root[@]}") -L sipfix | grep -qx /usr/bin/sipfix"
    if can_run "$arch"; then
        check "$arch: the installed /usr/bin/sipfix runs" show_ok "$arch" "$root/usr/bin/sipfix"
        check "$arch: the installed sipfix --version" version_ok "$arch" "$root/usr/bin/sipfix"
    fi
    check "$arch: installed man page is roff" man_ok "$root/usr/share/man/man1/sipfix.1.gz"
    check "$arch: installed bash completion" grep -q 'complete .*sipfix' "$root/usr/share/bash-completion/completions/sipfix"
    check "$arch: dpkg -r removes it" quiet "${dpkg_root[@]}" -r sipfix
    check "$arch: nothing left in /usr/bin" test ! -e "$root/usr/bin/sipfix"

    # RPM.
    rpm=$out/sipfix-$version-1.$arch.rpm
    check "$arch: $(basename "$rpm") exists" test -f "$rpm"
    check "$arch: rpm digests verify" bash -c "rpm -K --nosignature '$rpm' | grep -q 'digests OK'"
    info=$(rpm -qp --qf 'Name: %{NAME}\nVersion: %{VERSION}\nRelease: %{RELEASE}\nArch: %{ARCH}\nLicense: %{LICENSE}\nPayload: %{PAYLOADCOMPRESSOR}\n' "$rpm")
    check "$arch: .rpm header (name, version, arch, licence, gzip payload)" \
        lists_all "$info" "Name: sipfix" "Version: $version" "Release: 1" "Arch: $arch" \
        "License: MIT OR Apache-2.0" "Payload: gzip"
    check "$arch: .rpm requires nothing newer than glibc 2.17" \
        bash -c "rpm -qp --requires '$rpm' | grep -vq Zstd && rpm -qp --requires '$rpm' | grep -qx 'glibc >= 2.17'"
    listing=$(rpm -qpl "$rpm")
    check "$arch: rpm -qpl lists the binary, man page, completions, docs and licences" \
        lists_all "$listing" /usr/bin/sipfix /usr/share/man/man1/sipfix.1.gz \
        /usr/share/bash-completion/completions/sipfix /usr/share/zsh/site-functions/_sipfix \
        /usr/share/fish/vendor_completions.d/sipfix.fish /usr/share/doc/sipfix/README.md \
        /usr/share/doc/sipfix/CHANGELOG.md /usr/share/licenses/sipfix/LICENSE-MIT \
        /usr/share/licenses/sipfix/LICENSE-APACHE
    # rpm2cpio exits 1 on packages without an archive-size tag (which
    # cargo-generate-rpm does not write) after copying the whole payload.
    mkdir -p "$scratch/rpm-$arch"
    (cd "$scratch/rpm-$arch" && { rpm2cpio "$OLDPWD/$rpm" || true; } | cpio -idm --quiet)
    check "$arch: .rpm payload binary is the built one" cmp -s "$bin" "$scratch/rpm-$arch/usr/bin/sipfix"
    # Installing with rpm --root chroots, which needs root.
    if [ "$(id -u)" = 0 ]; then
        root=$scratch/rpm-root-$arch
        mkdir -p "$root"
        rpm_root=(rpm --root "$root")
        rpm_install() { "${rpm_root[@]}" --initdb && "${rpm_root[@]}" -i --nodeps --ignorearch --noscripts "$1"; }
        check "$arch: rpm -i into a scratch root" quiet rpm_install "$rpm"
        check "$arch: rpm -V: installed files match the package" quiet "${rpm_root[@]}" -V --nodeps sipfix
        if can_run "$arch"; then
            check "$arch: the rpm-installed /usr/bin/sipfix runs" show_ok "$arch" "$root/usr/bin/sipfix"
        fi
        check "$arch: rpm -e removes it" quiet "${rpm_root[@]}" -e --nodeps sipfix
    else
        echo "skip $arch: rpm -i into a scratch root needs root"
    fi
done

check "SHA256SUMS match" bash -c "cd '$out' && sha256sum --quiet -c SHA256SUMS"

# A source tree without .git (a tarball, `git archive`) builds, and its
# --version says it does not know the commit.
if [ "${SIPFIX_CHECK_SOURCE_BUILD:-1}" != 0 ] && git rev-parse HEAD >/dev/null 2>&1; then
    echo "== build from a source export without .git (debug build; SIPFIX_CHECK_SOURCE_BUILD=0 skips)"
    mkdir -p "$scratch/src"
    git archive --format=tar HEAD | tar -x -C "$scratch/src"
    export_target=$(realpath -m "$target_dir/source-export")
    # No debug info: this build only proves the export compiles and says
    # its commit is unknown; debug info would triple its size on disk.
    if (cd "$scratch/src" && CARGO_TARGET_DIR="$export_target" CARGO_PROFILE_DEV_DEBUG=0 \
        cargo build --locked --quiet --bin sipfix); then
        ok "source export builds"
        v=$(run "$(uname -m)" "$export_target/debug/sipfix" --version)
        echo "     $v"
        check "source export: --version says the commit is unknown" \
            test "$v" = "sipfix $version (commit unknown: built outside a git checkout)"
    else
        bad "source export builds"
    fi
fi

echo "check-dist: took ${SECONDS}s"
echo "check-dist: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
