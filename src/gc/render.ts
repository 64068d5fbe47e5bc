/**
 * buildctl's du and prune output (cmd/buildctl/diskusage.go, prune.go): a table (ID, RECLAIMABLE, SIZE,
 * LAST ACCESSED) or, with -v, one block of "Key:\tvalue" lines per record; du ends with Reclaimable and Total,
 * prune with Total (what it removed).
 */
import type { UsageRecord } from './records.js';
import { tabwrite } from './tabwriter.js';
import { humanDuration, humanSize } from './units.js';

const HEADER = 'ID\tRECLAIMABLE\tSIZE\tLAST ACCESSED\n';

function ago(r: UsageRecord, now: Date): string {
  return `${humanDuration(now.getTime() - r.lastUsedAt.getTime())} ago`;
}

function row(r: UsageRecord, now: Date): string {
  return `${r.id.padEnd(40)}\t${String(!r.inUse).padEnd(5)}\t${humanSize(r.size).padEnd(10)}\t${ago(r, now)}\n`;
}

export function renderTable(records: readonly UsageRecord[], now: Date): string {
  return tabwrite(HEADER + records.map((r) => row(r, now)).join(''));
}

/** Go's time.Time String(): "2006-01-02 15:04:05.999999999 +0000 UTC". */
function goTime(d: Date): string {
  const iso = d.toISOString(); // 2006-01-02T15:04:05.123Z
  const frac = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? `.${frac}` : ''} +0000 UTC`;
}

export function renderVerbose(records: readonly UsageRecord[], now: Date): string {
  let text = '';
  for (const r of records) {
    text += `ID:\t${r.id}\n`;
    text += `Created at:\t${goTime(r.createdAt)}\n`;
    text += 'Mutable:\tfalse\n';
    text += `Reclaimable:\t${!r.inUse}\n`;
    text += `Shared:\t${r.referenced}\n`;
    text += `Size:\t${humanSize(r.size)}\n`;
    if (r.description !== '') text += `Description:\t${r.description}\n`;
    text += 'Usage count:\t1\n';
    text += `Last used:\t${ago(r, now)}\n`;
    text += `Type:\t${r.type}\n`;
    text += '\n';
  }
  return tabwrite(text);
}

export function renderDuSummary(records: readonly UsageRecord[]): string {
  const total = records.reduce((n, r) => n + r.size, 0);
  const reclaimable = records.reduce((n, r) => n + (r.inUse ? 0 : r.size), 0);
  return tabwrite(`Reclaimable:\t${humanSize(reclaimable)}\nTotal:\t${humanSize(total)}\n`);
}

export function renderPruneTotal(records: readonly UsageRecord[]): string {
  return tabwrite(`Total:\t${humanSize(records.reduce((n, r) => n + r.size, 0))}\n`);
}
