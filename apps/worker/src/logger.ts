import { pino, type Logger } from 'pino';
import { PHONE_LOG_REDACTION } from '@sms/db';

export type { Logger };

/** JSON logs on stdout; every line from the pipeline carries jobId / messageId bindings. */
export function createLogger(options: { level: string; workerId?: string }): Logger {
	return pino({ level: options.level, base: { service: 'sms-worker', workerId: options.workerId }, ...PHONE_LOG_REDACTION });
}

/** A logger that writes nothing (library default and tests). */
export function silentLogger(): Logger {
	return pino({ level: 'silent' });
}
