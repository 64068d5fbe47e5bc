/**
 * One CSV record split into fields with the rules buildctl uses for --output, --export-cache, --secret
 * (Go's encoding/csv via csvvalue): fields are separated by ","; a field that starts with '"' is quoted and
 * may contain "," and '""' (an escaped quote); a quote anywhere else is an error. So
 * `type=image,"name=a,b",push=true` is three fields: `type=image`, `name=a,b`, `push=true`.
 */
import { FlagError } from '../errors.js';

export function splitCsv(record: string, flag: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field: string;
    if (record[i] === '"') {
      field = '';
      i++;
      for (;;) {
        const q = record.indexOf('"', i);
        if (q < 0) throw csvError(flag, record, 'a quoted field has no closing quote');
        field += record.slice(i, q);
        i = q + 1;
        if (record[i] !== '"') break;
        field += '"';
        i++;
      }
      if (i < record.length && record[i] !== ',') throw csvError(flag, record, 'text after the closing quote of a field');
    } else {
      const comma = record.indexOf(',', i);
      const end = comma < 0 ? record.length : comma;
      field = record.slice(i, end);
      if (field.includes('"')) throw csvError(flag, record, `a quote inside the unquoted field ${field}`);
      i = end;
    }
    fields.push(field);
    if (i >= record.length) return fields;
    i++; // the comma
  }
}

function csvError(flag: string, record: string, what: string): FlagError {
  return new FlagError(`invalid ${flag} ${record}: ${what}`, {
    hint: `quote a whole field that contains commas, e.g. ${flag} 'type=image,"name=a,b",push=true'`,
  });
}

/** "key=value" split at the first "=", the key lower-cased as buildctl does. */
export function splitField(field: string, flag: string): [key: string, value: string] {
  const eq = field.indexOf('=');
  if (eq <= 0) throw new FlagError(`invalid ${flag} field "${field}": expected key=value`);
  return [field.slice(0, eq).toLowerCase(), field.slice(eq + 1)];
}

/** A CSV flag value as an attribute map (later keys win, as in buildctl). */
export function parseCsvAttrs(record: string, flag: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const field of splitCsv(record, flag)) {
    const [k, v] = splitField(field, flag);
    attrs.set(k, v);
  }
  return attrs;
}
