import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseOutput } from '../../src/cli/output-flag.js';
import { FlagError } from '../../src/errors.js';

const cwd = mkdtempSync(path.join(tmpdir(), 'output-flag-'));
mkdirSync(path.join(cwd, 'adir'));
const env = { cwd, stdoutIsTTY: false };

test('type=local: dest made absolute; dest required; no stdout', () => {
  assert.deepEqual(parseOutput('type=local,dest=out', env), { type: 'local', dest: path.join(cwd, 'out') });
  assert.throws(() => parseOutput('type=local', env), /--output type=local needs dest=DIR/);
  assert.throws(() => parseOutput('type=local,dest=-', env), /cannot write to stdout/);
});

test('unknown key: did-you-mean, also for swapped letters', () => {
  assert.throws(() => parseOutput('type=local,dets=out', env), (e: unknown) => {
    assert.ok(e instanceof FlagError);
    assert.equal(e.message, 'unknown key "dets" in --output type=local (did you mean "dest"?)');
    return true;
  });
  assert.throws(() => parseOutput('type=image,nmae=x', env), /unknown key "nmae" in --output type=image \(did you mean "name"\?\)/);
  assert.throws(() => parseOutput('type=tar,dest=x,push=true', env), /unknown key "push" in --output type=tar/);
  assert.throws(() => parseOutput('type=local,output=x', env), /did you mean dest=x\?/);
});

test('type missing or unknown', () => {
  assert.throws(() => parseOutput('dest=out', env), /missing type=<type>/);
  assert.throws(() => parseOutput('type=lcoal,dest=x', env), /unknown --output type "lcoal" \(did you mean "local"\?\)/);
  assert.throws(() => parseOutput('type=cacheonly', env), /not supported/);
});

test('type=tar: dest=- and no dest mean stdout; refused on a terminal; a directory is refused', () => {
  assert.deepEqual(parseOutput('type=tar,dest=-', env), { type: 'tar', dest: '-' });
  assert.deepEqual(parseOutput('type=tar', env), { type: 'tar', dest: '-' });
  assert.deepEqual(parseOutput('type=tar,dest=x.tar', env), { type: 'tar', dest: path.join(cwd, 'x.tar') });
  assert.throws(() => parseOutput('type=tar,dest=-', { cwd, stdoutIsTTY: true }), /refusing to write a tar stream to the terminal/);
  assert.throws(() => parseOutput('type=tar,dest=adir', env), /is a directory/);
});

test('type=oci / docker: defaults and every key', () => {
  const oci = parseOutput('type=oci,dest=img.tar,name=a:1', env);
  assert.deepEqual(oci, {
    type: 'oci', dest: path.join(cwd, 'img.tar'), tar: true, names: ['a:1'], compression: 'gzip',
    forceCompression: false, ociMediaTypes: true, annotations: {},
  });
  const docker = parseOutput('type=docker,dest=-,"name=a,b",compression=zstd,compression-level=3,force-compression=true,annotation.org.x=1', env);
  assert.equal(docker.type, 'docker');
  if (docker.type !== 'docker') return;
  assert.deepEqual(docker.names, ['a', 'b']);
  assert.equal(docker.compression, 'zstd');
  assert.equal(docker.compressionLevel, 3);
  assert.equal(docker.forceCompression, true);
  assert.equal(docker.ociMediaTypes, true, 'zstd needs OCI media types');
  assert.deepEqual(docker.annotations, { 'org.x': '1' });
  const layout = parseOutput('type=oci,tar=false,dest=layout', env);
  assert.ok(layout.type === 'oci' && layout.tar === false && layout.dest === path.join(cwd, 'layout'));
  assert.throws(() => parseOutput('type=oci,tar=false', env), /needs dest=DIR/);
});

test('bad values name the key and what is expected', () => {
  assert.throws(() => parseOutput('type=oci,dest=x,compression=estargz', env), /invalid value "estargz" for "compression" in --output type=oci: expected one of gzip, zstd, uncompressed \(estargz is not supported\)/);
  assert.throws(() => parseOutput('type=oci,dest=x,tar=maybe', env), /invalid value "maybe" for "tar".*expected true or false/);
  assert.throws(() => parseOutput('type=oci,dest=x,compression-level=high', env), /for "compression-level"/);
  assert.throws(() => parseOutput('type=oci,dest=x,compression-level=12', env), /gzip levels go from 0 to 9/);
});

test('type=image and registry (= image,push=true)', () => {
  const img = parseOutput('type=image,"name=r/a:1,r/b:2",push=true,registry.insecure=true,unpack=,oci-mediatypes=false', env);
  assert.deepEqual(img, {
    type: 'image', push: true, names: ['r/a:1', 'r/b:2'], compression: 'gzip', forceCompression: false,
    ociMediaTypes: false, annotations: {}, pushByDigest: false, nameCanonical: false, registryInsecure: true,
    unpack: true, store: true,
  });
  const reg = parseOutput('type=registry,name=r/a', env);
  assert.ok(reg.type === 'image' && reg.push === true);
  const noPush = parseOutput('type=registry,name=r/a,push=false', env);
  assert.ok(noPush.type === 'image' && noPush.push === false);
  assert.throws(() => parseOutput('type=registry', env), /push=true needs name=REF/);
  const byDigest = parseOutput('type=image,push=true,push-by-digest=true,dangling-name-prefix=x', env);
  assert.ok(byDigest.type === 'image' && byDigest.pushByDigest === true && byDigest.danglingNamePrefix === 'x');
});
