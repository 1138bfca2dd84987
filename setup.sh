#!/usr/bin/env bash
# Set supforms up on a fresh Debian or Ubuntu machine, then run the main job:
# generate the three blank forms into output/.
#
# System packages: fonts-dejavu-core (the Unicode font the forms embed); for the
# tests, poppler-utils (render, read), pdftk-java and ghostscript (fill, "print to
# PDF"), postgresql (a throwaway server started by .ci/postgres), qpdf and
# mupdf-tools (which check every generated PDF for faults), dovecot-imapd (an IMAP
# server the mailbox tests start on loopback themselves, with their own
# configuration: no system service), a Java runtime with Maven, which fetch
# veraPDF (the PDF/UA validator) for the tests (.ci/verapdf), and Chromium with
# Node.js and npm, which run pdf.js (Firefox's PDF viewer) on the forms for the tests
# (tests/pdfjs: pdf.js, puppeteer-core and axe-core from npm, at the versions its lock file
# pins), and axe-core checks the web pages there.
# Python packages go into .venv, with the development extras the tests need.
set -euo pipefail
cd "$(dirname "$0")"

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "setup.sh: supforms needs Python 3.11 or newer" >&2; exit 1; }

packages=(fonts-dejavu-core poppler-utils pdftk-java ghostscript postgresql qpdf mupdf-tools
  dovecot-imapd chromium)
command -v java >/dev/null || packages+=(default-jre-headless)  # any Java 11+ will do
command -v mvn >/dev/null || packages+=(maven)
command -v npm >/dev/null || packages+=(nodejs npm)  # any Node.js 18+ will do
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup.sh: installing ${missing[*]} (apt; this takes a few minutes)" >&2
  # Another apt (an unattended upgrade) may hold the lock: wait for it, at most 10 minutes.
  lock=(-o DPkg::Lock::Timeout=600)
  if fuser /var/lib/dpkg/lock-frontend /var/lib/apt/lists/lock >/dev/null 2>&1; then
    echo "setup.sh: another apt is running; waiting for it to finish (at most 10 minutes)" >&2
  fi
  $sudo apt-get "${lock[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get "${lock[@]}" install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
  # Installed only for the tests, which start their own: no mail service on this machine.
  if [[ " ${missing[*]} " == *" dovecot-imapd "* ]] && command -v systemctl >/dev/null; then
    $sudo systemctl disable --now dovecot.service dovecot.socket >/dev/null 2>&1 || true
  fi
fi

echo "setup.sh: Python packages into .venv (pip)" >&2
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
echo "setup.sh: pdf.js and puppeteer-core for the tests (npm)" >&2
# No browser download: puppeteer-core drives Debian's Chromium.
(cd tests/pdfjs && npm ci --omit=optional --no-audit --no-fund --loglevel=error >/dev/null)

echo "setup.sh: generating the blank forms into output/" >&2
for form in $(.venv/bin/supforms forms --ids); do
  .venv/bin/supforms generate "$form" --out output
done
echo "setup.sh: done. Run the tests with .venv/bin/pytest; the command is .venv/bin/supforms" >&2
