#!/usr/bin/env bash
# Installs the Debian package into a clean Debian 12 (bookworm) root and runs it there, as a user would:
#   1. builds the package (cpack in build/release), unless --deb gives one;
#   2. makes a minimal root with debootstrap, from the Debian mirror this machine's apt uses;
#   3. installs the .deb inside it with `apt-get install --no-install-recommends ./resnet-lens_*.deb`, so
#      every library must come from the package's Depends alone;
#   4. runs there: resnet-lens-cli --version, inspect and classify (on tests/data/grace_hopper.jpg with a
#      seeded resnet18 checkpoint made here by python3-torchvision, whose top-1 class classify must match),
#      classify --device cuda (which loads LibTorch's part of the engine to say there is no GPU),
#      and the app's --startup-time under Xvfb (the root's own xvfb package, installed after the checks
#      above so that it cannot satisfy the package's dependencies).
# The mounts and the root are removed on exit, also on failure. Needs root, debootstrap, python3-torch,
# python3-torchvision and python3-pil (PYTHON, default /usr/bin/python3), a few minutes and about 1.5 GB in
# WORK_DIR (default: a new folder in /var/tmp; one that exists keeps everything but what this script
# writes there). Not part of ctest.
#
# Usage: packaging/test-install.sh [--deb FILE] [--mirror URL] [--keep] [WORK_DIR]
#   --deb FILE    test this package instead of building one
#   --mirror URL  Debian mirror (default: the one in /etc/apt/sources.list*)
#   --keep        leave the root in WORK_DIR for a look around (the mounts are removed all the same)
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-/usr/bin/python3}
deb="" mirror="" keep=0 work=""
while (($#)); do
    case "$1" in
        --deb) deb=$(realpath "$2"); shift 2 ;;
        --mirror) mirror=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) echo "test-install.sh: unknown option $1" >&2; exit 1 ;;
        *) work=$1; shift ;;
    esac
done
if [[ $(id -u) -ne 0 ]]; then
    echo "test-install.sh: needs root (debootstrap, chroot, mount)" >&2
    exit 1
fi
for tool in debootstrap "$python" chroot mount; do
    command -v "$tool" >/dev/null || { echo "test-install.sh: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done
own_work=0 # remove WORK_DIR itself at the end only if this script made it
if [[ -z "$work" ]]; then
    work=$(mktemp -d /var/tmp/resnet-lens-install.XXXXXX)
    own_work=1
elif [[ ! -e "$work" ]]; then
    mkdir -p "$work"
    own_work=1
fi
work=$(realpath "$work")
root=$work/root
start=$SECONDS

step() { printf '\n=== %s (%ds)\n' "$*" $((SECONDS - start)); }

# The mirror the host's apt uses for bookworm (one-line or deb822 sources), and its security mirror.
apt_source() { # SUITE
    "$python" - "$1" <<'EOF'
import glob, re, sys
suite = sys.argv[1]
for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*")):
    try:
        text = open(path).read()
    except OSError:
        continue
    if path.endswith(".sources"):
        for stanza in re.split(r"\n\s*\n", text):
            fields = dict(re.findall(r"^(\w[\w-]*):\s*(.*)$", stanza, re.M))
            if "deb" in fields.get("Types", "").split() and suite in fields.get("Suites", "").split():
                print(fields["URIs"].split()[0]); sys.exit()
    else:
        for line in text.splitlines():
            words = re.sub(r"\[[^]]*\]", "", line.split("#")[0]).split()
            if len(words) >= 3 and words[0] == "deb" and words[2] == suite:
                print(words[1]); sys.exit()
EOF
}
mirror=${mirror:-$(apt_source bookworm)}
security=$(apt_source bookworm-security)
if [[ -z "$mirror" ]]; then
    echo "test-install.sh: no bookworm mirror in /etc/apt/sources.list*; give one with --mirror URL" >&2
    exit 1
fi

mounted=()
cleanup() {
    local status=$?
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" || true
    done
    if grep -q " $root/" /proc/mounts 2>/dev/null; then
        echo "test-install.sh: something is still mounted under $root; not removing it" >&2
    elif ((keep)); then
        echo "The root is kept in $root"
    elif ((own_work)); then
        rm -rf "$work"
    else
        rm -rf "$root" "$work/data" "$work/debootstrap.log" "$work/apt.log"
    fi
    ((status == 0)) && echo "test-install.sh: all checks passed in $((SECONDS - start)) s" \
                    || echo "test-install.sh: FAILED (exit $status) after $((SECONDS - start)) s" >&2
}
trap cleanup EXIT
mount_in_root() { # TARGET, then the arguments of mount
    local target=$root$1
    shift
    mount "$@" "$target"
    mounted+=("$target")
}
in_root() {
    chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive "$@"
}

if [[ -z "$deb" ]]; then
    step "Building the package (cpack in build/release)"
    (cd "$source_dir" && cmake --preset release >/dev/null && cmake --build --preset release)
    (cd "$source_dir/build/release" && cpack)
    deb=$(ls -t "$source_dir"/build/release/resnet-lens_*.deb | head -1)
fi
echo "Package: $deb ($(du -h "$deb" | cut -f1)), Installed-Size: $(dpkg-deb -f "$deb" Installed-Size) KiB"

step "Making a seeded resnet18 test checkpoint with the host's torchvision"
mkdir -p "$work/data"
cp "$source_dir/tests/data/grace_hopper.jpg" "$work/data/"
"$python" - "$work/data" <<'EOF'
import sys
import torch, torchvision
from PIL import Image
from torchvision import transforms

torch.manual_seed(0)
model = torchvision.models.resnet18().eval()
torch.save(model.state_dict(), f"{sys.argv[1]}/resnet18_seeded.pth")
preprocess = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
                                 transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
image = preprocess(Image.open(f"{sys.argv[1]}/grace_hopper.jpg").convert("RGB")).unsqueeze(0)
with torch.no_grad():
    top1 = int(model(image).argmax())
open(f"{sys.argv[1]}/torchvision_top1", "w").write(f"{top1}\n")
print(f"torchvision's top-1 class index: {top1}")
EOF

step "debootstrap bookworm from $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log"; exit 1; }
{
    echo "deb $mirror bookworm main"
    echo "deb $mirror bookworm-updates main"
    [[ -n "$security" ]] && echo "deb $security bookworm-security main"
} >"$root/etc/apt/sources.list"
cat "$root/etc/apt/sources.list"
mount_in_root /proc -t proc proc
mount_in_root /sys -t sysfs sysfs
mount_in_root /dev --bind /dev
mount --make-rslave "$root/dev" # mounts below it never reach the host's /dev
mount_in_root /dev/pts --bind /dev/pts
cp /etc/resolv.conf "$root/etc/resolv.conf"

