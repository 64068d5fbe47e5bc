/**
 * `WWW-Authenticate` parsing (RFC 7235): `Bearer realm="https://auth.example/token",service="reg",scope="..."`
 * or `Basic realm="..."`. One header value may hold several challenges separated by commas; the server may also
 * send several headers. Scheme names are returned lowercased; parameter names lowercased; values unquoted.
 */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;

export function parseWWWAuthenticate(headers: string | string[] | undefined): AuthChallenge[] {
  if (headers === undefined) return [];
  const out: AuthChallenge[] = [];
  for (const h of Array.isArray(headers) ? headers : [headers]) out.push(...parseOne(h));
  return out;
}

function parseOne(s: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let i = 0;
  let current: AuthChallenge | undefined;
  const skip = (chars: RegExp): void => {
    while (i < s.length && chars.test(s[i]!)) i++;
  };
  const token = (): string | undefined => {
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(s);
    if (m === null) return undefined;
    i += m[0].length;
    return m[0];
  };
  while (i < s.length) {
    skip(/[\s,]/);
    const start = i;
    const name = token();
    if (name === undefined) break;
    skip(/\s/);
    if (s[i] === '=' && current !== undefined) {
      i++;
      skip(/\s/);
      current.params[name.toLowerCase()] = s[i] === '"' ? quoted() : (token() ?? '');
      continue;
    }
    if (s[i] === '=' && current === undefined) { i = start; break; }
    // A bare token starts a new challenge (scheme), possibly followed by params.
    current = { scheme: name.toLowerCase(), params: {} };
    out.push(current);
  }
  return out;

  function quoted(): string {
    let v = '';
    i++; // opening quote
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      v += s[i];
      i++;
    }
    i++; // closing quote
    return v;
  }
}
