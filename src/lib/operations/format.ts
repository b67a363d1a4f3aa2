/** "42 s", "3 min", "2 h 5 min", "3 d": ages on the health page. */
export function formatAge(seconds: number | null): string {
	if (seconds === null || !Number.isFinite(seconds)) return '—';
	const s = Math.max(0, Math.round(seconds));
	if (s < 60) return `${s} s`;
	if (s < 3600) return `${Math.floor(s / 60)} min`;
	if (s < 86_400) {
		const m = Math.floor((s % 3600) / 60);
		return `${Math.floor(s / 3600)} h${m ? ` ${m} min` : ''}`;
	}
	return `${Math.floor(s / 86_400)} d`;
}
