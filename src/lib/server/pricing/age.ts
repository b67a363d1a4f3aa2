/** "3 days ago", "5 hours ago", "a minute ago": how old a price is, for the note beside an estimate. */
export function ageInWords(from: Date, now: Date): string {
	const minutes = Math.max(0, Math.floor((now.getTime() - from.getTime()) / 60_000));
	const unit = (n: number, word: string) => (n === 1 ? `a${word === 'hour' ? 'n' : ''} ${word} ago` : `${n} ${word}s ago`);
	if (minutes < 1) return 'just now';
	if (minutes < 60) return unit(minutes, 'minute');
	const hours = Math.floor(minutes / 60);
	if (hours < 24) return unit(hours, 'hour');
	return unit(Math.floor(hours / 24), 'day');
}
