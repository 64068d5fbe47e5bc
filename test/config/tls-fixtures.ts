/**
 * A test certificate authority made with openssl: a CA, a server certificate for 127.0.0.1 signed by it, and a
 * client certificate signed by it (for `keypair` tests). Files in a temp dir; `remove()` deletes them.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCA {
  dir: string;
  caFile: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  remove(): Promise<void>;
}

async function signed(o: { dir: string; name: string; subject: string; ext: string; ca: string; caKey: string }): Promise<void> {
  const key = join(o.dir, `${o.name}.key`);
  const csr = join(o.dir, `${o.name}.csr`);
  const extFile = join(o.dir, `${o.name}.ext`);
  await writeFile(extFile, o.ext);
  await run('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', o.subject]);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', o.ca, '-CAkey', o.caKey, '-CAcreateserial', '-days', '2',
    '-out', join(o.dir, `${o.name}.crt`), '-extfile', extFile]);
}

export async function makeTestCA(): Promise<TestCA> {
  const dir = await mkdtemp(join(tmpdir(), 'test-ca-'));
  const ca = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=buildkit-ts test CA',
    '-keyout', caKey, '-out', ca]);
  await signed({ dir, name: 'server', subject: '/CN=127.0.0.1', ext: 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n', ca, caKey });
  await signed({ dir, name: 'client', subject: '/CN=test-client', ext: 'extendedKeyUsage=clientAuth\n', ca, caKey });
  return {
    dir, caFile: ca,
    serverCert: join(dir, 'server.crt'), serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.crt'), clientKey: join(dir, 'client.key'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
