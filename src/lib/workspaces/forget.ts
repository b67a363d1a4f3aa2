/**
 * The words around forgetting a contact (a person's right to be forgotten), the same on every
 * page that offers it: what goes, what stays, and that it cannot be undone.
 */
import { contactName } from './contact-name.ts';

export function forgetQuestion(name: string | null, phone: string, texts?: number): string {
	const kept =
		texts === undefined
			? 'Their texts stay in the statistics without body or number'
			: texts === 0
				? 'They have no texts'
				: `Their ${texts === 1 ? 'text stays' : `${texts} texts stay`} in the statistics without body or number`;
	return (
		`Forget ${contactName(name)} (${phone})? Their name, number, external id, attributes and tags are deleted. ` +
		`${kept} (status, times and cost are kept; texts not yet sent are canceled). This cannot be undone.`
	);
}

export function forgottenMessage(name: string | null, texts: number, canceled: number): string {
	const parts = [`${contactName(name)} is forgotten.`];
	if (texts > 0) parts.push(`${texts === 1 ? '1 text is' : `${texts} texts are`} kept without body or number.`);
	if (canceled > 0) parts.push(`${canceled === 1 ? '1 text not yet sent was' : `${canceled} texts not yet sent were`} canceled.`);
	return parts.join(' ');
}
