/** Which OpImpl executes an op. */
import type { Op } from '../../llb/ops.js';
import type { OpImpl } from '../op-impl.js';
import { execImpl } from './exec.js';
import { fileImpl } from './file.js';
import { imageSourceImpl } from './source-image.js';
import { localSourceImpl } from './source-local.js';
import { ociLayoutSourceImpl } from './source-oci-layout.js';
import { httpSourceImpl } from './source-http.js';
import { gitSourceImpl } from './source-git.js';
import { mergeImpl } from './merge.js';

export function opImplFor(op: Op): OpImpl {
  switch (op.op.kind) {
    case 'source':
      if (op.op.identifier.startsWith('docker-image://')) return imageSourceImpl;
      if (op.op.identifier.startsWith('local://')) return localSourceImpl;
      if (op.op.identifier.startsWith('oci-layout://')) return ociLayoutSourceImpl;
      if (op.op.identifier.startsWith('https://') || op.op.identifier.startsWith('http://')) return httpSourceImpl;
      if (op.op.identifier.startsWith('git://')) return gitSourceImpl;
      throw new Error(`unsupported source ${op.op.identifier}`);
    case 'exec':
      return execImpl;
    case 'file':
      return fileImpl;
    case 'merge':
      return mergeImpl;
    case 'diff':
      throw new Error(`${op.op.kind} ops are not supported yet`);
  }
}
