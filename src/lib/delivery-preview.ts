import type { Decision } from '@sms/twilio-service';

function localDay(instant: Date, timeZone: string): string {
	return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/** "08:00", "08:00 tomorrow" or "08:00 on Monday 3 March", in the user's zone. */
export function describeLocalTime(instant: Date, options: { now: Date; timeZone: string }): string {
	const { now, timeZone } = options;
	const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(instant);
	const today = localDay(now, timeZone);
	const day = localDay(instant, timeZone);
	if (day === today) return time;
	// Calendar arithmetic on the date itself: days are 23 or 25 hours long around DST changes.
	const [y, m, d] = today.split('-').map(Number);
	const tomorrow = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
	if (day === tomorrow) return `${time} tomorrow`;
	const date = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'long', day: 'numeric', month: 'long' }).format(instant);
	return `${time} on ${date}`;
}

/** One plain sentence for the settings page: what would happen to a normal text right now. */
export function previewSentence(options: { decision: Decision; now: Date; timeZone: string }): string {
	const { decision } = options;
	switch (decision.action) {
		case 'send':
			return 'A normal text sent now would be delivered right away.';
		case 'defer': {
			const when = describeLocalTime(decision.until, options);
			const why = decision.reason === 'quiet_hours' ? 'quiet hours' : 'daily limit reached';
			return `A normal text sent now would be held until ${when} (${why}).`;
		}
		case 'suppress':
			switch (decision.reason) {
				case 'opted_out':
					return 'No texts are sent to you while you are opted out.';
				case 'unverified':
					return 'No texts are sent until you verify your phone number.';
				case 'type_disabled':
					return 'A text of this kind would not be sent: you switched it off.';
			}
	}
}
