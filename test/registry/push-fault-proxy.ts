/**
 * An HTTP proxy in front of a real registry for push tests: requests are forwarded with their Host header
 * kept, so the registry's upload Locations point back at the proxy; rules make chosen requests fail:
 * a reset before forwarding, a reset after the registry processed the request (the answer is lost), a
 * stall (never answer), or a fixed status with a distribution-style error body.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultAction =
  | { kind: 'reset' }
  | { kind: 'reset-after' }
  | { kind: 'stall' }
  | { kind: 'status'; status: number; code?: string; message?: string };

export interface FaultRule {
  method?: string;
  /** Matched against the request path and query. */
  url?: RegExp;
  /** How many matching requests fail (then the rule is spent). */
  times: number;
  action: FaultAction;
}

export interface PushFaultProxy {
  host: string;
  rules: FaultRule[];
  /** "METHOD /path?query" of every request, and "FAULT ..." lines for the ones that were failed. */
  log: string[];
  close(): Promise<void>;
}

export async function startPushFaultProxy(upstream: string, rules: FaultRule[] = []): Promise<PushFaultProxy> {
  const state: PushFaultProxy = { host: '', rules, log: [], close: async () => undefined };
  const [upHost, upPort] = upstream.split(':') as [string, string];
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    state.log.push(`${req.method} ${url}`);
    const rule = state.rules.find((r) => r.times > 0 && (r.method === undefined || r.method === req.method) && (r.url === undefined || r.url.test(url)));
    if (rule !== undefined) {
      rule.times--;
      state.log.push(`FAULT ${rule.action.kind} ${req.method} ${url}`);
      const a = rule.action;
      if (a.kind === 'reset') return void req.socket.destroy();
      if (a.kind === 'stall') return void req.resume();
      if (a.kind === 'status') {
        req.resume();
        const body = JSON.stringify({ errors: [{ code: a.code ?? 'UNKNOWN', message: a.message ?? 'fault injected' }] });
        return void res.writeHead(a.status, { 'content-type': 'application/json' }).end(body);
      }
    }
    const up = http.request({ host: upHost, port: Number(upPort), method: req.method, path: url, headers: req.headers }, (ur) => {
      if (rule?.action.kind === 'reset-after') {
        ur.resume();
        ur.on('end', () => req.socket.destroy());
        return;
      }
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => { if (!res.headersSent) res.writeHead(502).end(); else res.destroy(); });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return state;
}
