#!/usr/bin/env bash
# Debian packages the test suite needs: real PostgreSQL (server and psql), MariaDB (server and CLI), FreeTDS tsql, openssl for test
# certificates. Run as root (CI is); the test fixtures also install these on demand when missing.
set -euo pipefail
packages=(postgresql postgresql-contrib postgresql-client openssl util-linux mariadb-server mariadb-client freetds-bin)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "system packages missing: ${missing[*]} (run as root, or: sudo apt-get install -y ${missing[*]})" >&2
  exit 1
fi
echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
