import type { LoggerService } from '@nestjs/common';

/** One line Chirp logged. */
export interface LogEntry {
  readonly level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  /** The logger's context (`Security`, `SessionStore`, …), when given. */
  readonly context: string | undefined;
  /** The message and any extra arguments (stack traces), as one string. */
  readonly text: string;
  /** When it was logged (ms since the Unix epoch): what a real logger prints as the time. */
  readonly at: number;
}

function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return `${value.message}\n${value.stack ?? ''}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * A Nest logger that keeps every line in memory instead of printing it, so a suite can
 * check what Chirp logged (S70): no secret in any line, and the security events present.
 * Nest passes the context as the last string argument.
 */
export class CapturingLogger implements LoggerService {
  readonly entries: LogEntry[] = [];

  log(message: unknown, ...rest: unknown[]): void {
    this.push('log', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.push('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.push('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.push('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.push('verbose', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.push('fatal', message, rest);
  }

  /** Every line as `LEVEL [context] text`, joined with newlines. */
  dump(): string {
    return this.entries.map((e) => `${e.level} [${e.context ?? '-'}] ${e.text}`).join('\n');
  }

  /** The lines logged since `mark` (an earlier `entries.length`). */
  since(mark: number): LogEntry[] {
    return this.entries.slice(mark);
  }

  private push(level: LogEntry['level'], message: unknown, rest: unknown[]): void {
    const last = rest[rest.length - 1];
    const context = typeof last === 'string' ? last : undefined;
    const extra = (context === undefined ? rest : rest.slice(0, -1)).map(render);
    this.entries.push({
      level,
      context,
      text: [render(message), ...extra].join(' '),
      at: Date.now(),
    });
  }
}
