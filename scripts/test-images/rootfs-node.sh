#!/usr/bin/env bash
# Makes the Node layer of the `node` test image in DIR (which must not exist): the host's Node 20 laid out like
# the official node:20-bookworm-slim image (which tests cannot pull): /usr/local/bin/node, npm and npx in
# /usr/local/lib/node_modules/npm with links in /usr/local/bin, and the headers node-gyp builds addons against
# in /usr/local/include/node (npm_config_nodedir=/usr/local). The host's node is dynamically linked against
# libc, libstdc++ and libgcc_s only, which the Debian minbase layer below it has.
# To keep the layer small, OpenSSL's per-platform configuration headers are kept for linux-x86_64 only
# (51 of the 54 MB of headers are the other 20 platforms').
# The host's CA bundle goes to /usr/local/share/host-ca/ca-certificates.crt (the image sets NODE_EXTRA_CA_CERTS to
# it): where the host reaches registry.npmjs.org through a TLS-intercepting proxy, `npm ci` in a RUN needs to
# trust that proxy's CA as the host does. On a machine without one it only repeats public roots Node has anyway.
set -euo pipefail
dir=${1:?usage: rootfs-node.sh DIR}
node=/usr/bin/node
npm=/usr/lib/node_modules/npm
headers=/usr/include/node
for p in "$node" "$npm/bin/npm-cli.js" "$headers/node_api.h" "$headers/common.gypi"; do
  [[ -e $p ]] || { echo "rootfs-node: $p missing: the host's Node 20 (package nodejs) with npm and headers is needed" >&2; exit 1; }
done

mkdir -p "$dir/usr/local/bin" "$dir/usr/local/include" "$dir/usr/local/lib/node_modules"
install -m 0755 "$node" "$dir/usr/local/bin/node"
cp -a "$npm" "$dir/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$dir/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$dir/usr/local/bin/npx"
cp -a "$headers" "$dir/usr/local/include/node"
find "$dir/usr/local/include/node/openssl/archs" -mindepth 1 -maxdepth 1 ! -name linux-x86_64 -exec rm -rf {} +
mkdir -p "$dir/usr/local/share/host-ca"
install -m 0644 /etc/ssl/certs/ca-certificates.crt "$dir/usr/local/share/host-ca/ca-certificates.crt"
chown -R 0:0 "$dir"
