import { pino } from 'pino';
import { readEnv, SandboxEnvError } from './env.ts';
import { startSandbox } from './server.ts';

const log = pino({ name: 'twilio-sandbox' });

async function main(): Promise<void> {
	const env = readEnv(process.env);
	const sandbox = await startSandbox({
		port: env.SANDBOX_PORT,
		host: '127.0.0.1',
		accountSid: env.TWILIO_ACCOUNT_SID,
		authToken: env.TWILIO_AUTH_TOKEN,
		verifyServiceSid: env.TWILIO_VERIFY_SERVICE_SID,
		messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID,
		incomingWebhookUrl: env.SANDBOX_INCOMING_WEBHOOK_URL,
		publicUrl: env.SANDBOX_PUBLIC_URL,
		callbackDelaysMs: { sent: env.SANDBOX_SENT_DELAY_MS, delivered: env.SANDBOX_DELIVERED_DELAY_MS },
		providers: {
			'sms-retail': { apiKey: env.SANDBOX_SMS_RETAIL_API_KEY, webhookSecret: env.SANDBOX_SMS_RETAIL_WEBHOOK_SECRET },
			'23telecom': { apiKey: env.SANDBOX_23TELECOM_API_KEY, webhookSecret: env.SANDBOX_23TELECOM_WEBHOOK_SECRET }
		},
		onError: (error) => log.error({ err: error }, 'sandbox internal error')
	});
	log.info(
		{ url: sandbox.url, devPhone: sandbox.publicUrl, incomingWebhookUrl: env.SANDBOX_INCOMING_WEBHOOK_URL ?? null },
		'twilio sandbox listening'
	);

	let closing = false;
	const shutdown = (signal: NodeJS.Signals) => {
		if (closing) return;
		closing = true;
		log.info({ signal }, 'closing twilio sandbox');
		sandbox.close().then(
			() => process.exit(0),
			(error: unknown) => {
				log.error({ err: error }, 'error while closing');
				process.exit(1);
			}
		);
	};
	process.once('SIGINT', shutdown);
	process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
	if (error instanceof SandboxEnvError) log.fatal(error.message);
	else log.fatal({ err: error }, 'twilio sandbox failed to start');
	process.exit(1);
});
