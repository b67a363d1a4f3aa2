/** How a contact is named on a page: contacts created from a bare number have no name. */
export function contactName(name: string | null): string {
	return name ?? 'Unnamed contact';
}
