import { config } from '../config.ts';
import { db } from '../db.ts';
import { log } from '../log.ts';
import { twilioClient } from '../twilio.ts';
import { SmsPricing } from './sms-pricing.ts';

let instance: SmsPricing | undefined;

/**
 * The web server's SmsPricing. Prices the sender's number type when it is known: a Messaging
 * Service or long code is "local"; a toll-free From number is "toll free".
 */
export function smsPricing(): SmsPricing {
	if (!instance) {
		const c = config();
		const from = process.env.TWILIO_FROM_NUMBER ?? '';
		instance = new SmsPricing({
			db: db(),
			twilio: twilioClient(),
			defaultPrice: c.SMS_DEFAULT_PRICE === undefined ? null : { unitPrice: c.SMS_DEFAULT_PRICE, currency: c.SMS_DEFAULT_PRICE_UNIT },
			numberType: /^\+1(800|833|844|855|866|877|888)/.test(from) ? 'toll free' : 'local',
			log: log.child({ component: 'pricing' })
		});
	}
	return instance;
}
