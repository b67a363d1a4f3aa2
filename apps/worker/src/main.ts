/**
 * The worker process: `tsx apps/worker/src/main.ts`. Configuration comes from the environment
 * (see config.ts); SIGTERM / SIGINT drain in-flight sends and exit 0, a second signal exits 1.
 */
import { PhoneCryptoError, phoneCipher } from '@sms/db';
import { loadConfig } from './config.ts';
import { ConfigError } from './errors.ts';
import { createLogger } from './logger.ts';
import { runWorkerProcess } from './run.ts';

let config;
try {
	config = loadConfig(process.env);
	// The worker opens each number just before handing its text to the provider: without the
	// keys (PHONE_ENCRYPTION_KEYS, PHONE_INDEX_KEY) it could send nothing, so say so at start.
	phoneCipher();
} catch (error) {
	if (error instanceof ConfigError || error instanceof PhoneCryptoError) {
		process.stderr.write(`${error.message}\n`);
		process.exit(78); // EX_CONFIG
	}
	throw error;
}

const logger = createLogger({ level: config.logLevel, workerId: config.workerId });
const running = await runWorkerProcess({ config, logger });

let shuttingDown = false;
const onSignal = (signal: NodeJS.Signals) => {
	if (shuttingDown) {
		logger.warn({ signal }, 'second signal: exiting now');
		process.exit(1);
	}
	shuttingDown = true;
	logger.info({ signal }, 'shutting down');
	running.shutdown().then(
		() => process.exit(0),
		(error: unknown) => {
			logger.error({ err: error instanceof Error ? error.message : String(error) }, 'shutdown failed');
			process.exit(1);
		}
	);
};
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);
