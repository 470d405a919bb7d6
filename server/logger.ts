/**
 * The process logger: structured JSON lines on stdout (pino), level from the configuration's
 * `logLevel` (LOG_LEVEL, default info).
 * Operation and step history lives in the database (step logs, events); this is for the process.
 */
import pino from 'pino';
import { getConfig } from './config';

export const logger = pino({
  name: 'migawka',
  level: getConfig().logLevel,
});
