/**
 * The process logger: structured JSON lines on stdout (pino), level from the configuration's
 * `logLevel` (LOG_LEVEL, default info).
 * Operation and step history lives in the database (step logs, events); this is for the process.
 *
 * Fields named like secrets (server/schemas/sensitive.ts) are redacted at any of the first three
 * levels of a log object, and request headers carrying credentials are never printed.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { getConfig } from './config';
import { REDACTED, SENSITIVE_LOG_FIELDS } from './schemas/sensitive';

export const REDACTED_LOG_PATHS: string[] = [
  ...['', '*.', '*.*.'].flatMap((prefix) => SENSITIVE_LOG_FIELDS.map((field) => `${prefix}${field}`)),
  'req.headers.cookie',
  'req.headers.authorization',
  'headers.cookie',
  'headers.authorization',
];

/** A logger with the process's redaction; tests pass a destination to read what was written. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { name: 'migawka', level, redact: { paths: REDACTED_LOG_PATHS, censor: REDACTED } };
  return destination ? pino(options, destination) : pino(options);
}

export const logger = createLogger(getConfig().logLevel);
