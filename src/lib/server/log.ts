import pino from 'pino';

/** Structured logs; child loggers carry request / message ids. */
export const log = pino({ name: 'web', level: process.env.LOG_LEVEL ?? 'info' });
