# Shared by the two set-up scripts: install what a fresh Debian machine lacks.
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
  local missing=()
  for pkg in "$@"; do
    # A kubectl from elsewhere (snap, a cloud SDK, a download) serves as well; installing Debian's over it fails in dpkg.
    [ "$pkg" = kubernetes-client ] && command -v kubectl >/dev/null 2>&1 && continue
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $apt_updated -eq 0 ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  echo "installing ${missing[*]} ..."
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

require_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    apt_install dotnet-sdk-10.0 2>/dev/null || {
      echo "error: the .NET 10 SDK is needed (https://learn.microsoft.com/dotnet/core/install/linux-debian)" >&2
      exit 1
    }
  fi
}
