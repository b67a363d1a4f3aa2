import pino from 'pino';
import { PHONE_LOG_REDACTION } from '@sms/db';

/** Structured logs; child loggers carry request / message ids. */
export const log = pino({ name: 'web', level: process.env.LOG_LEVEL ?? 'info', ...PHONE_LOG_REDACTION });
