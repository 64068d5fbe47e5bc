/**
 * A failed TLS connection to a registry, told with the setting that applied: which `[registry."…"]` section of
 * which buildkitd.toml (or that none did) and what it lacks, e.g.
 * `127.0.0.1:5000: TLS handshake failed: self-signed certificate in certificate chain (registry."127.0.0.1:5000"
 * has no ca set in /etc/buildkit/buildkitd.toml)`. Other connection errors pass through unchanged: their codes
 * decide retries, and so do TLS errors of `insecure` hosts (they mean: try plain HTTP).
 */
import { RegistryError } from '../errors.js';
import type { RegistryHostConfig } from '../registry/host-config.js';

/** Certificate verification failures (OpenSSL X509 error names, as Node reports them in `code`). */
const VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED', 'CERT_REJECTED', 'CERT_SIGNATURE_FAILURE', 'ERR_TLS_CERT_ALTNAME_INVALID', 'INVALID_CA',
]);

type Kind = 'verify' | 'plain-http' | 'client-cert' | 'other-tls';

function tlsKind(e: Error): Kind | undefined {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (VERIFY_CODES.has(code)) return 'verify';
  if (/wrong version number|packet length too long|http request/i.test(e.message)) return 'plain-http';
  if (/certificate required|bad certificate|unknown ca|certificate unknown/i.test(e.message)) return 'client-cert';
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO') return 'other-tls';
  return undefined;
}

/** `registry."h" has no ca set in FILE`: what the config said (or did not say) about the setting in question. */
function explain(host: string, cfg: RegistryHostConfig, kind: Kind): string {
  const src = cfg.source;
  const setting = kind === 'verify' ? 'ca' : kind === 'plain-http' ? 'http' : kind === 'client-cert' ? 'keypair' : 'ca';
  if (src === undefined) {
    const fix = kind === 'verify' ? 'ca = ["CA.pem"] or insecure = true'
      : kind === 'plain-http' ? 'http = true' : kind === 'client-cert' ? 'a keypair' : 'ca, keypair or insecure';
    return `no --config given: set ${fix} in [registry.${JSON.stringify(host)}] of a buildkitd.toml`;
  }
  if (src.section === undefined) return `${src.file} has no [registry.${JSON.stringify(host)}] section`;
  const section = `registry.${JSON.stringify(src.section)}`;
  const has = setting === 'ca' ? (cfg.ca ?? []).length > 0 : setting === 'keypair' ? (cfg.keypairs ?? []).length > 0 : cfg.http;
  if (kind === 'plain-http') return `${section} does not set http = true in ${src.file}; the server speaks plain HTTP`;
  if (!has) return `${section} has no ${setting} set in ${src.file}`;
  return kind === 'client-cert' ? `the server refused ${section}.keypair from ${src.file}` : `${section}.ca in ${src.file} does not verify it`;
}

/** The error to report for a failed connection to `host` made with `cfg`: explained if TLS, else `error` itself. */
export function explainConnectionError(o: { host: string; cfg: RegistryHostConfig; error: Error }): Error {
  const kind = tlsKind(o.error);
  // With insecure = true nothing is verified: a TLS error there means "not a TLS server", which callers use
  // to fall back to plain HTTP (BuildKit's httpFallback), so it keeps its own error code.
  if (kind === undefined || o.cfg.insecure === true) return o.error;
  const reason = kind === 'plain-http' ? 'the server does not speak TLS' : o.error.message.replace(/\s+/g, ' ').trim();
  return new RegistryError(`${o.host}: TLS handshake failed: ${reason} (${explain(o.host, o.cfg, kind)})`, { cause: o.error });
}