step "apt-get install --no-install-recommends ./$(basename "$deb") in the clean root"
mkdir -p "$root/tmp/test"
cp "$deb" "$work/data/"* "$root/tmp/test/"
in_root apt-get update -q >"$work/apt.log"
in_root sh -c "cd /tmp/test && apt-get install -y -q --no-install-recommends ./$(basename "$deb")" \
    >>"$work/apt.log" 2>&1 || { tail -30 "$work/apt.log"; exit 1; }
grep -E "newly installed|^Setting up resnet-lens" "$work/apt.log"
# shellcheck disable=SC2016 # dpkg-query's own ${...} fields
echo "Installed in the root: $(in_root dpkg-query -W -f='${Package} ${Version}, ${Installed-Size} KiB' \
    "$(dpkg-deb -f "$deb" Package)")"

step "Files the package installed (besides the executables)"
package=$(dpkg-deb -f "$deb" Package)
in_root dpkg -L "$package" | grep -E "/(man1|doc/$package|applications|metainfo|apps)/." | sed 's/^/  /'

step "resnet-lens-cli --version, resnet-lens --version (no display)"
version=$(dpkg-deb -f "$deb" Version)
for program in resnet-lens-cli resnet-lens; do
    printed=$(in_root "$program" --version)
    echo "$printed"
    [[ "$printed" == "$program ${version%-*}" ]] || { echo "expected: $program ${version%-*}" >&2; exit 1; }
done

step "resnet-lens-cli inspect resnet18_seeded.pth"
report=$(in_root resnet-lens-cli inspect /tmp/test/resnet18_seeded.pth)
sed -n '1,/^ *loads:/p' <<<"$report"
# The table after the "name shape dtype ..." header has one row per tensor, as many as the summary counts.
listed=$(awk '/^name +shape /{table = 1; next} table && NF' <<<"$report" | wc -l)
counted=$(sed -n 's/^ *tensors: *\([0-9]*\),.*/\1/p' <<<"$report")
echo "  ... and $listed tensors listed with their statistics"
grep -q "loads: *strict" <<<"$report"
[[ "$listed" -eq "$counted" && "$listed" -gt 0 ]] || { echo "the summary counts $counted tensors" >&2; exit 1; }

step "resnet-lens-cli classify --weights resnet18_seeded.pth grace_hopper.jpg"
in_root resnet-lens-cli classify --weights /tmp/test/resnet18_seeded.pth /tmp/test/grace_hopper.jpg
json=$(in_root resnet-lens-cli classify --json --weights /tmp/test/resnet18_seeded.pth /tmp/test/grace_hopper.jpg)
top1=$("$python" -c 'import json, sys; print(json.loads(sys.argv[1])["top"][0]["index"])' "$json")
expected=$(cat "$work/data/torchvision_top1")
if [[ "$top1" != "$expected" ]]; then
    echo "classify's top-1 class is $top1, torchvision's $expected" >&2
    exit 1
fi
echo "top-1 class $top1, as torchvision"

step "resnet-lens-cli classify --device cuda (LibTorch's part of the engine, resnet-lens-torch.so, loads)"
# Debian's LibTorch has no CUDA: the installed library is found and LibTorch answers for the device.
said=$(in_root resnet-lens-cli classify --device cuda --weights /tmp/test/resnet18_seeded.pth \
    /tmp/test/grace_hopper.jpg 2>&1 || true)
echo "$said"
grep -q "no CUDA GPU is available" <<<"$said" || { echo "LibTorch's part did not answer" >&2; exit 1; }

step "resnet-lens --startup-time under Xvfb (xvfb installed in the root for this check)"
in_root apt-get install -y -q --no-install-recommends xvfb xauth >/dev/null
# A display number of its own: the root shares the host's network namespace, so its X sockets too.
seconds=$(in_root timeout 120 xvfb-run -n $((200 + $$ % 700)) -s "-screen 0 1400x900x24" resnet-lens --startup-time)
echo "window on screen after $seconds s"
[[ "$seconds" =~ ^[0-9]+\.[0-9]+$ ]]
