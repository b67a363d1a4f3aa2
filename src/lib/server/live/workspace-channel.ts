import { z } from 'zod';
import type { LiveChannel } from './hub.ts';

/** Channel the rollup trigger notifies with a workspace's id whenever one of its texts changes. */
export const SMS_WORKSPACE_CHANNEL = 'sms_workspace';

export interface WorkspaceNotice {
	organizationId: string;
}

const id = z.uuid();

export const workspaceChannel: LiveChannel<WorkspaceNotice> = {
	name: SMS_WORKSPACE_CHANNEL,
	parse: (raw) => (id.safeParse(raw).success ? { organizationId: raw } : null),
	keyOf: (n) => n.organizationId
};
