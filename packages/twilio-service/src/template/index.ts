export { renderTemplate, templateVariables } from './render.ts';
export type { RenderOptions, RenderResult, TemplateValue, TemplateVars } from './render.ts';
export { TemplateError } from './errors.ts';
export type { TemplateErrorCode, TemplateErrorOptions } from './errors.ts';
