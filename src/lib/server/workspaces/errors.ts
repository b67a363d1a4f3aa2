/** A workspace operation the database refused for a reason a person can act on. */
export type WorkspaceErrorCode =
	| 'not_found'
	| 'forbidden'
	| 'invalid'
	| 'conflict'
	| 'last_owner'
	| 'invitation_expired'
	| 'invitation_revoked'
	| 'invitation_accepted'
	| 'invitation_wrong_email';

export class WorkspaceError extends Error {
	readonly code: WorkspaceErrorCode;
	/** The form field the message belongs next to, when there is one. */
	readonly field: string | undefined;

	constructor(options: { code: WorkspaceErrorCode; message: string; field?: string; cause?: unknown }) {
		super(options.message, { cause: options.cause });
		this.name = 'WorkspaceError';
		this.code = options.code;
		this.field = options.field;
	}

	get status(): number {
		switch (this.code) {
			case 'not_found':
				return 404;
			case 'forbidden':
				return 403;
			case 'conflict':
			case 'last_owner':
			case 'invitation_accepted':
				return 409;
			case 'invitation_expired':
			case 'invitation_revoked':
				return 410;
			default:
				return 400;
		}
	}
}
