#!/bin/sh
# Installs the Debian packages wsclose needs to build and test (Debian 12 or later).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# shellcheck disable=SC2046
$sudo apt-get install -y -q $(cat "$here/deps-debian.txt")
