import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml as h, readBody, redirect } from '../http-utils.ts';
import type { ProviderEmulator } from './emulator.ts';
import { DOWN_MODES, isHttpProvider, PROVIDER_OUTCOME_NUMBERS, STATUS_WORDS, type HttpProviderId } from './outcomes.ts';

const MODE_LABELS: Readonly<Record<string, string>> = {
	up: 'Up',
	timeout: 'Down: time out',
	'503': 'Down: 503',
	'500-after-accept': 'Accept, then 500',
	auth: 'Refuse the API key'
};

/** The dev phone's provider panel: each HTTP provider's state and its down switch. */
export function providersPanel(emulators: Readonly<Record<HttpProviderId, ProviderEmulator>>): string {
	const cards = Object.values(emulators).map((e) => {
		const current = e.down ?? 'up';
		const buttons = ['up', ...DOWN_MODES]
			.map(
				(mode) =>
					`<button name="mode" value="${mode}"${mode === current ? ' disabled aria-pressed="true"' : ''}>${h(MODE_LABELS[mode] ?? mode)}</button>`
			)
			.join('');
		return `<div class="card" data-provider="${e.provider}"><b>${h(e.provider)}</b>
<span class="meta">${h(current === 'up' ? 'up' : `down (${current})`)} · ${e.accepted} text(s) accepted ·
reports ${e.webhookSecret ? 'signed' : 'unsigned'}</span>
<form method="post" action="/providers/${e.provider}/mode">${buttons}</form></div>`;
	});
	const outcomes = PROVIDER_OUTCOME_NUMBERS.map((o) => `<tr><td>${o.number}</td><td>${h(o.description)}</td></tr>`).join('');
	return `<h3>HTTP providers (sms-retail, 23telecom)</h3>${cards.join('')}
<table>${outcomes}</table>`;
}

/** Texts the HTTP providers carried to `phone`, for its inbox. */
export function providerInbox(emulators: Readonly<Record<HttpProviderId, ProviderEmulator>>, phone: string): string {
	const cards: string[] = [];
	for (const e of Object.values(emulators)) {
		for (const t of e.texts.all()) {
			if (t.to !== phone) continue;
			cards.push(`<div class="card in"><div class="meta">via ${h(e.provider)} · from ${h(t.from)} ·
${h(STATUS_WORDS[e.provider][t.stage])} · ${h(new Date(t.createdAt).toLocaleString())}</div><div>${h(t.body)}</div></div>`);
		}
	}
	return cards.slice(-200).reverse().join('\n');
}

const MODE_PATH = /^\/providers\/([^/]+)\/mode$/;

/** POST /providers/{id}/mode (the panel's buttons). Returns false if not ours. */
export async function handleProviderPanel(
	emulators: Readonly<Record<HttpProviderId, ProviderEmulator>>,
	req: IncomingMessage,
	res: ServerResponse,
	path: string
): Promise<boolean> {
	const match = MODE_PATH.exec(path);
	if (!match || req.method !== 'POST') return false;
	const id = match[1] ?? '';
	const mode = new URLSearchParams(await readBody(req)).get('mode') ?? '';
	if (isHttpProvider(id)) {
		const e = emulators[id];
		if (mode === 'up') e.down = null;
		else if ((DOWN_MODES as readonly string[]).includes(mode)) e.down = mode as (typeof DOWN_MODES)[number];
	}
	redirect(res, '/');
	return true;
}
