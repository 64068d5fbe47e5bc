/**
 * A build stand-in for the lease tests (run as a child process): opens a LayerStore on the state dir given as
 * argv[2], gets each layer id given on stdin's first line (space-separated, in that order) the way the solver
 * does on a cache hit, prints the ids it got as one JSON line, and keeps its lease until stdin closes.
 */
import { createInterface } from 'node:readline';
import { LayerStore } from '../../src/cache/layer-store.js';
import { StateDir } from '../../src/cache/state-dir.js';

const store = new LayerStore(new StateDir(process.argv[2]!));
await store.lease.add('warm-up'); // the lease file is open before the test starts the race
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
let first = true;
lines.on('line', (line) => {
  if (!first) return;
  first = false;
  void (async () => {
    const got: string[] = [];
    for (const id of line.split(' ').filter((s) => s !== '')) if (await store.get(id)) got.push(id);
    process.stdout.write(`${JSON.stringify(got)}\n`);
  })();
});
lines.on('close', () => { void store.lease.release().then(() => process.exit(0)); });
