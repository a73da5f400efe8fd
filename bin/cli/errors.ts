/**
 * How the CLI fails: one line on standard error naming what to do, and a non-zero exit code.
 * No stack trace, unless HEARTBEAT_DEBUG is set (for whoever works on the CLI itself).
 */
import { ConfigError } from '../../lambdas/core/settings';

/** A failure the person can act on; its message is the whole story. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** Prints an error as one line and sets the exit code. */
export function reportError(error: unknown): void {
  const known = error instanceof CliError || error instanceof ConfigError;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message.split('\n')[0]}\n`);
  if (!known && process.env.HEARTBEAT_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
}

/** Runs a command's action, turning any failure into one line and exit code 1. */
export function action<A extends unknown[]>(run: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await run(...args);
    } catch (error) {
      reportError(error);
    }
  };
}
