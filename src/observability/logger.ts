import { type Logger as PinoLogger, pino } from 'pino';

/** Operon logs through pino; every runtime part takes a child logger carrying its context. */
export type Logger = PinoLogger;

/** A logger that drops everything: the default when a part is built on its own (tests, tools). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
