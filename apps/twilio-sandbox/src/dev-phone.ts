import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml as h, readBody, redirect, sendHtml } from './http-utils.ts';
import type { SandboxMessage } from './message.ts';
import { E164, OUTCOME_NUMBERS } from './outcomes.ts';
import type { SandboxState } from './state.ts';
import { TwilioApiError } from './twilio-error.ts';
import { handleProviderPanel, providerInbox, providersPanel } from './providers/dev-phone-panel.ts';

const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f3f4f6;color:#111827}
header{background:#111827;color:#fff;padding:.8rem 1.2rem}header a{color:#fff;text-decoration:none}
main{max-width:44rem;margin:1.2rem auto;padding:0 1rem}
.card{background:#fff;border-radius:.6rem;padding:.8rem 1rem;margin:.6rem 0;box-shadow:0 1px 2px #0002}
.in{border-left:4px solid #2563eb}.out{border-left:4px solid #10b981}.verification{border-left:4px solid #f59e0b}
.meta{color:#6b7280;font-size:.8rem}.code{font:700 1.4rem ui-monospace,monospace;letter-spacing:.2em}
.bad{color:#b91c1c}pre{white-space:pre-wrap;background:#f9fafb;padding:.4rem;border-radius:.3rem;font-size:.8rem}
form{display:flex;gap:.5rem}textarea{flex:1;font:inherit;padding:.4rem}button{font:inherit;padding:.4rem 1rem}
table{border-collapse:collapse;font-size:.85rem}td,th{padding:.2rem .6rem;text-align:left}`;

function page(title: string, content: string): string {
	return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>${h(title)}</title>
<style>${STYLE}</style></head><body><header><a href="/">📱 Twilio sandbox — dev phone</a></header>
<main>${content}</main></body></html>`;
}

function messageCard(m: SandboxMessage, phone: string): string {
	const incoming = m.to === phone;
	const cls = m.kind === 'verification' ? 'verification' : incoming ? 'in' : 'out';
	const who = incoming ? `from ${m.from ?? '?'}` : `to ${m.to}`;
	const code = m.kind === 'verification' ? /\b(\d{6})\b/.exec(m.body)?.[1] : undefined;
	const error = m.errorCode ? ` <span class="bad">error ${m.errorCode}</span>` : '';
	let webhook = '';
	if (m.webhook) {
		const w = m.webhook;
		webhook = w.error
			? `<div class="bad">webhook: ${h(w.error)}</div>`
			: `<div class="meta">webhook ${h(w.url)} answered ${w.status}</div><pre>${h(w.body ?? '')}</pre>`;
	}
	return `<div class="card ${cls}"><div class="meta">${h(who)} · ${h(m.kind)} · ${h(m.status)}${error} ·
${h(new Date(m.dateCreated).toLocaleString())}</div>
${code ? `<div class="code">${code}</div>` : ''}<div>${h(m.body)}</div>${webhook}</div>`;
}

function inbox(state: SandboxState, phone: string): string {
	const list = state.store.forPhone(phone);
	const viaProviders = providerInbox(state.providers, phone);
	if (list.length === 0) return viaProviders || '<p class="meta">No texts yet.</p>';
	const cards: string[] = [];
	// Newest first; the page only needs the recent conversation.
	for (let i = list.length - 1; i >= 0 && cards.length < 200; i--) cards.push(messageCard(list[i]!, phone));
	return viaProviders + cards.join('\n');
}

function indexPage(state: SandboxState): string {
	const rows = state.store
		.phones()
		.filter((p) => E164.test(p))
		.map((p) => {
			const list = state.store.forPhone(p);
			const last = list[list.length - 1];
			return `<div class="card"><a href="/phone/${encodeURIComponent(p)}"><b>${h(p)}</b></a>
<span class="meta">${list.length} text(s)${last ? ` · last: ${h(last.body.slice(0, 60))}` : ''}</span></div>`;
		});
	const outcomes = OUTCOME_NUMBERS.map((o) => `<tr><td>${o.number}</td><td>${h(o.description)}</td></tr>`).join('');
	return page(
		'Dev phone',
		`<h2>Phones that received texts</h2>${rows.join('') || '<p class="meta">None yet.</p>'}
<form method="get" action="/phone" onsubmit="location.href='/phone/'+encodeURIComponent(this.n.value);return false">
<textarea name="n" rows="1" placeholder="+15551234567"></textarea><button>Open phone</button></form>
<h3>Numbers with special outcomes</h3><table>${outcomes}</table>
${providersPanel(state.providers)}
<p class="meta">Every other valid E.164 number is delivered. Webhook for replies: ${h(state.incomingWebhookUrl ?? 'not configured')}</p>
<script>setInterval(()=>{if(!document.querySelector('textarea').value)location.reload()},5000)</script>`
	);
}

function phonePage(state: SandboxState, phone: string): string {
	const path = `/phone/${encodeURIComponent(phone)}`;
	return page(
		phone,
		`<h2>${h(phone)}</h2>
<form method="post" action="${path}/reply"><textarea name="Body" rows="2" required
placeholder="Reply (e.g. STOP, START, HELP)"></textarea><button>Send</button></form>
<div id="inbox">${inbox(state, phone)}</div>
<script>setInterval(async()=>{const r=await fetch(${JSON.stringify(`${path}/inbox`)});
if(r.ok)document.getElementById('inbox').innerHTML=await r.text()},2000)</script>`
	);
}

const PHONE = /^\/phone\/([^/]+)(\/inbox|\/reply)?$/;

/** The dev phone: `/` lists phones, `/phone/{number}` is one inbox with a reply box. */
export function createDevPhoneHandler(state: SandboxState) {
	return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> => {
		if (path === '/' && req.method === 'GET') {
			sendHtml(res, 200, indexPage(state));
			return true;
		}
		if (await handleProviderPanel(state.providers, req, res, path)) return true;
		const match = PHONE.exec(path);
		if (!match) return false;
		const phone = decodeURIComponent(match[1] ?? '').replace(/^ /, '+');
		if (!E164.test(phone)) {
			sendHtml(res, 400, page('Bad number', `<p class="bad">${h(phone)} is not an E.164 number.</p>`));
			return true;
		}
		if (match[2] === '/inbox' && req.method === 'GET') {
			sendHtml(res, 200, inbox(state, phone));
		} else if (match[2] === '/reply' && req.method === 'POST') {
			const body = new URLSearchParams(await readBody(req)).get('Body') ?? '';
			try {
				await state.inbound.reply({ from: phone, body });
			} catch (error) {
				if (!(error instanceof TwilioApiError)) throw error;
			}
			redirect(res, `/phone/${encodeURIComponent(phone)}`);
		} else if (!match[2] && req.method === 'GET') {
			sendHtml(res, 200, phonePage(state, phone));
		} else {
			return false;
		}
		return true;
	};
}
