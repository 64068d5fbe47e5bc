/** Solve a graph in-process with a real Worker on a fresh state dir (no CLI), recording which vertices ran. */
import path from 'node:path';
import type { TestContext } from 'node:test';
import { StateDir } from '../../src/cache/state-dir.js';
import type { GraphBuilder } from '../../src/llb/definition.js';
import type { OpInput } from '../../src/llb/ops.js';
import type { ProgressSink, VertexProgress } from '../../src/progress/types.js';
import { RegistryClient } from '../../src/registry/index.js';
import { opImplFor } from '../../src/solver/ops/index.js';
import type { SnapshotResult } from '../../src/solver/result.js';
import { Solver } from '../../src/solver/solver.js';
import { Worker } from '../../src/solver/worker.js';
import { tmpDir } from './servers.js';

export interface Recorded { readonly ran: string[]; readonly cached: string[] }

function sink(rec: Recorded): ProgressSink {
  let id = 0;
  return {
    vertex(name: string): VertexProgress {
      return {
        id: ++id, start: () => rec.ran.push(name), log: () => undefined, status: () => undefined,
        cached: () => rec.cached.push(name), done: () => undefined, error: () => undefined,
      };
    },
    warn: () => undefined,
    close: async () => undefined,
  };
}

export async function testWorker(t: TestContext, stateRoot?: string): Promise<Worker> {
  const dir = stateRoot ?? (await tmpDir(t, 'remote-state-'));
  const state = new StateDir(path.join(dir, 'state'));
  await state.init();
  const runDir = await tmpDir(t, 'remote-run-');
  const worker = new Worker({ state, runDir, rootless: false, locals: new Map(), registry: new RegistryClient() });
  t.after(async () => { await worker.mounts.unmountAll(); });
  return worker;
}

/** Solve `out` of `graph`; returns the snapshot and which vertices ran or came from the cache. */
export async function solve(worker: Worker, graph: GraphBuilder, out: OpInput): Promise<{ result: SnapshotResult; rec: Recorded }> {
  const rec: Recorded = { ran: [], cached: [] };
  const solver = new Solver(graph.build(out), { worker, progress: sink(rec), impl: opImplFor, signal: new AbortController().signal });
  const result = await solver.solve();
  if (!result || result.kind !== 'snapshot') throw new Error('expected a snapshot');
  return { result, rec };
}
