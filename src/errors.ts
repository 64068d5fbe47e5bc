/**
 * User-facing errors. One base class with a stable code (never reused), a one-line message,
 * an optional hint and, for Dockerfile problems, a location. Programmer errors stay plain `Error`:
 * the CLI prints a BuildError as one line and anything else with its stack.
 */
export interface SourceLocation {
  /** File name as the user knows it, e.g. "Dockerfile" or "ci/Dockerfile.prod". */
  file: string;
  /** 1-based line number of the instruction's first line. */
  line: number;
  /** The line's text, shown after the location. */
  text?: string;
}

export class BuildError extends Error {
  readonly code: string;
  readonly hint?: string;
  /** Set at construction, or once later by locate() when the error surfaces under a Dockerfile line. */
  location?: SourceLocation;
  constructor(code: string, message: string, opts: { hint?: string; location?: SourceLocation; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    if (opts.hint !== undefined) this.hint = opts.hint;
    if (opts.location !== undefined) this.location = opts.location;
  }

  /** Attach the Dockerfile location this error surfaced under, unless it already has one. */
  locate(location: SourceLocation | undefined): this {
    if (location !== undefined && this.location === undefined) this.location = location;
    return this;
  }

  /** The one line the CLI prints. */
  oneLine(): string {
    const loc = this.location ? `${this.location.file}:${this.location.line}: ` : '';
    const text = this.location?.text !== undefined ? ` (${this.location.text.trim()})` : '';
    return `${loc}${this.message}${text}`;
  }
}

/** Bad flag or flag value. */
export class FlagError extends BuildError {
  constructor(message: string, opts: { hint?: string } = {}) { super('BK0001', message, opts); }
}
/** Dockerfile parse or conversion error; always carries a location when one is known. */
export class DockerfileError extends BuildError {
  constructor(message: string, opts: { location?: SourceLocation; hint?: string } = {}) { super('BK0002', message, opts); }
}
/** Registry could not be reached, refused us, or sent something invalid. */
export class RegistryError extends BuildError {
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) { super('BK0003', message, opts); }
}
/** A blob whose digest does not match what its descriptor promised. */
export class DigestMismatchError extends BuildError {
  constructor(message: string) { super('BK0004', message); }
}
/** A layer or context entry that is unsafe or cannot be applied. */
export class LayerError extends BuildError {
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) { super('BK0005', message, opts); }
}
/** A RUN step (container process) failed. */
export class ExecError extends BuildError {
  readonly exitCode: number;
  constructor(message: string, exitCode: number, opts: { location?: SourceLocation } = {}) {
    super('BK0006', message, opts);
    this.exitCode = exitCode;
  }
}
/** A COPY/ADD source or other file op input that is missing or invalid. */
export class FileOpError extends BuildError {
  constructor(message: string, opts: { location?: SourceLocation; hint?: string } = {}) { super('BK0007', message, opts); }
}
/** Writing an output failed. */
export class OutputError extends BuildError {
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) { super('BK0008', message, opts); }
}
/** The host cannot do what was asked (missing runc, no overlay, ...). */
export class EnvironmentError extends BuildError {
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) { super('BK0009', message, opts); }
}

/** For `catch (e) { throw withLocation(e, loc) }`: a BuildError gains the location, anything else passes as is. */
export function withLocation(e: unknown, location: SourceLocation | undefined): unknown {
  return e instanceof BuildError ? e.locate(location) : e;
}

/** Narrow an unknown error to a Node system error with the given code, e.g. isErrno(e, 'ENOENT'). */
export function isErrno(e: unknown, code: string): e is NodeJS.ErrnoException {
  return typeof e === 'object' && e !== null && (e as NodeJS.ErrnoException).code === code;
}
