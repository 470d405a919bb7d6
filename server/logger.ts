/**
 * The process logger: structured JSON lines on stdout (pino), level from LOG_LEVEL (default info).
 * Operation and step history lives in the database (step logs, events); this is for the process.
 */
import pino from 'pino';

export const logger = pino({
  name: 'migawka',
  level: process.env.LOG_LEVEL ?? 'info',
});
