/** Which OpImpl executes an op. */
import type { Op } from '../../llb/ops.js';
import type { OpImpl } from '../op-impl.js';
import { execImpl } from './exec.js';
import { fileImpl } from './file.js';
import { imageSourceImpl } from './source-image.js';
import { localSourceImpl } from './source-local.js';

export function opImplFor(op: Op): OpImpl {
  switch (op.op.kind) {
    case 'source':
      if (op.op.identifier.startsWith('docker-image://')) return imageSourceImpl;
      if (op.op.identifier.startsWith('local://')) return localSourceImpl;
      throw new Error(`unsupported source ${op.op.identifier}`);
    case 'exec':
      return execImpl;
    case 'file':
      return fileImpl;
    case 'merge':
    case 'diff':
      throw new Error(`${op.op.kind} ops are not supported yet`);
  }
}
