#!/bin/sh
# mmdebstrap's setup hook for every Debian base ($1 is the new root): the apt and dpkg settings Docker
# Hub's Debian images carry, so that `RUN apt-get update && apt-get install …` in a recipe, a lesson or
# a learner's Dockerfile behaves and costs as it does on Hub's.
set -eu
mkdir -p "$1/etc/apt/apt.conf.d" "$1/etc/dpkg/dpkg.cfg.d"

# apt's binary caches (about 90 MB) would land in every image layer that runs apt; the package files too.
cat > "$1/etc/apt/apt.conf.d/docker-clean" <<'CONF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CONF

# Package lists stay compressed on disk (a layer that forgets to delete them stays small), as gzip,
# which apt reads several times faster than xz.
cat > "$1/etc/apt/apt.conf.d/docker-gzip-indexes" <<'CONF'
Acquire::GzipIndexes "true";
Acquire::CompressionTypes::Order:: "gz";
CONF

# No translated package descriptions: nobody reads them in an image build.
cat > "$1/etc/apt/apt.conf.d/docker-no-languages" <<'CONF'
Acquire::Languages "none";
CONF

# `apt-get purge --auto-remove` really removes what an install pulled in, even if something suggests it.
cat > "$1/etc/apt/apt.conf.d/docker-autoremove-suggests" <<'CONF'
Apt::AutoRemove::SuggestsImportant "false";
CONF

# No fsync after every file dpkg unpacks: an image build that crashes is thrown away anyway.
echo force-unsafe-io > "$1/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
