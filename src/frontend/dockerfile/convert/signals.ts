/** STOPSIGNAL values moby/sys/signal.ParseSignal accepts on Linux: a non-zero number, or a name with or without SIG. */
const LINUX_SIGNALS = new Set([
  'ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL', 'PROF', 'PWR', 'QUIT',
  'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'USR1', 'USR2', 'VTALRM', 'WINCH', 'XCPU', 'XFSZ',
  'RTMIN', ...Array.from({ length: 15 }, (_, i) => `RTMIN+${i + 1}`), ...Array.from({ length: 14 }, (_, i) => `RTMAX-${14 - i}`), 'RTMAX',
]);

export function isValidSignal(raw: string): boolean {
  if (/^[+-]?[0-9]+$/.test(raw)) return Number(raw) !== 0;
  const name = raw.toUpperCase();
  return LINUX_SIGNALS.has(name.startsWith('SIG') ? name.slice(3) : name);
}
