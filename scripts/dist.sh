#!/usr/bin/env bash
# Build sipfix for jump hosts: a release binary linked against glibc 2.17
# (runs on every x86_64 Linux from RHEL/CentOS 7 and Ubuntu 18.04 on), the
# same for aarch64 when its Rust standard library can be installed, and for
# each: a .tar.gz, a .deb and an .rpm with the man page, bash/zsh/fish
# completions, README, CHANGELOG and licences.
#
#   scripts/dist.sh            # everything, into target/dist/
#   SIPFIX_DIST_TARGETS=x86_64 scripts/dist.sh   # x86_64 only
#
# Tools it needs are installed when missing, at pinned versions: the Zig
# toolchain (the `ziglang` wheel from PyPI, into a cache directory),
# cargo-zigbuild, cargo-deb and cargo-generate-rpm (`cargo install --locked`).
# Check the result with scripts/check-dist.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

ZIGLANG_VERSION=0.15.2
CARGO_ZIGBUILD_VERSION=0.24.1
CARGO_DEB_VERSION=3.8.0
CARGO_GENERATE_RPM_VERSION=0.21.1
GLIBC_VERSION=2.17

say() { printf 'dist: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
[ -n "$version" ] || die "no version in Cargo.toml"
target_dir=${CARGO_TARGET_DIR:-target}
out=target/dist
gen=$out/gen
tools=${SIPFIX_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sipfix-dist}

# --- tools -----------------------------------------------------------------

# The version a tool reports, or nothing.
tool_version() { "$@" 2>/dev/null | grep -o '[0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*' | head -1 || true; }

ensure_cargo_tool() { # crate version binary
    local have
    have=$(tool_version "$3" --version)
    if [ "$have" = "$2" ]; then
        say "$1 $2 present"
    else
        say "installing $1 $2${have:+ (found $have)}"
        cargo install --locked --quiet "$1" --version "$2"
    fi
}

zigdir=$tools/ziglang-$ZIGLANG_VERSION
if [ "$(tool_version "$zigdir/ziglang/zig" version)" = "$ZIGLANG_VERSION" ]; then
    say "zig $ZIGLANG_VERSION present"
else
    say "installing zig $ZIGLANG_VERSION (PyPI ziglang) into $zigdir"
    command -v python3 >/dev/null || die "python3 with pip is needed to install zig"
    rm -rf "$zigdir"
    python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
        --target "$zigdir" "ziglang==$ZIGLANG_VERSION"
fi
# cargo-zigbuild looks for `python3 -m ziglang` first, then `zig`: make both
# find the pinned copy, whatever else is installed.
export PYTHONPATH="$zigdir${PYTHONPATH:+:$PYTHONPATH}"
export CARGO_ZIGBUILD_ZIG_PATH="$zigdir/ziglang/zig"

ensure_cargo_tool cargo-zigbuild "$CARGO_ZIGBUILD_VERSION" cargo-zigbuild
ensure_cargo_tool cargo-deb "$CARGO_DEB_VERSION" cargo-deb
ensure_cargo_tool cargo-generate-rpm "$CARGO_GENERATE_RPM_VERSION" cargo-generate-rpm

# --- targets ---------------------------------------------------------------

# Rust triple, Debian architecture, RPM architecture.
declare -A DEB_ARCH=([x86_64]=amd64 [aarch64]=arm64)
wanted=${SIPFIX_DIST_TARGETS:-x86_64 aarch64}
arches=()
for a in $wanted; do
    [ -n "${DEB_ARCH[$a]:-}" ] || die "unknown target '$a' (x86_64, aarch64)"
    if rustup target list --installed 2>/dev/null | grep -qx "$a-unknown-linux-gnu"; then
        arches+=("$a")
    elif rustup target add "$a-unknown-linux-gnu" >&2; then
        arches+=("$a")
    elif [ "$a" = x86_64 ]; then
        die "cannot install the Rust standard library for x86_64-unknown-linux-gnu"
    else
        say "skipping $a: its Rust standard library cannot be installed here (rustup target add $a-unknown-linux-gnu failed)"
    fi
done
[ ${#arches[@]} -gt 0 ] || die "nothing to build"

# --- build -----------------------------------------------------------------

zig_targets=()
for a in "${arches[@]}"; do zig_targets+=(--target "$a-unknown-linux-gnu.$GLIBC_VERSION"); done
say "building ${arches[*]} (glibc $GLIBC_VERSION)"
cargo zigbuild --locked --release "${zig_targets[@]}"

rm -rf "$out"
mkdir -p "$gen"
# Man page and completions come from the binary itself; any build that runs
# here will do (the x86_64 one when this machine is x86_64).
host_bin=$target_dir/$(uname -m)-unknown-linux-gnu/release/sipfix
[ -x "$host_bin" ] || host_bin=$target_dir/x86_64-unknown-linux-gnu/release/sipfix
"$host_bin" man | gzip -n -9 > "$gen/sipfix.1.gz"
"$host_bin" completions bash > "$gen/sipfix.bash"
"$host_bin" completions zsh > "$gen/_sipfix"
"$host_bin" completions fish > "$gen/sipfix.fish"

# Reproducible archives: file times from the last commit.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

for a in "${arches[@]}"; do
    triple=$a-unknown-linux-gnu
    bin=$target_dir/$triple/release/sipfix
    [ -x "$bin" ] || die "$bin was not built"

    # Tarball: a prefix layout, so `tar -xzf ... -C ~/.local --strip-components=1`
    # puts everything where man, bash-completion and fish look.
    name=sipfix-$version-$a-linux-gnu
    stage=$out/stage/$name
    mkdir -p "$stage/bin" "$stage/share/man/man1" "$stage/share/bash-completion/completions" \
        "$stage/share/zsh/site-functions" "$stage/share/fish/vendor_completions.d" \
        "$stage/share/doc/sipfix"
    install -m 755 "$bin" "$stage/bin/sipfix"
    install -m 644 "$gen/sipfix.1.gz" "$stage/share/man/man1/sipfix.1.gz"
    install -m 644 "$gen/sipfix.bash" "$stage/share/bash-completion/completions/sipfix"
    install -m 644 "$gen/_sipfix" "$stage/share/zsh/site-functions/_sipfix"
    install -m 644 "$gen/sipfix.fish" "$stage/share/fish/vendor_completions.d/sipfix.fish"
    install -m 644 README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE "$stage/share/doc/sipfix/"
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
        -C "$out/stage" -cf - "$name" | gzip -n -9 > "$out/$name.tar.gz"

    # The binary is stripped by the release profile; the packagers must not
    # run the host's strip on another architecture.
    cargo deb --no-build --no-strip --locked --target "$triple" --compress-type xz --output "$out/" >/dev/null
    # gzip payload: RPM before 4.14 (RHEL 7) cannot read zstd.
    cargo generate-rpm --target "$triple" --payload-compress gzip --output "$out/" >/dev/null
done
rm -rf "$out/stage"

(cd "$out" && sha256sum -- *.tar.gz *.deb *.rpm > SHA256SUMS)
say "done: $out/"
ls -l "$out" >&2
