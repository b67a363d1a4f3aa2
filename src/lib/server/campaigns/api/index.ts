// The campaigns JSON API (issue 13): session cookie + workspace role, JSON in and out.
export { CampaignApiError, fromDatabase } from './errors.ts';
export { requireApiWorkspace, type ApiEvent } from './context.ts';
export { respond } from './respond.ts';
export { createImport, type ImportDeps, type ImportResponse } from './imports.ts';
export { CAMPAIGN_ACTIONS, campaignAction, createCampaign, getCampaign, type CampaignAction, type CampaignView } from './campaigns.ts';
export { campaignRoute } from './route.ts';
