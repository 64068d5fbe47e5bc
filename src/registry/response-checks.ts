/** Checks on registry answers: status codes to error kinds, and image config bytes to a validated ImageConfig. */
import { RegistryError } from '../errors.js';
import { ImageConfigCheck, type ImageConfig } from '../oci/schemas.js';
import { firstError } from './manifest-fetch.js';
import { NotFoundError, UnauthorizedError, describeStatus } from './registry-errors.js';
import { readCapped, type Response } from './transport.js';

const ERROR_BODY_LIMIT = 64 << 10;

/** Turn a non-2xx answer into the matching error. */
export async function expectOk(res: Response): Promise<void> {
  if (res.status >= 200 && res.status < 300) return;
  const body = await readCapped(res, ERROR_BODY_LIMIT, 'error response').catch(() => undefined);
  if (res.status === 404) throw new NotFoundError('not found');
  if (res.status === 401) throw new UnauthorizedError('unauthorized: authentication required');
  if (res.status === 403) throw new UnauthorizedError(`denied: ${describeStatus(res.status, body)}`);
  throw new RegistryError(describeStatus(res.status, body));
}

export function parseConfig(bytes: Buffer, what: string): ImageConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new RegistryError(`${what} is not valid JSON`);
  }
  if (!ImageConfigCheck.Check(doc)) throw new RegistryError(`${what}: invalid image config: ${firstError(ImageConfigCheck.Errors(doc).First())}`);
  return doc;
}
