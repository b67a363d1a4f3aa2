/**
 * The workspace API: callable by signed-in users because each function checks the caller's own
 * role (auth.uid()) in the workspace it is asked about; workspaces.test.ts and
 * templates-workspace.test.ts cover each role.
 */
export const WORKSPACE_API = [
	'accept_organization_invitation',
	'create_api_key',
	'create_organization',
	'create_organization_invitation',
	'create_sms_template',
	'create_webhook_endpoint',
	'current_org_role',
	'delete_contact',
	'delete_organization',
	'delete_sms_template',
	'delete_webhook_endpoint',
	'delete_workspace_provider',
	'forget_contact',
	'has_org_role',
	'list_organization_members',
	'org_ids_with_role',
	'remove_member',
	'resend_webhook_delivery',
	'revoke_api_key',
	'revoke_organization_invitation',
	'set_alert_rule',
	'set_member_on_call',
	'set_member_role',
	'set_retention',
	'set_sms_template_active',
	'set_workspace_provider',
	'set_workspace_provider_secrets',
	'transfer_ownership',
	'update_contact',
	'update_organization_settings',
	'update_sms_template',
	'upsert_contact',
	'workspace_alert_rules',
	'workspace_health',
	'workspace_recipient_users'
];
