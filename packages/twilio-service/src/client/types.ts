/** A Message resource, reduced to what the project uses (dates as Date, codes as numbers). */
export interface TwilioMessage {
	sid: string;
	/** Twilio's raw status: queued, sending, sent, delivered, undelivered, failed, scheduled, … */
	status: string;
	to: string;
	from: string | null;
	body: string;
	direction: string;
	/** As Twilio reports it; 0 for Messaging Service sends until a sender is picked. */
	numSegments: number | null;
	/** As Twilio reports it: negative means charged, e.g. "-0.00790"; null until sent. */
	price: string | null;
	priceUnit: string | null;
	errorCode: number | null;
	errorMessage: string | null;
	messagingServiceSid: string | null;
	dateCreated: Date | null;
	dateSent: Date | null;
	dateUpdated: Date | null;
}

export interface SendMessageInput {
	to: string;
	body: string;
	/** Overrides the client's statusCallbackUrl for this message. */
	statusCallback?: string;
	/** Schedule the send (needs a Messaging Service). */
	sendAt?: Date;
}

export interface ListMessagesInput {
	to: string;
	dateSentAfter?: Date;
	/** Most messages to return, newest first (default 20). */
	limit?: number;
}

export interface VerificationResult {
	sid: string;
	/** pending | approved | canceled | … */
	status: string;
	to: string;
	channel: string;
	valid: boolean;
}

export interface CarrierPrice {
	carrier: string | null;
	mcc: string | null;
	mnc: string | null;
	prices: { numberType: string | null; basePrice: number | null; currentPrice: number | null }[];
}

export interface MessagingPrice {
	isoCountry: string;
	country: string;
	priceUnit: string;
	/** Highest current price per outbound segment across carriers: a safe estimate. */
	outboundSmsPrice: number | null;
	carriers: CarrierPrice[];
}
