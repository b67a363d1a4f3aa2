import { deserialize } from '$app/forms';
import type { Content, ImportReportView, Mapping } from './types.ts';

export type UploadOutcome = { ok: true; report: ImportReportView } | { ok: false; message: string; field: string };

/**
 * Posts the file with the mapping and the message to the page's `upload` form action, over
 * XMLHttpRequest so the page can show the upload's progress (fetch has no upload progress).
 */
export function uploadList(options: {
	file: File;
	mapping: Mapping | null;
	content: Content;
	onProgress: (fraction: number) => void;
	onUploaded: () => void;
}): Promise<UploadOutcome> {
	const form = new FormData();
	form.set('file', options.file, options.file.name);
	if (options.mapping) {
		form.set('phoneColumn', options.mapping.phoneColumn);
		if (options.mapping.nameColumn) form.set('nameColumn', options.mapping.nameColumn);
		if (options.mapping.timeZoneColumn) form.set('timeZoneColumn', options.mapping.timeZoneColumn);
		form.set('dedupe', options.mapping.keepDifferingDuplicates ? 'when_rows_differ' : 'drop');
	}
	if (options.content.templateId) form.set('templateId', options.content.templateId);
	else if (options.content.body.trim()) form.set('body', options.content.body);
	return new Promise((resolve) => {
		const xhr = new XMLHttpRequest();
		xhr.open('POST', '?/upload');
		xhr.setRequestHeader('x-sveltekit-action', 'true');
		xhr.upload.onprogress = (e) => {
			if (e.lengthComputable) options.onProgress(e.loaded / e.total);
		};
		xhr.upload.onload = () => options.onUploaded();
		xhr.onerror = () => resolve({ ok: false, field: 'file', message: 'The upload did not reach the server. Check your connection and try again.' });
		xhr.onload = () => {
			let result;
			try {
				result = deserialize(xhr.responseText);
			} catch {
				resolve({ ok: false, field: 'file', message: `The server answered ${xhr.status}. Try again in a moment.` });
				return;
			}
			if (result.type === 'success' && result.data && 'report' in result.data) {
				resolve({ ok: true, report: result.data.report as ImportReportView });
			} else if (result.type === 'failure') {
				const errors = (result.data?.errors ?? {}) as Record<string, string>;
				const [field, message] = Object.entries(errors)[0] ?? ['file', 'The list could not be read.'];
				resolve({ ok: false, field, message });
			} else {
				resolve({ ok: false, field: 'file', message: 'The list could not be checked. Try again.' });
			}
		};
		xhr.send(form);
	});
}
