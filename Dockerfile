# The tool's own image, built by the tool itself (scripts/dogfood.sh):
#
#   scripts/buildctl-daemonless.sh build --frontend dockerfile.v0 --local context=. --local dockerfile=. \
#     --output type=oci,dest=buildctl.tar                      # root image (like moby/buildkit:latest)
#   ... --opt target=rootless --output type=oci,dest=buildctl-rootless.tar   # like moby/buildkit:rootless
#
# Both images have `buildctl-daemonless.sh` as their entrypoint; README.md ("Container image") shows how to run
# them. Base images are build args, so a mirror or a local copy can stand in for Docker Hub:
#   --opt build-arg:NODE_IMAGE=...    Node >= 20.19 on Debian 12, node in /usr/local/bin, headers in /usr/local/include/node
#   --opt build-arg:DEBIAN_IMAGE=...  Debian 12 (bookworm): the runtime images' base
ARG NODE_IMAGE=node:20-bookworm-slim
ARG DEBIAN_IMAGE=debian:bookworm-slim

# `apt-get clean` as well as removing the lists: Debian's official images clean apt's cache by configuration
# (docker-clean), other Debian bases do not.

# ---- build: compile and bundle the CLI; compile the zstd-napi addon ----
FROM ${NODE_IMAGE} AS build
# zstd-napi's install runs `prebuild-install || node-gyp rebuild`: without a prebuilt binary it compiles, against
# the image's own Node headers (npm_config_nodedir), with python3, make and g++.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
ENV npm_config_update_notifier=false
WORKDIR /src
COPY package.json package-lock.json ./
# With RUN --mount support this becomes `RUN --mount=type=cache,target=/root/.npm npm ci ...`.
RUN npm_config_nodedir=/usr/local npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
# tsc + esbuild: dist/buildctl-main.cjs holds the whole CLI except zstd-napi (a native addon, external), with its V8
# code cache beside it (made for this Node, which the runtime images copy); dist/buildctl.mjs loads it. The runtime
# tree is therefore the bundle and the addon's files only: what `npm prune --omit=dev` would keep besides them
# (yargs, undici, tar, ...) is already inside the bundle.
RUN npm run build \
 && mkdir -p /opt/buildctl/dist /opt/buildctl/bin /opt/buildctl/scripts /opt/buildctl/node_modules/zstd-napi/build/Release \
 && cp package.json /opt/buildctl/ \
 && cp dist/buildctl.mjs dist/buildctl-main.cjs dist/buildctl-main.cjs.*.v8cache /opt/buildctl/dist/ \
 && cp bin/buildctl /opt/buildctl/bin/ \
 && cp scripts/buildctl-daemonless.sh /opt/buildctl/scripts/ \
 && cd node_modules/zstd-napi \
 && cp -r package.json LICENSE binding.js dist /opt/buildctl/node_modules/zstd-napi/ \
 && cp build/Release/binding.node /opt/buildctl/node_modules/zstd-napi/build/Release/ \
 && node -e "require('/opt/buildctl/node_modules/zstd-napi')"

# ---- base: what both runtime images share ----
FROM ${DEBIAN_IMAGE} AS base
# runc runs each RUN; GNU tar, pigz and zstd (un)pack layers; attr's getfattr/setfattr carry xattrs; mount is
# util-linux's (overlay mounts); git and ca-certificates for sources fetched over https; openssh-client's
# ssh-agent serves --ssh ID=KEYFILE.
RUN apt-get update \
 && apt-get install -y --no-install-recommends runc tar pigz zstd attr mount ca-certificates git openssh-client \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/node /usr/local/bin/node
COPY --from=build /opt/buildctl /opt/buildctl
# The script finds dist/buildctl.mjs relative to itself through the links.
RUN ln -s /opt/buildctl/scripts/buildctl-daemonless.sh /usr/local/bin/buildctl-daemonless.sh \
 && ln -s /opt/buildctl/bin/buildctl /usr/local/bin/buildctl \
 && buildctl --version
ENTRYPOINT ["buildctl-daemonless.sh"]

# ---- rootless: like moby/buildkit:rootless (--opt target=rootless) ----
FROM base AS rootless
# rootlesskit makes the user namespace the whole build runs in; newuidmap/newgidmap map the user's subordinate
# ids into it; slirp4netns and ip for BUILDKITD_FLAGS=--oci-worker-net=slirp4netns.
# newuidmap/newgidmap get file capabilities (cap_setuid/cap_setgid) instead of the setuid bit: Debian 12's are
# built without shadow's capability code, so as setuid root they write the id maps with euid 0 instead of the
# caller's uid, which the kernel only allows with CAP_SYS_ADMIN, and Docker's default capabilities have no
# CAP_SYS_ADMIN (`newuidmap: write to uid_map failed: Operation not permitted`). With file capabilities they
# run as the user, who owns the new namespace, and need only CAP_SETUID/CAP_SETGID, which Docker's defaults have.
# libcap2-bin stays: `buildctl-daemonless.sh doctor` checks those capabilities with getcap.
RUN apt-get update \
 && apt-get install -y --no-install-recommends rootlesskit uidmap slirp4netns iproute2 libcap2-bin \
 && chmod u-s /usr/bin/newuidmap /usr/bin/newgidmap \
 && setcap cap_setuid=ep /usr/bin/newuidmap \
 && setcap cap_setgid=ep /usr/bin/newgidmap \
 && apt-get clean && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 1000 --user-group --create-home --home-dir /home/user --shell /bin/sh user \
 && echo user:100000:65536 > /etc/subuid \
 && echo user:100000:65536 > /etc/subgid \
 && mkdir -p /run/user/1000 /home/user/.local/share/buildkit \
 && chown -R user:user /run/user/1000 /home/user \
 && chmod 0700 /run/user/1000
USER 1000:1000
ENV HOME=/home/user USER=user XDG_RUNTIME_DIR=/run/user/1000
# An unprivileged container's /proc cannot be mounted again (Docker masks parts of it): RUN steps share the
# container's pid namespace and /proc instead, as BuildKit's rootless image documents for this flag.
ENV BUILDKITD_FLAGS=--oci-worker-no-process-sandbox
# The ephemeral state dir of a build goes to $TMPDIR: on the volume, not on the container's overlayfs (where
# overlay snapshots cannot be made and the copying snapshotter would be used). `--root` there keeps it.
ENV TMPDIR=/home/user/.local/share/buildkit
VOLUME /home/user/.local/share/buildkit

# ---- root (the default target): like moby/buildkit:latest ----
FROM base AS root
RUN mkdir -p /var/lib/buildkit
# As in the rootless image: the ephemeral state dir on the volume, not on the container's overlayfs.
ENV TMPDIR=/var/lib/buildkit
VOLUME /var/lib/buildkit
