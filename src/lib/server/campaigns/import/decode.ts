import { ImportError } from './errors.ts';
import { formatBytes, type ImportLimits } from './limits.ts';
import { refuseBinary } from './sniff.ts';

export type TextEncoding = 'utf-8' | 'windows-1252' | 'utf-16le' | 'utf-16be';

/** What decodeText found out about the file, filled in as it streams. */
export interface DecodeInfo {
	/** null while every byte so far was ASCII (which reads the same in UTF-8 and Windows-1252). */
	encoding: TextEncoding | null;
	bytes: number;
	bom: boolean;
}

const ASCII_ONLY = /^[\x00-\x7f]*$/;

/**
 * Streams a file's bytes as text. UTF-8 (with or without BOM) and UTF-16 (by BOM) are read as
 * such; a file that is not valid UTF-8 is read as Windows-1252, which is what Excel on Windows
 * writes for "CSV (Comma delimited)" — so "Müller" stays "Müller" instead of "M�ller". The choice
 * is made at the first non-ASCII character: until then both readings are the same text, so
 * nothing already decoded has to be read again.
 */
export async function* decodeText(
	source: AsyncIterable<Uint8Array>,
	limits: Pick<ImportLimits, 'maxBytes'>,
	info: DecodeInfo = { encoding: null, bytes: 0, bom: false }
): AsyncGenerator<string> {
	let decoder: TextDecoder | null = null;
	const utf8 = new TextDecoder('utf-8', { fatal: true });
	// Bytes of an undecided file from its first non-ASCII byte: if they turn out not to be
	// UTF-8, they are decoded again as Windows-1252.
	let undecided: Uint8Array | null = null;
	let first = true;

	for await (const raw of source) {
		const chunk = raw instanceof Uint8Array ? raw : new Uint8Array(raw);
		info.bytes += chunk.length;
		if (info.bytes > limits.maxBytes) {
			throw new ImportError({
				code: 'too_large',
				message: `The file is larger than ${formatBytes(limits.maxBytes)}. Split it into smaller files and import them one at a time.`
			});
		}
		if (first) {
			first = false;
			refuseBinary(chunk);
			decoder = bomDecoder(chunk, info);
		}
		if (decoder) {
			yield decoder.decode(chunk, { stream: true });
			continue;
		}
		if (info.encoding === 'utf-8') {
			yield decodeUtf8(utf8, chunk, info);
			continue;
		}
		// Still undecided: everything so far was ASCII (or an incomplete sequence at a chunk end).
		const pending: Uint8Array = undecided ? concat(undecided, chunk) : chunk;
		let text: string;
		try {
			text = utf8.decode(chunk, { stream: true });
		} catch {
			info.encoding = 'windows-1252';
			decoder = new TextDecoder('windows-1252');
			yield decoder.decode(pending, { stream: true });
			continue;
		}
		if (!ASCII_ONLY.test(text)) {
			info.encoding = 'utf-8';
			undecided = null;
		} else {
			const high = firstHighByte(pending);
			undecided = high === -1 ? null : pending.subarray(high);
		}
		yield text;
	}
	if (decoder) {
		yield decoder.decode();
		return;
	}
	try {
		yield utf8.decode();
	} catch {
		// The file ended inside a multi-byte sequence that never completed: not UTF-8 after all.
		yield new TextDecoder('windows-1252').decode(undecided ?? new Uint8Array());
		info.encoding = 'windows-1252';
		return;
	}
	info.encoding ??= 'utf-8';
}

function bomDecoder(head: Uint8Array, info: DecodeInfo): TextDecoder | null {
	if (head[0] === 0xff && head[1] === 0xfe) {
		info.bom = true;
		info.encoding = 'utf-16le';
		return new TextDecoder('utf-16le');
	}
	if (head[0] === 0xfe && head[1] === 0xff) {
		info.bom = true;
		info.encoding = 'utf-16be';
		return new TextDecoder('utf-16be');
	}
	if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) {
		// The fatal UTF-8 decoder drops the BOM itself (ignoreBOM is false).
		info.bom = true;
		info.encoding = 'utf-8';
	}
	return null;
}

function decodeUtf8(utf8: TextDecoder, chunk: Uint8Array, info: DecodeInfo): string {
	try {
		return utf8.decode(chunk, { stream: true });
	} catch (cause) {
		throw new ImportError({
			code: 'mixed_encoding',
			message: `The file mixes text encodings (it stops being UTF-8 about ${formatBytes(info.bytes)} in). Save it again as "CSV UTF-8" and upload that file.`,
			cause
		});
	}
}

function firstHighByte(bytes: Uint8Array): number {
	for (let i = 0; i < bytes.length; i += 1) if ((bytes[i] as number) >= 0x80) return i;
	return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
	const out = new Uint8Array(a.length + b.length);
	out.set(a, 0);
	out.set(b, a.length);
	return out;
}
