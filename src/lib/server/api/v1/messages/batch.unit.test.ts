import { describe, expect, it } from 'vitest';
import { sealedPhone } from '@sms/db/testing';
import { batchAnswer, type StoredBatch } from './batch.ts';

const id = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

describe('batchAnswer', () => {
	it('places the accepted texts (column by column, in any order) and the refused ones by index, numbers opened', () => {
		const schemaProblem = { type: 'about:blank', title: 'Invalid', status: 422, detail: 'x' };
		const stored: StoredBatch = {
			accepted: 2,
			rejected: 2,
			ok: {
				index: [3, 0],
				id: [id(3), id(0)],
				status: ['scheduled', 'pending'],
				statusReason: ['quiet_hours', null],
				sendAt: ['2026-12-03T08:00:00.000Z', null],
				createdAt: ['2026-12-02T12:00:00.000Z', '2026-12-02T12:00:00.000Z'],
				userId: [null, null],
				contactId: [id(5), id(6)],
				externalId: ['crm-3', null],
				phone: [sealedPhone('+14155550103').enc, sealedPhone('+14155550100').enc],
				phoneLast4: ['0103', '0100']
			},
			refused: [
				{ index: 2, error: { code: 'AP002', message: 'is not a contact of this workspace', field: 'to.contactId' } },
				{ index: 1, problem: schemaProblem }
			]
		};
		const answer = batchAnswer(stored, [{}, {}, {}, {}]);
		expect(answer.accepted).toBe(2);
		expect(answer.rejected).toBe(2);
		expect(answer.results.map((r) => [r.index, r.ok])).toEqual([[0, true], [1, false], [2, false], [3, true]]);
		expect(answer.results[3].message).toEqual({
			id: id(3), status: 'scheduled', statusReason: 'quiet_hours',
			to: { userId: null, contactId: id(5), externalId: 'crm-3', phone: '+14155550103' },
			sendAt: '2026-12-03T08:00:00.000Z', createdAt: '2026-12-02T12:00:00.000Z'
		});
		expect(answer.results[0].message?.to.phone).toBe('+14155550100');
		expect(answer.results[1].problem).toEqual(schemaProblem);
		expect(answer.results[2].problem?.errors).toEqual([{ field: 'messages.2.to.contactId', code: 'not_found', message: 'is not a contact of this workspace' }]);
	});

	it('answers a batch with nothing accepted (the columns are null)', () => {
		const none = { index: null, id: null, status: null, statusReason: null, sendAt: null, createdAt: null, userId: null, contactId: null, externalId: null, phone: null, phoneLast4: null };
		const answer = batchAnswer({ accepted: 0, rejected: 1, ok: none, refused: [{ index: 0, error: { code: 'SM001', message: 'empty_body: the body is empty', field: null } }] }, [{}]);
		expect(answer.results).toHaveLength(1);
		expect(answer.results[0]).toMatchObject({ index: 0, ok: false });
		expect(answer.results[0].problem?.errors?.[0].field).toBe('messages.0.body');
	});

	it('still replays an answer kept in the former shape (one result per text; its number reduced to the last four)', () => {
		const message = { id: id(1), status: 'pending' as const, statusReason: null, to: { userId: null, contactId: id(2), externalId: null, phone: '•••• 0100' }, sendAt: null, createdAt: '2026-12-02T12:00:00.000Z' };
		const answer = batchAnswer(
			{ accepted: 1, rejected: 1, results: [{ index: 0, ok: true, message }, { index: 1, ok: false, error: { code: 'AP003', message: 'has no contact', field: 'to.externalId' } }] },
			[{}, {}]
		);
		expect(answer.results[0]).toEqual({ index: 0, ok: true, message });
		expect(answer.results[1].problem?.errors?.[0].field).toBe('messages.1.to.externalId');
	});
});
