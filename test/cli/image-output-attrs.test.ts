/** The image exporter's keys at the CLI edge: annotation forms, image names, push-by-digest and dangling names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOutput } from '../../src/cli/output-flag.js';
import { FlagError } from '../../src/errors.js';
import type { ImageOutput } from '../../src/build/request.js';

const env = { cwd: '/tmp', stdoutIsTTY: false };
const image = (v: string): ImageOutput => parseOutput(v, env) as ImageOutput;
const flagError = (v: string, message: string): void => {
  assert.throws(() => parseOutput(v, env), (e: unknown) => e instanceof FlagError && e.message === message);
};

test('annotation forms: plain and manifest are the manifest; [PLATFORM] applies only to linux/amd64 and wins', () => {
  const out = image([
    'type=image,name=r.example/a:v1',
    'annotation.a=plain', 'annotation-manifest.b=manifest', 'annotation-manifest[linux/x86_64].c=alias',
    'annotation-manifest[linux/arm64].d=other', 'annotation-manifest[linux/amd64].a=specific',
    'annotation-manifest-descriptor.e=desc', 'annotation-manifest-descriptor[linux/arm/v7].f=other',
  ].join(','));
  assert.deepEqual(out.annotations, { a: 'specific', b: 'manifest', c: 'alias' });
  assert.deepEqual(out.manifestDescriptorAnnotations, { e: 'desc' });
});

test('the same forms on type=oci; keys may hold dots', () => {
  const out = parseOutput('type=oci,dest=/tmp/x.tar,annotation-manifest.org.opencontainers.image.title=t', env);
  assert.equal(out.type, 'oci');
  assert.deepEqual((out as { annotations: Record<string, string> }).annotations, { 'org.opencontainers.image.title': 't' });
});

test('index annotations, bad platforms and unknown annotation kinds are refused with one line', () => {
  flagError('type=image,name=a,annotation-index.x=y', 'annotation-index.x in --output type=image: index annotations not supported for single platform export');
  flagError('type=image,name=a,annotation-index-descriptor[linux/amd64].x=y', 'annotation-index-descriptor[linux/amd64].x in --output type=image: index annotations not supported for single platform export');
  flagError('type=image,name=a,annotation-manifest[linux].x=y', 'invalid platform "linux" in annotation-manifest[linux].x in --output type=image: expected OS/ARCH[/VARIANT], e.g. linux/amd64');
  assert.throws(() => parseOutput('type=image,name=a,annotation-config.x=y', env), /unknown key "annotation-config.x"/);
});

test('names: invalid ones fail before the build; push-by-digest refuses a tag; dangling-name-prefix stands in for a name', () => {
  flagError('type=image,name=reg.example/Upper:v1,push=true', '--output type=image: invalid reference format "reg.example/Upper:v1": repository name must be lowercase');
  flagError('type=image,"name=ok.example/a,bad name",push=true', '--output type=image: invalid reference format "bad name": invalid repository name component "bad name"');
  flagError('type=image,name=r.example/a:v1,push=true,push-by-digest=true', "--output type=image: can't push tagged ref r.example/a:v1 by digest");
  flagError('type=registry,push-by-digest=true', '--output type=registry with push=true needs name=REF (or dangling-name-prefix=REPO), the image to push');
  flagError('type=image,push=true,dangling-name-prefix=r.example/a:v1', '--output type=image: dangling-name-prefix=r.example/a:v1 must be a repository name without tag or digest');
  const byDigest = image('type=image,name=r.example/a,push=true,push-by-digest=true');
  assert.equal(byDigest.pushByDigest, true);
  const dangling = image('type=registry,dangling-name-prefix=r.example/dangling');
  assert.equal(dangling.push, true);
  assert.equal(dangling.danglingNamePrefix, 'r.example/dangling');
  assert.deepEqual(image('type=image,"name=r.example/a:1,r.example/b:2",push=true').names, ['r.example/a:1', 'r.example/b:2']);
});
