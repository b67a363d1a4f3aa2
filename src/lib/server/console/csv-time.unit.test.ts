import { describe, expect, it } from 'vitest';
import { isoTime } from './csv-stream.ts';

describe('isoTime (Postgres ISO output → ISO 8601 with the offset)', () => {
	it('writes milliseconds always (truncated like to_char MS) and the offset as ±hh:mm', () => {
		expect(isoTime('2026-12-01 10:00:00.123456-08')).toBe('2026-12-01T10:00:00.123-08:00');
		expect(isoTime('2026-12-01 10:00:00.1239-08')).toBe('2026-12-01T10:00:00.123-08:00');
		expect(isoTime('2026-12-01 10:00:00.5+00')).toBe('2026-12-01T10:00:00.500+00:00');
		expect(isoTime('2026-12-01 10:00:00+05:30')).toBe('2026-12-01T10:00:00.000+05:30');
		expect(isoTime('2026-12-01 10:00:00.000001-03:30')).toBe('2026-12-01T10:00:00.000-03:30');
		// A local mean time offset with seconds keeps its hours and minutes (as to_char TZH:TZM).
		expect(isoTime('1880-01-01 10:00:00+00:53:28')).toBe('1880-01-01T10:00:00.000+00:53');
		expect(isoTime(null)).toBeNull();
	});
});
